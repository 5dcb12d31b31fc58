// nr.jit's view of arguments and results: the tensors inside nested arrays and plain objects, and a key for the rest.
import type { DataId } from '../../backends/backend.js';
import { Tensor, Variable } from '../tensor.js';

/** A result's structure with its tensors replaced by their index in the flat list. @example const t: Template = { kind: 'array', items: [{ kind: 'tensor', index: 0 }] }; */
export type Template =
  | { readonly kind: 'tensor'; readonly index: number }
  | { readonly kind: 'array'; readonly items: readonly Template[] }
  | { readonly kind: 'object'; readonly entries: readonly (readonly [string, Template])[] }
  | { readonly kind: 'value'; readonly value: unknown };

function isPlainObject(v: object): v is Record<string, unknown> {
  const proto: unknown = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

const objectIds = new WeakMap<object, number>();
let nextObjectId = 0;

/** A number per object, for keys of arguments jit does not look into (a model, a function). */
function objectId(o: object): number {
  let id = objectIds.get(o);
  if (id === undefined) {
    id = nextObjectId++;
    objectIds.set(o, id);
  }
  return id;
}

/** Object keys that JSON.stringify would only wrap in quotes (most keys): quoted without it. */
const PLAIN_KEY = /^[\w$-]*$/;

/** `T<dtype>[<dims>]`, as one string built without the intermediate arrays of join. */
function tensorPart(t: Tensor): string {
  const shape = t.shape;
  let s = `T${t.dtype}[`;
  for (let i = 0; i < shape.length; i++) s += i === 0 ? `${shape[i]}` : `,${shape[i]}`;
  return `${s}]`;
}

/** What flattenArgs gathers while it walks: the tensors, their buffers, and the signature so far. */
interface ArgsWalk {
  readonly tensors: Tensor[];
  readonly ids: DataId[];
  key: string;
}

// A module-level function, not a closure: flattenArgs runs on every call of a jitted function.
function walkArgs(w: ArgsWalk, v: unknown): void {
  if (w.key.length) w.key += ' ';
  if (v instanceof Tensor) {
    const id = v.dataId;
    if (v instanceof Variable) w.key += `V${v.id}`;
    else {
      const same = w.ids.indexOf(id);
      w.key += same < 0 ? tensorPart(v) : `${tensorPart(v)}=${same}`;
    }
    w.tensors.push(v);
    w.ids.push(id);
  } else if (Array.isArray(v)) {
    w.key += '[';
    for (let i = 0; i < v.length; i++) walkArgs(w, v[i]);
    w.key += ' ]';
  } else if (v !== null && typeof v === 'object' && isPlainObject(v)) {
    w.key += '{';
    for (const k of Object.keys(v)) {
      w.key += PLAIN_KEY.test(k) ? ` "${k}"` : ` ${JSON.stringify(k)}`;
      walkArgs(w, v[k]);
    }
    w.key += ' }';
  } else if (v !== null && (typeof v === 'object' || typeof v === 'function'))
    w.key += `O${objectId(v)}`;
  else w.key += v === undefined ? 'u' : `${typeof v}:${String(v)}`;
}

/**
 * The tensors inside `value` (arrays and plain objects, in order) and a signature of everything else:
 * shapes and dtypes of tensors, which arguments share a buffer, variables by identity, other values as
 * JSON, other objects by identity. It runs on every call of a jitted function (each batch of a
 * jitCompile step), so the key is one string grown in place: no per-part arrays, Object.entries, or
 * JSON.stringify of plain keys.
 * @example const { tensors, key } = flattenArgs([x, { training: true }]);
 */
export function flattenArgs(value: unknown): { tensors: Tensor[]; key: string } {
  const w: ArgsWalk = { tensors: [], ids: [], key: '' };
  walkArgs(w, value);
  return { tensors: w.tensors, key: w.key };
}

/**
 * A result's tensors (in order) and the template that rebuilds it from new ones.
 * @example const { tensors, template } = flattenResult({ loss, preds: [p] });
 */
export function flattenResult(value: unknown): { tensors: Tensor[]; template: Template } {
  const tensors: Tensor[] = [];
  const walk = (v: unknown): Template => {
    if (v instanceof Tensor) {
      tensors.push(v);
      return { kind: 'tensor', index: tensors.length - 1 };
    }
    if (Array.isArray(v)) return { kind: 'array', items: v.map(walk) };
    if (v !== null && typeof v === 'object' && isPlainObject(v))
      return { kind: 'object', entries: Object.entries(v).map(([k, x]) => [k, walk(x)] as const) };
    return { kind: 'value', value: v };
  };
  return { tensors, template: walk(value) };
}

/**
 * The result a template describes, with `tensors` in its tensor places.
 * @example rebuild({ kind: 'tensor', index: 0 }, [y]) // y
 */
export function rebuild(template: Template, tensors: readonly Tensor[]): unknown {
  switch (template.kind) {
    case 'tensor':
      return tensors[template.index];
    case 'array':
      return template.items.map((t) => rebuild(t, tensors));
    case 'object': {
      const out: Record<string, unknown> = {};
      // defineProperty: a key such as '__proto__' stays a key
      for (const [k, t] of template.entries)
        Object.defineProperty(out, k, {
          value: rebuild(t, tensors),
          enumerable: true,
          writable: true,
          configurable: true,
        });
      return out;
    }
    case 'value':
      return template.value;
    default:
      return template satisfies never;
  }
}
