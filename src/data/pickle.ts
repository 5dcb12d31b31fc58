// A restricted Python unpickler for data files (CIFAR batches, NumPy object arrays): plain values and
// NumPy arrays only. It never calls arbitrary code: unknown globals are an IOError.
import { IOError, show } from '../core/errors.js';
import {
  countOf,
  elementReader,
  isNdArray,
  type NdArray,
  type NumpyDType,
  parseDescr,
} from './ndarray.js';

/** A Python dict read from a pickle: keys (str, bytes or int) as strings. */
export type PyDict = Map<string, unknown>;

/** Globals a data pickle may name, and what REDUCE does with them. */
type Callable = 'reconstruct' | 'frombuffer' | 'ndarray' | 'dtype' | 'encode' | 'scalar';

class PyGlobal {
  constructor(readonly fn: Callable) {}
}

const ALLOWED: Record<string, Callable> = {
  'numpy.core.multiarray._reconstruct': 'reconstruct',
  'numpy._core.multiarray._reconstruct': 'reconstruct',
  'numpy.core.numeric._frombuffer': 'frombuffer',
  'numpy._core.numeric._frombuffer': 'frombuffer',
  'numpy.core.multiarray.scalar': 'scalar',
  'numpy._core.multiarray.scalar': 'scalar',
  'numpy.ndarray': 'ndarray',
  'numpy.dtype': 'dtype',
  '_codecs.encode': 'encode',
};

/** A NumPy dtype object under construction (REDUCE gives the descriptor, BUILD the byte order). */
class DTypeObject {
  byteOrder = '|';
  constructor(readonly descr: string) {}
}

/** An ndarray under construction (`_reconstruct`, then BUILD with its state). */
class ArrayBuilder {
  array: NdArray | null = null;
}

function latin1(s: string): Uint8Array {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i) & 0xff;
  return out;
}

/** Raw bytes from bytes, or from a str holding them one per character (Python 2 data read as text). */
function bytesOf(v: unknown): Uint8Array | null {
  if (v instanceof Uint8Array) return v;
  if (typeof v === 'string') return latin1(v);
  return null;
}

function keyOf(k: unknown, name: string): string {
  if (typeof k === 'string') return k;
  if (k instanceof Uint8Array) return new TextDecoder('utf-8').decode(k);
  if (typeof k === 'number' || typeof k === 'boolean') return String(k);
  throw new IOError(`${name}: unsupported dict key ${show(typeof k)} in pickle`);
}

function dtypeFrom(d: unknown, name: string): NumpyDType {
  if (!(d instanceof DTypeObject)) throw new IOError(`${name}: pickle array state has no dtype`);
  return parseDescr(d.descr, name, d.byteOrder);
}

/**
 * A LONG1/LONG4 integer (little-endian two's complement) as a safe JS number. Linear in its length:
 * bytes that only extend the sign are skipped, and more than 7 significant bytes is past 2^53 without
 * building the number (a 160 KB integer used to cost seconds of BigInt shifts).
 */
function longFrom(bytes: Uint8Array, name: string): number {
  if (bytes.length === 0) return 0;
  const negative = (bytes[bytes.length - 1] & 0x80) !== 0;
  const fill = negative ? 0xff : 0;
  let n = bytes.length;
  while (n > 1 && bytes[n - 1] === fill && (bytes[n - 2] & 0x80) === (fill & 0x80)) n--;
  if (n > 7)
    throw new IOError(
      `${name}: integer of ${bytes.length} bytes in pickle is beyond 2^53 (JS numbers are exact only up to 2^53)`,
    );
  // A negative value is read through its complement (-1 - ~v), so every step stays exact below 2^53.
  let v = 0;
  for (let i = n - 1; i >= 0; i--) v = v * 256 + (negative ? ~bytes[i] & 0xff : bytes[i]);
  if (negative) v = -1 - v;
  if (!Number.isSafeInteger(v)) throw new IOError(`${name}: integer ${v} in pickle is beyond 2^53`);
  return v;
}

/** A decimal integer written as text (INT, LONG), refused when it is not exact as a JS number. */
function textInt(s: string, name: string): number {
  const v = Number(s);
  if (!Number.isSafeInteger(v))
    throw new IOError(
      `${name}: integer ${show(s)} (${s.replace(/^[+-]/, '').length} digits) in pickle is beyond 2^53 (JS numbers are exact only up to 2^53)`,
    );
  return v;
}

