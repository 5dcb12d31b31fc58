// HDF5 through h5wasm, on its in-memory file system: a reader that refuses links and virtual datasets and
// checks every dataset's size before reading it, and a writer of groups, datasets and string attributes.
import { IOError, show } from '../../core/errors.js';
import { float16BitsToFloat32 } from '../../core/float16.js';

type H5Module = typeof import('h5wasm');
type H5Group = import('h5wasm').Group;
type H5Dataset = import('h5wasm').Dataset;

type H5FS = NonNullable<Awaited<H5Module['ready']>['FS']>;
interface Loaded {
  lib: H5Module;
  FS: H5FS;
}
let modulePromise: Promise<Loaded> | null = null;
let fileCounter = 0;

/** h5wasm, loaded on first use (its ESM build runs in Node and browsers on an in-memory file system). */
async function h5(): Promise<Loaded> {
  modulePromise ??= import('h5wasm').then(async (lib) => {
    const FS = (await lib.ready).FS;
    if (!FS) throw new IOError('h5wasm: its in-memory file system did not start');
    return { lib, FS };
  });
  return modulePromise;
}

// H5G_obj_t codes that h5wasm's get_type returns (hdf5's H5Gpublic.h).
const H5G_GROUP = 0;
const H5G_DATASET = 1;
const H5G_LINK = 3;
const H5G_UDLINK = 4;

const HDF5_MAGIC = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a];

/** True when the bytes start with the HDF5 signature (at offset 0, where Keras and h5py put it). @example isHdf5(bytes) */
export function isHdf5(bytes: Uint8Array): boolean {
  return bytes.length >= 8 && HDF5_MAGIC.every((b, i) => bytes[i] === b);
}

/** dtypes neurite reads from HDF5 datasets. */
export type H5DType =
  'float32' | 'float64' | 'float16' | 'int32' | 'int64' | 'int8' | 'uint8' | 'int16' | 'bool';

/** One dataset as listed by the reader: its path, shape and dtype (values are read separately, after checks). */
export interface H5DatasetInfo {
  path: string;
  shape: number[];
  dtype: H5DType;
}

/** Limits on an HDF5 file's structure. */
export interface H5Limits {
  /** Most groups and datasets (default 100,000). */
  maxEntries: number;
  /** Deepest group nesting (default 64). */
  maxDepth: number;
  /** Largest dataset in bytes (default 4 GiB). */
  maxDatasetBytes: number;
}

/** The defaults of `H5Limits`. @example await H5Reader.open(bytes, 'w.h5', { ...DEFAULT_H5_LIMITS, maxDepth: 8 }) */
export const DEFAULT_H5_LIMITS: H5Limits = {
  maxEntries: 100_000,
  maxDepth: 64,
  maxDatasetBytes: 4 * 1024 ** 3,
};

function dtypeOf(meta: { type: number; size: number; signed: boolean }): H5DType | null {
  // h5wasm type codes: 0 integer, 1 float (H5T_class_t)
  if (meta.type === 1)
    return meta.size === 4
      ? 'float32'
      : meta.size === 8
        ? 'float64'
        : meta.size === 2
          ? 'float16'
          : null;
  if (meta.type === 0) {
    if (meta.size === 8) return 'int64';
    if (meta.size === 4) return 'int32';
    if (meta.size === 2) return 'int16';
    if (meta.size === 1) return meta.signed ? 'int8' : 'uint8';
  }
  return null;
}

/**
 * An HDF5 file opened read-only from bytes. The constructor walks the whole tree once and refuses soft,
 * external and user-defined links, virtual datasets and unsupported dtypes, so later reads see only hard
 * groups and plain numeric datasets.
 * @example const r = await H5Reader.open(bytes, 'model.weights.h5'); r.datasets(); r.close();
 */
export class H5Reader {
  private readonly groups = new Map<string, Map<string, string>>();
  private readonly infos = new Map<string, H5DatasetInfo>();
  private closed = false;

