// nr.jit's view of arguments and results: the tensors inside nested arrays and plain objects, and a key for the rest.
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

/**
 * The tensors inside `value` (arrays and plain objects, in order) and a signature of everything else:
 * shapes and dtypes of tensors, which arguments share a buffer, variables by identity, other values as
 * JSON, other objects by identity.
 * @example const { tensors, key } = flattenArgs([x, { training: true }]);
 */
export function flattenArgs(value: unknown): { tensors: Tensor[]; key: string } {
  const tensors: Tensor[] = [];
  const parts: string[] = [];
  walkArgs(value, tensors, parts);
  return { tensors, key: parts.join(' ') };
}

/** flattenArgs's walk (a module function: a closure made per call costs on every jitted call). */
function walkArgs(v: unknown, tensors: Tensor[], parts: string[]): void {
  if (v instanceof Variable) {
    parts.push(`V${v.id}`);
    tensors.push(v);
  } else if (v instanceof Tensor) {
    let same = -1;
    for (let i = 0; i < tensors.length && same < 0; i++)
      if (tensors[i].dataId === v.dataId) same = i;
    parts.push(`T${v.dtype}[${v.shape.join(',')}]${same < 0 ? '' : `=${same}`}`);
    tensors.push(v);
  } else if (Array.isArray(v)) {
    parts.push('[');
    for (const item of v) walkArgs(item, tensors, parts);
    parts.push(']');
  } else if (v !== null && typeof v === 'object' && isPlainObject(v)) {
    parts.push('{');
    for (const [k, item] of Object.entries(v)) {
      parts.push(JSON.stringify(k));
      walkArgs(item, tensors, parts);
    }
    parts.push('}');
  } else if (v !== null && (typeof v === 'object' || typeof v === 'function'))
    parts.push(`O${objectId(v)}`);
  else parts.push(v === undefined ? 'u' : `${typeof v}:${String(v)}`);
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