/**
 * Reads a pickle (protocols 0-5 for data: None, bools, ints, floats, str, bytes, lists, tuples,
 * dicts, and NumPy arrays/dtypes/scalars). Python 2 strings come back as bytes (Uint8Array),
 * as Python's `encoding='bytes'` gives them; tuples as arrays; dicts as Maps with string keys;
 * NumPy arrays as `NdArray`. Anything else (other classes, persistent ids) is an `IOError`.
 * @example const batch = unpickle(bytes, 'data_batch_1') as Map<string, unknown>;
 */
export function unpickle(bytes: Uint8Array, name = 'pickle'): unknown {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const stack: unknown[] = [];
  const marks: number[] = [];
  const memo = new Map<number, unknown>();
  let pos = 0;
  const fail = (what: string): never => {
    throw new IOError(`${name}: ${what} at byte ${pos} of the pickle`);
  };
  const need = (n: number): void => {
    if (n < 0 || pos + n > bytes.length)
      fail(`truncated data (need ${n} bytes, ${bytes.length - pos} left)`);
  };
  const u8 = (): number => (need(1), bytes[pos++]);
  const u16 = (): number => (need(2), (pos += 2), view.getUint16(pos - 2, true));
  const u32 = (): number => (need(4), (pos += 4), view.getUint32(pos - 4, true));
  const u64 = (): number => {
    need(8);
    const v = view.getBigUint64(pos, true);
    pos += 8;
    if (v > BigInt(bytes.length)) fail(`length ${v} beyond the data`);
    return Number(v);
  };
  const take = (n: number): Uint8Array => (need(n), (pos += n), bytes.subarray(pos - n, pos));
  const line = (): string => {
    const end = bytes.indexOf(10, pos);
    if (end < 0) fail('unterminated text line');
    const s = new TextDecoder('latin1').decode(bytes.subarray(pos, end));
    pos = end + 1;
    return s;
  };
  const utf8 = (n: number): string => new TextDecoder('utf-8').decode(take(n));
  const pop = (): unknown => (stack.length === 0 ? fail('stack underflow') : stack.pop());
  const top = (): unknown =>
    stack.length === 0 ? fail('stack underflow') : stack[stack.length - 1];
  const popMark = (): unknown[] => {
    const m = marks.pop();
    if (m === undefined) fail('missing MARK');
    return stack.splice(m ?? 0);
  };
  const glob = (module: string, attr: string): PyGlobal => {
    const fn = ALLOWED[`${module}.${attr}`];
    if (fn === undefined)
      fail(`global '${module}.${attr}' is not allowed (only NumPy arrays and plain data)`);
    return new PyGlobal(fn);
  };
  const setItems = (dict: unknown, items: unknown[]): void => {
    if (!(dict instanceof Map)) fail('SETITEMS on a non-dict');
    for (let i = 0; i + 1 < items.length; i += 2)
      (dict as PyDict).set(keyOf(items[i], name), items[i + 1]);
  };
  const append = (list: unknown, items: unknown[]): void => {
    if (!Array.isArray(list)) fail('APPENDS on a non-list');
    for (const v of items) (list as unknown[]).push(v);
  };
  const reduce = (callable: unknown, args: unknown): unknown => {
    if (!(callable instanceof PyGlobal) || !Array.isArray(args))
      return fail('REDUCE of a non-callable');
    switch (callable.fn) {
      case 'reconstruct':
        return new ArrayBuilder();
      case 'frombuffer': {
        // Protocol 5: _frombuffer(buffer, dtype, shape, order).
        const [buf, dt, shape, order] = args;
        if (
          !(buf instanceof Uint8Array) ||
          !Array.isArray(shape) ||
          !shape.every((d) => typeof d === 'number')
        )
          return fail('bad numpy _frombuffer arguments');
        const dtype = dtypeFrom(dt, name);
        if (buf.length !== countOf(shape, name) * dtype.itemSize)
          return fail(
            `ndarray of shape ${show(shape)} needs ${countOf(shape, name) * dtype.itemSize} bytes, found ${buf.length}`,
          );
        const builder = new ArrayBuilder();
        builder.array = { shape, dtype, fortranOrder: order === 'F', data: buf };
        return builder;
      }
      case 'dtype':
        if (typeof args[0] !== 'string' && !(args[0] instanceof Uint8Array))
          return fail('numpy.dtype without a descriptor');
        return new DTypeObject(
          typeof args[0] === 'string' ? args[0] : new TextDecoder('latin1').decode(args[0]),
        );
      case 'encode':
        if (typeof args[0] !== 'string') return fail('_codecs.encode of a non-string');
        return args[1] === 'latin1' || args[1] === 'latin-1'
          ? latin1(args[0])
          : new TextEncoder().encode(args[0]);
      case 'scalar': {
        const dt = dtypeFrom(args[0], name);
        const raw = bytesOf(args[1]) ?? fail('numpy scalar without bytes');
        if (raw.length !== dt.itemSize) return fail('numpy scalar of the wrong size');
        return elementReader(raw, dt, name)(0);
      }
      case 'ndarray':
        return fail('numpy.ndarray called directly');
      default:
        return callable.fn satisfies never;
    }
  };
  const build = (obj: unknown, state: unknown): void => {
    if (obj instanceof DTypeObject) {
      if (Array.isArray(state) && typeof state[1] === 'string') obj.byteOrder = state[1];
      return;
    }
    if (!(obj instanceof ArrayBuilder) || !Array.isArray(state))
      return void fail('BUILD on an unsupported object');
    const s = state.length === 5 ? state.slice(1) : state;
    const [shape, dt, fortran, raw] = s;
    if (!Array.isArray(shape) || !shape.every((d) => typeof d === 'number'))
      return void fail('ndarray state without a shape');
    const dtype = dtypeFrom(dt, name);
    const count = countOf(shape as number[], name);
    let data: Uint8Array | unknown[];
    if (dtype.kind === 'O') {
      if (!Array.isArray(raw) || raw.length !== count)
        return void fail(
          `object array of shape ${show(shape)} with ${Array.isArray(raw) ? raw.length : 'no'} items`,
        );
      data = raw;
    } else {
      data = bytesOf(raw) ?? fail('ndarray state without data');
      if (data.length !== count * dtype.itemSize)
        return void fail(
          `ndarray of shape ${show(shape)} needs ${count * dtype.itemSize} bytes, found ${data.length}`,
        );
    }
    obj.array = {
      shape: shape as number[],
      dtype,
      fortranOrder: fortran === true || fortran === 1,
      data,
    };
  };
  const finish = (v: unknown): unknown =>
    v instanceof ArrayBuilder ? (v.array ?? fail('ndarray never built')) : v;

  for (;;) {
    const op = u8();
    switch (op) {
      case 0x80:
        u8();
        break; // PROTO
      case 0x95:
        u64();
        break; // FRAME: framing is only a buffering hint
      case 0x2e: {
        // STOP
        const result = pop();
        return resolve(result, finish);
      }
      case 0x28:
        marks.push(stack.length);
        break; // MARK
      case 0x30:
        pop();
        break; // POP
      case 0x31:
        popMark();
        break; // POP_MARK
      case 0x32:
        stack.push(top());
        break; // DUP
      case 0x4e:
        stack.push(null);
        break; // NONE
      case 0x88:
        stack.push(true);
        break; // NEWTRUE
      case 0x89:
        stack.push(false);
        break; // NEWFALSE
      case 0x49: {
        // INT (text; protocol 0/1 booleans are I00 / I01)
        const s = line();
        if (s === '00' || s === '01') stack.push(s === '01');
        else if (/^[+-]?\d+$/.test(s)) stack.push(textInt(s, name));
        else fail(`bad INT ${show(s)}`);
        break;
      }
      case 0x4c: {
        // LONG (text)
        const s = line().replace(/L$/, '');
        if (!/^[+-]?\d+$/.test(s)) fail(`bad LONG ${show(s)}`);
        stack.push(textInt(s, name));
        break;
      }
      case 0x46: {
        // FLOAT (text)
        const v = Number(line());
        stack.push(v);
        break;
      }
      case 0x4a:
        need(4);
        stack.push(view.getInt32(pos, true));
        pos += 4;
        break; // BININT
      case 0x4b:
        stack.push(u8());
        break; // BININT1
      case 0x4d:
        stack.push(u16());
        break; // BININT2
      case 0x8a:
        stack.push(longFrom(take(u8()), name));
        break; // LONG1
      case 0x8b:
        stack.push(longFrom(take(u32()), name));
        break; // LONG4
      case 0x47:
        need(8);
        stack.push(view.getFloat64(pos, false));
        pos += 8;
        break; // BINFLOAT (big-endian)
      case 0x54: {
        // BINSTRING (Python 2 str: bytes)
        need(4);
        const n = view.getInt32(pos, true);
        pos += 4;
        stack.push(take(n));
        break;
      }
      case 0x55:
        stack.push(take(u8()));
        break; // SHORT_BINSTRING
      case 0x42:
        stack.push(take(u32()));
        break; // BINBYTES
      case 0x43:
        stack.push(take(u8()));
        break; // SHORT_BINBYTES
      case 0x8e:
        stack.push(take(u64()));
        break; // BINBYTES8
      case 0x96:
        stack.push(take(u64()));
        break; // BYTEARRAY8
      case 0x58:
        stack.push(utf8(u32()));
        break; // BINUNICODE
      case 0x8c:
        stack.push(utf8(u8()));
        break; // SHORT_BINUNICODE
      case 0x8d:
        stack.push(utf8(u64()));
        break; // BINUNICODE8
      case 0x5d:
        stack.push([]);
        break; // EMPTY_LIST
      case 0x6c:
        stack.push(popMark());
        break; // LIST
      case 0x61: {
        const v = pop();
        append(top(), [v]);
        break;
      } // APPEND
      case 0x65: {
        const items = popMark();
        append(top(), items);
        break;
      } // APPENDS
      case 0x29:
        stack.push([]);
        break; // EMPTY_TUPLE
      case 0x74:
        stack.push(popMark());
        break; // TUPLE
      case 0x85:
        stack.push([pop()]);
        break; // TUPLE1
      case 0x86: {
        const b = pop();
        const a = pop();
        stack.push([a, b]);
        break;
      } // TUPLE2
      case 0x87: {
        const c = pop();
        const b = pop();
        const a = pop();
        stack.push([a, b, c]);
        break;
      } // TUPLE3
      case 0x7d:
        stack.push(new Map());
        break; // EMPTY_DICT
      case 0x64: {
        const d: PyDict = new Map();
        setItems(d, popMark());
        stack.push(d);
        break;
      } // DICT
      case 0x73: {
        const v = pop();
        const k = pop();
        setItems(top(), [k, v]);
        break;
      } // SETITEM
      case 0x75: {
        const items = popMark();
        setItems(top(), items);
        break;
      } // SETITEMS
      case 0x63: {
        const module = line();
        const attr = line();
        stack.push(glob(module, attr));
        break;
      } // GLOBAL
      case 0x93: {
        // STACK_GLOBAL
        const attr = pop();
        const module = pop();
        if (typeof module !== 'string' || typeof attr !== 'string')
          fail('STACK_GLOBAL of non-strings');
        stack.push(glob(String(module), String(attr)));
        break;
      }
      case 0x52: {
        const args = pop();
        const callable = pop();
        stack.push(reduce(callable, args));
        break;
      } // REDUCE
      case 0x62: {
        const state = pop();
        build(top(), state);
        break;
      } // BUILD
      case 0x70:
        memo.set(textInt(line(), name), top());
        break; // PUT
      case 0x71:
        memo.set(u8(), top());
        break; // BINPUT
      case 0x72:
        memo.set(u32(), top());
        break; // LONG_BINPUT
      case 0x94:
        memo.set(memo.size, top());
        break; // MEMOIZE
      case 0x67:
      case 0x68:
      case 0x6a: {
        // GET, BINGET, LONG_BINGET
        let key: number;
        if (op === 0x67) key = textInt(line(), name);
        else if (op === 0x68) key = u8();
        else key = u32();
        if (!memo.has(key)) fail(`memo key ${key} not found`);
        stack.push(memo.get(key));
        break;
      }
      default:
        fail(
          `unsupported pickle opcode 0x${op.toString(16).padStart(2, '0')} (only plain data and NumPy arrays can be read)`,
        );
    }
  }
}

/** Replaces finished ArrayBuilders by their arrays throughout a result (nesting is bounded). */
function resolve(
  v: unknown,
  finish: (v: unknown) => unknown,
  seen = new Set<unknown>(),
  depth = 0,
): unknown {
  if (depth > 1000) throw new IOError('pickle: values nested more than 1000 deep');
  const f = finish(v);
  if (f !== null && typeof f === 'object' && !seen.has(f)) {
    seen.add(f);
    if (Array.isArray(f))
      for (let i = 0; i < f.length; i++) f[i] = resolve(f[i], finish, seen, depth + 1);
    else if (f instanceof Map)
      for (const [k, e] of f) f.set(k, resolve(e, finish, seen, depth + 1));
    else if (isNdArray(f) && Array.isArray(f.data))
      for (let i = 0; i < f.data.length; i++)
        f.data[i] = resolve(f.data[i], finish, seen, depth + 1);
  }
  return f;
}