  private constructor(
    private readonly mod: Loaded,
    private readonly file: import('h5wasm').File,
    private readonly fsPath: string,
    readonly where: string,
    private readonly limits: H5Limits,
  ) {}

  /** Opens bytes as HDF5 (checking the signature first). */
  static async open(
    bytes: Uint8Array,
    where: string,
    limits: H5Limits = DEFAULT_H5_LIMITS,
  ): Promise<H5Reader> {
    if (!isHdf5(bytes))
      throw new IOError(
        `${where}: not an HDF5 file (first bytes ${show([...bytes.subarray(0, 8)])}, expected \\x89HDF\\r\\n\\x1a\\n)`,
      );
    const mod = await h5();
    const fsPath = `/neurite-read-${++fileCounter}.h5`;
    mod.FS.writeFile(fsPath, bytes);
    let file: import('h5wasm').File;
    try {
      file = new mod.lib.File(fsPath, 'r');
    } catch (e) {
      mod.FS.unlink(fsPath);
      throw new IOError(
        `${where}: HDF5 file cannot be opened (${e instanceof Error ? e.message : show(e)})`,
      );
    }
    if (!file.file_id || file.file_id < 0n) {
      mod.FS.unlink(fsPath);
      throw new IOError(`${where}: HDF5 file is damaged or truncated`);
    }
    const reader = new H5Reader(mod, file, fsPath, where, limits);
    try {
      reader.walk();
    } catch (e) {
      reader.close();
      throw e;
    }
    return reader;
  }

  private walk(): void {
    let entries = 0;
    const visit = (path: string, depth: number) => {
      if (depth > this.limits.maxDepth)
        throw new IOError(
          `${this.where}: HDF5 groups nest deeper than ${this.limits.maxDepth} at '${path}'`,
        );
      const group = (path ? this.file.get(path) : this.file) as H5Group;
      const children = new Map<string, string>();
      this.groups.set(path, children);
      for (const name of group.keys()) {
        if (++entries > this.limits.maxEntries)
          throw new IOError(`${this.where}: more than ${this.limits.maxEntries} HDF5 objects`);
        const full = path ? `${path}/${name}` : name;
        const soft = this.file.get_link(`/${full}`);
        if (soft)
          throw new IOError(
            `${this.where}: HDF5 soft link '${full}' -> ${show(soft)} refused (links are not followed)`,
          );
        const type = this.file.get_type(`/${full}`);
        if (type === H5G_UDLINK || type === H5G_LINK)
          throw new IOError(
            `${this.where}: HDF5 external or user-defined link '${full}' refused (links are not followed)`,
          );
        if (type === H5G_GROUP) {
          if (this.groups.has(full))
            throw new IOError(`${this.where}: HDF5 group '${full}' is reached twice (a cycle)`);
          children.set(name, 'group');
          visit(full, depth + 1);
        } else if (type === H5G_DATASET) {
          children.set(name, 'dataset');
          this.infos.set(full, this.describe(full));
        } else children.set(name, 'other');
      }
    };
    visit('', 0);
  }

  private describe(path: string): H5DatasetInfo {
    const ds = this.file.get(path) as H5Dataset;
    const meta = ds.metadata;
    if (meta.virtual_sources && meta.virtual_sources.length)
      throw new IOError(
        `${this.where}: HDF5 virtual dataset '${path}' refused (it reads other files)`,
      );
    const dtype = dtypeOf(meta);
    const shape = meta.shape ?? [];
    if (!shape.every((d) => Number.isSafeInteger(d) && d >= 0))
      throw new IOError(`${this.where}: dataset '${path}' has shape ${show(shape)}`);
    return { path, shape, dtype: dtype ?? 'bool' };
  }

  /** Children of a group ('group' | 'dataset' | 'other'), or null when the group does not exist. */
  children(path: string): Map<string, string> | null {
    return this.groups.get(path.replace(/^\/+|\/+$/g, '')) ?? null;
  }

