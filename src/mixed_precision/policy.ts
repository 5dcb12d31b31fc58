// Dtype policies (Keras' DTypePolicy): the dtype a layer keeps its variables in and the one it computes in.
import { assertDType, type DType } from '../core/dtype.js';
import { ArgumentError, show } from '../core/errors.js';

/** Policy names: a dtype (variables and computations in it) or 'mixed_float16'. */
export type PolicyName = DType | 'mixed_float16';

/** Keras' serialized policy: `{class_name: 'DTypePolicy', config: {name}}` (or our `className`). */
export interface DTypePolicyConfig {
  className?: string;
  class_name?: string;
  module?: string;
  registered_name?: string | null;
  config: { name: string };
}

/** What a layer's `dtype` option accepts: a policy name, a policy, or its serialized form. */
export type DTypePolicyLike = PolicyName | DTypePolicy | DTypePolicyConfig;

const NAMES: readonly PolicyName[] = ['float32', 'float16', 'mixed_float16', 'int32', 'bool'];

/**
 * A dtype policy, as in Keras 3: `name`, `computeDtype` (inputs are cast to it and layers compute in
 * it) and `variableDtype` (weights are created in it). 'mixed_float16' keeps float32 variables and
 * computes in float16.
 * @example
 * const p = new nr.mixedPrecision.DTypePolicy('mixed_float16');
 * p.computeDtype; // 'float16'
 * p.variableDtype; // 'float32'
 */
export class DTypePolicy {
  readonly name: PolicyName;
  readonly computeDtype: DType;
  readonly variableDtype: DType;

  constructor(name: PolicyName) {
    if (!NAMES.includes(name))
      throw new ArgumentError(
        `DTypePolicy: name must be one of ${NAMES.map((n) => `'${n}'`).join(', ')}, received ${show(name)}`,
      );
    this.name = name;
    if (name === 'mixed_float16') {
      this.computeDtype = 'float16';
      this.variableDtype = 'float32';
    } else {
      this.computeDtype = assertDType('DTypePolicy', name);
      this.variableDtype = this.computeDtype;
    }
  }

  /** Whether variables and computations use different dtypes (autocasting applies). @example new nr.mixedPrecision.DTypePolicy('mixed_float16').isMixed // true */
  get isMixed(): boolean {
    return this.computeDtype !== this.variableDtype;
  }

  /** Keras' config: `{name}`. @example policy.getConfig() // { name: 'mixed_float16' } */
  getConfig(): { name: PolicyName } {
    return { name: this.name };
  }

  /** A policy from its config. @example nr.mixedPrecision.DTypePolicy.fromConfig({ name: 'float32' }) */
  static fromConfig(config: { name: string }): DTypePolicy {
    return policyFrom(config.name, 'DTypePolicy.fromConfig', 'name');
  }

  /** Keras' repr. @example String(policy) // '<DTypePolicy "mixed_float16">' */
  toString(): string {
    return `<DTypePolicy "${this.name}">`;
  }
}

function isPolicyName(x: unknown): x is PolicyName {
  return typeof x === 'string' && (NAMES as readonly string[]).includes(x);
}

/**
 * A policy from what a `dtype` option received; errors name the caller and the argument.
 * @example policyFrom('mixed_float16', 'Dense', 'dtype').computeDtype // 'float16'
 */
export function policyFrom(spec: unknown, op: string, arg: string): DTypePolicy {
  if (spec instanceof DTypePolicy) return spec;
  if (isPolicyName(spec)) return new DTypePolicy(spec);
  if (spec !== null && typeof spec === 'object' && 'config' in spec) {
    const config: unknown = spec.config;
    const cls =
      'className' in spec ? spec.className : 'class_name' in spec ? spec.class_name : null;
    const ok = cls === null || cls === 'DTypePolicy' || cls === 'Policy';
    if (ok && config !== null && typeof config === 'object' && 'name' in config)
      return policyFrom(config.name, op, `${arg}.config.name`);
  }
  throw new ArgumentError(
    `${op}: ${arg} must be a dtype policy name (${NAMES.map((n) => `'${n}'`).join(', ')}), a DTypePolicy or {class_name: 'DTypePolicy', config: {name}}, received ${show(spec)}`,
  );
}

let globalPolicy = new DTypePolicy('float32');

/**
 * Sets the policy layers get when their `dtype` option is absent (Keras' `set_dtype_policy`); it applies
 * to layers constructed afterwards. `model.compile` under 'mixed_float16' wraps the optimizer in a
 * LossScaleOptimizer.
 * @example
 * nr.mixedPrecision.setGlobalPolicy('mixed_float16');
 * // ... build and train a model ...
 * nr.mixedPrecision.setGlobalPolicy('float32');
 */
export function setGlobalPolicy(policy: DTypePolicyLike): void {
  globalPolicy = policyFrom(policy, 'setGlobalPolicy', 'policy');
}

/** The global policy ('float32' unless set). @example nr.mixedPrecision.getGlobalPolicy().name // 'float32' */
export function getGlobalPolicy(): DTypePolicy {
  return globalPolicy;
}