  /** Every dataset with its shape and dtype. */
  datasets(): H5DatasetInfo[] {
    return [...this.infos.values()];
  }

  /** A dataset's shape and dtype, or null. */
  info(path: string): H5DatasetInfo | null {
    return this.infos.get(path.replace(/^\/+/, '')) ?? null;
  }

  /** A string attribute of a group or dataset ('' path: the root), or null when absent or not a string. */
  attr(path: string, name: string): string | null {
    const clean = path.replace(/^\/+|\/+$/g, '');
    if (clean && !this.groups.has(clean) && !this.infos.has(clean)) return null;
    const obj = clean ? this.file.get(clean) : this.file;
    if (!obj || !('attrs' in obj)) return null;
    const attrs = obj.attrs;
    if (!Object.prototype.hasOwnProperty.call(attrs, name)) return null;
    const v = attrs[name]?.value;
    if (typeof v === 'string') return v;
    if (v instanceof Uint8Array) return new TextDecoder().decode(v);
    return null;
  }

  /**
   * A string-array attribute (Keras 2's layer_names, weight_names), or null. Keras splits one larger than
   * HDF5's 64 KiB attribute limit into `name0`, `name1`, ...; those are joined.
   */
  attrStrings(path: string, name: string): string[] | null {
    const clean = path.replace(/^\/+|\/+$/g, '');
    if (clean && !this.groups.has(clean) && !this.infos.has(clean)) return null;
    const obj = clean ? this.file.get(clean) : this.file;
    if (!obj || !('attrs' in obj)) return null;
    const attrs = obj.attrs;
    const has = (n: string) => Object.prototype.hasOwnProperty.call(attrs, n);
    const dec = new TextDecoder();
    const one = (x: unknown): string | null =>
      typeof x === 'string' ? x : x instanceof Uint8Array ? dec.decode(x) : null;
    const strings = (n: string): string[] | null => {
      const v = attrs[n]?.value;
      if (Array.isArray(v)) {
        const out = v.map(one);
        return out.every((x): x is string => x !== null) ? out : null;
      }
      const single = one(v);
      return single === null ? null : [single];
    };
    if (has(name)) return strings(name);
    const chunks: string[] = [];
    for (let i = 0; has(`${name}${i}`) && i < 10_000; i++) {
      const part = strings(`${name}${i}`);
      if (!part) return null;
      chunks.push(...part);
    }
    return chunks.length ? chunks : null;
  }

  /** Names of the attributes of an object. */
  attrNames(path: string): string[] {
    const clean = path.replace(/^\/+|\/+$/g, '');
    const obj = clean ? this.file.get(clean) : this.file;
    return obj && 'attrs' in obj ? Object.keys(obj.attrs) : [];
  }

  /**
   * A dataset's values as float32/int32 (int64 narrowed, with a check), after its size was checked against
   * `expectShape` (when given) and the byte limit: nothing is allocated for a dataset that fails.
   */
  read(
    path: string,
    expectShape?: readonly number[],
  ): { shape: number[]; values: Float32Array | Int32Array } {
    const info = this.info(path);
    if (!info) throw new IOError(`${this.where}: dataset '${path}' not found`);
    if (
      expectShape &&
      (expectShape.length !== info.shape.length || expectShape.some((d, i) => d !== info.shape[i]))
    )
      throw new IOError(
        `${this.where}: dataset '${path}' has shape ${show(info.shape)}, the model expects ${show([...expectShape])}`,
      );
    const size = info.shape.reduce((a, b) => a * b, 1);
    const bytesPer = info.dtype === 'float64' || info.dtype === 'int64' ? 8 : 4;
    if (size * bytesPer > this.limits.maxDatasetBytes)
      throw new IOError(
        `${this.where}: dataset '${path}' of shape ${show(info.shape)} is larger than ${this.limits.maxDatasetBytes} bytes`,
      );
    if (info.dtype === 'bool')
      throw new IOError(`${this.where}: dataset '${path}' has a dtype neurite does not read`);
    const raw = (this.file.get(path) as H5Dataset).value;
    let values: Float32Array | Int32Array;
    if (raw instanceof Float32Array) values = raw;
    else if (raw instanceof Float64Array || raw instanceof Uint16Array)
      values = Float32Array.from(raw instanceof Uint16Array ? float16BitsToFloat32(raw) : raw);
    else if (raw instanceof BigInt64Array || raw instanceof BigUint64Array) {
      values = new Int32Array(raw.length);
      for (let i = 0; i < raw.length; i++)
        values[i] = Number(
          raw[i] > 2147483647n ? 2147483647n : raw[i] < -2147483648n ? -2147483648n : raw[i],
        );
    } else if (raw instanceof Int32Array) values = raw;
    else if (
      raw instanceof Int8Array ||
      raw instanceof Uint8Array ||
      raw instanceof Int16Array ||
      raw instanceof Uint32Array
    )
      values = Int32Array.from(raw);
    else if (typeof raw === 'number' || typeof raw === 'bigint') {
      values = info.dtype.startsWith('float')
        ? Float32Array.of(Number(raw))
        : Int32Array.of(Number(raw));
    } else
      throw new IOError(
        `${this.where}: dataset '${path}' holds values neurite cannot read (${show(info.dtype)})`,
      );
    if (values.length !== size)
      throw new IOError(
        `${this.where}: dataset '${path}' holds ${values.length} values for shape ${show(info.shape)}`,
      );
    return { shape: info.shape, values };
  }

  /** Closes the file and frees its in-memory copy. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    try {
      this.file.close();
    } finally {
      this.mod.FS.unlink(this.fsPath);
    }
  }
}

/** One dataset to write. int64 stores counters (Keras' optimizer iterations and Normalization count). */
export interface H5WriteDataset {
  path: string;
  shape: number[];
  dtype: 'float32' | 'int32' | 'int64';
  values: Float32Array | Int32Array;
}

/**
 * An HDF5 file with the given groups (and their string attributes) and datasets, as bytes.
 * @example const bytes = await writeH5([{ path: 'vars/0', shape: [2], dtype: 'float32', values }], new Map());
 */
export async function writeH5(
  datasets: H5WriteDataset[],
  groupAttrs: Map<string, Record<string, string>>,
): Promise<Uint8Array> {
  const mod = await h5();
  const fsPath = `/neurite-write-${++fileCounter}.h5`;
  const file = new mod.lib.File(fsPath, 'w');
  try {
    const ensure = (path: string): H5Group => {
      if (!path) return file;
      const existing = file.get(path);
      if (existing instanceof mod.lib.Group) return existing;
      const slash = path.lastIndexOf('/');
      const parent = ensure(slash < 0 ? '' : path.slice(0, slash));
      return parent.create_group(path.slice(slash + 1));
    };
    for (const [path, attrs] of groupAttrs) {
      const g = ensure(path);
      for (const [k, v] of Object.entries(attrs)) g.create_attribute(k, v);
    }
    for (const d of datasets) {
      const slash = d.path.lastIndexOf('/');
      const parent = ensure(slash < 0 ? '' : d.path.slice(0, slash));
      const name = d.path.slice(slash + 1);
      if (d.dtype === 'int64') {
        const big = BigInt64Array.from(d.values, (v) => BigInt(Math.trunc(v)));
        parent.create_dataset({ name, data: big, shape: d.shape, dtype: '<q' });
      } else if (d.dtype === 'int32')
        parent.create_dataset({
          name,
          data: Int32Array.from(d.values),
          shape: d.shape,
          dtype: '<i',
        });
      else
        parent.create_dataset({
          name,
          data: Float32Array.from(d.values),
          shape: d.shape,
          dtype: '<f',
        });
    }
    file.flush();
    file.close();
    return mod.FS.readFile(fsPath);
  } finally {
    try {
      mod.FS.unlink(fsPath);
    } catch {
      // already gone
    }
  }
}
