// CSV: an RFC 4180 parser (quotes, embedded delimiters, quotes and newlines) and tfjs' CSVDataset.
import { ArgumentError, clip, IOError, show } from '../core/errors.js';
import { Dataset } from './dataset.js';
import { type FileSource, isUrl, readBytes, sourceName } from './read_source.js';

/** How one column is read (tfjs' ColumnConfig, plus dtype 'string'). */
export interface ColumnConfig {
  /** The column is a label: it goes into `ys` instead of `xs`. */
  isLabel?: boolean;
  /** 'float32' or 'int32' (numbers, int32 floored), 'bool' (true/false/1/0 → 1/0), 'string' (kept as text). Inferred when absent. */
  dtype?: 'float32' | 'int32' | 'bool' | 'string';
  /** The value of an empty field. */
  default?: number | string | boolean;
  /** An empty field is an error (label columns are always required unless they have a default). */
  required?: boolean;
}

/** Options of `csv()` (tfjs' CSVConfig). */
export interface CSVConfig {
  /** The first line holds the column names. Default true. */
  hasHeader?: boolean;
  /** Column names; required without a header, and replace the header when both are present. */
  columnNames?: readonly string[];
  /** Per-column options, by column name. */
  columnConfigs?: Record<string, ColumnConfig>;
  /** Only the columns in `columnConfigs` appear in elements. Default false. */
  configuredColumnsOnly?: boolean;
  /** The one-character field separator. Default ','. */
  delimiter?: string;
  /** Fields are separated by runs of spaces and tabs (no quoting); overrides `delimiter`. */
  delimWhitespace?: boolean;
  /** Refuse sources larger than this many bytes. Default 512 MiB (a JS string's practical limit). */
  maxBytes?: number;
  /** Refuse records (the header included) with more fields than this. Default 2^20 (1,048,576). */
  maxFields?: number;
  /** Refuse records (the header included) longer than this many characters. Default 2^26 (64 Mi). */
  maxRecordLength?: number;
}

/** Bounds on one record, so a hostile line costs little time and memory before it is refused. */
export interface CsvLimits {
  /** Most fields in one record. Default 2^20. */
  maxFields?: number;
  /** Most characters in one record. Default 2^26. */
  maxRecordLength?: number;
}

const MAX_FIELDS = 2 ** 20;
const MAX_RECORD_LENGTH = 2 ** 26;

/** A parsed field: a number (numeric and bool columns) or a string. */
export type CsvValue = number | string;
/** One row, by column name (an object without a prototype: column names come from the file). */
export type CsvRow = Record<string, CsvValue>;
/** A row, or `{xs, ys}` when some column is a label. */
export type CsvElement = CsvRow | { xs: CsvRow; ys: CsvRow };

/** A record and the line it starts on (1-based; quoted newlines make records span lines). */
export interface CsvRecord {
  fields: string[];
  line: number;
}

function newlinesIn(text: string, from: number, to: number): number {
  let n = 0;
  for (let i = from; i < to; i++) {
    const c = text.charCodeAt(i);
    if (c === 10 || (c === 13 && text.charCodeAt(i + 1) !== 10)) n++;
  }
  return n;
}

/**
 * Splits CSV text into records, lazily, in time linear in the text. Quoted fields may hold the
 * delimiter, doubled quotes and newlines; CRLF, LF and CR end records; blank lines are skipped.
 * A record with more than `limits.maxFields` fields or `limits.maxRecordLength` characters is an
 * IOError, raised as soon as the limit is passed. Errors name `name` and the line.
 * @example [...parseCsvRecords('a,b\n1,"x,y"\n', ',', 'inline')] // [{fields:['a','b'],line:1}, {fields:['1','x,y'],line:2}]
 */
export function* parseCsvRecords(
  text: string,
  delimiter: string,
  name: string,
  limits: CsvLimits = {},
): Generator<CsvRecord, void, undefined> {
  const n = text.length;
  const d = delimiter.charCodeAt(0);
  const { maxFields, maxRecordLength } = checkLimits('parseCsvRecords', limits);
  let i = 0;
  let line = 1;
  while (i < n) {
    const start = line;
    const recordStart = i;
    // Past this index the record is too long; scanning stops there.
    const stop = Math.min(n, recordStart + maxRecordLength + 1);
    const tooLong = (): never => {
      throw new IOError(
        `csv ${name}: line ${start}: record longer than the limit of ${maxRecordLength} characters (maxRecordLength)`,
      );
    };
    const fields: string[] = [];
    let quotedAny = false;
    for (;;) {
      if (fields.length >= maxFields)
        throw new IOError(
          `csv ${name}: line ${start}: more than the limit of ${maxFields} fields (maxFields)`,
        );
      if (text.charCodeAt(i) === 34) {
        quotedAny = true;
        const quoteLine = line;
        let value = '';
        let seg = ++i;
        for (;;) {
          const q = text.indexOf('"', i);
          if (q < 0) throw new IOError(`csv ${name}: line ${quoteLine}: unterminated quoted field`);
          if (q >= stop) tooLong();
          line += newlinesIn(text, i, q);
          if (text.charCodeAt(q + 1) === 34) {
            value += text.slice(seg, q + 1);
            i = seg = q + 2;
            continue;
          }
          value += text.slice(seg, q);
          i = q + 1;
          break;
        }
        const c = text.charCodeAt(i);
        if (i < n && c !== d && c !== 10 && c !== 13) {
          throw new IOError(
            `csv ${name}: line ${line}: unexpected ${show(text[i])} after a closing quote (quotes inside a field must be doubled)`,
          );
        }
        fields.push(value);
      } else {
        let j = i;
        while (j < stop) {
          const c = text.charCodeAt(j);
          if (c === d || c === 10 || c === 13) break;
          j++;
        }
        if (j - recordStart > maxRecordLength) tooLong();
        fields.push(text.slice(i, j));
        i = j;
      }
      if (i < n && text.charCodeAt(i) === d) {
        i++;
        continue;
      }
      if (i < n) {
        i += text.charCodeAt(i) === 13 && text.charCodeAt(i + 1) === 10 ? 2 : 1;
        line++;
      }
      break;
    }
    if (fields.length === 1 && fields[0] === '' && !quotedAny) continue;
    yield { fields, line: start };
  }
}

function* whitespaceRecords(
  text: string,
  name: string,
  limits: Required<CsvLimits>,
): Generator<CsvRecord, void, undefined> {
  const newline = /\r\n|\n|\r/g;
  let at = 0;
  for (let k = 1; at <= text.length; k++) {
    newline.lastIndex = at;
    const m = newline.exec(text);
    const end = m === null ? text.length : m.index;
    if (end - at > limits.maxRecordLength)
      throw new IOError(
        `csv ${name}: line ${k}: record longer than the limit of ${limits.maxRecordLength} characters (maxRecordLength)`,
      );
    const trimmed = text.slice(at, end).trim();
    at = m === null ? text.length + 1 : m.index + m[0].length;
    if (trimmed === '') continue;
    // A loop, not split(): V8 splits the whole line even with a limit (a 20 MB line took a minute).
    const fields: string[] = [];
    const word = /[^ \t]+/g;
    for (let m = word.exec(trimmed); m !== null; m = word.exec(trimmed)) {
      if (fields.length === limits.maxFields)
        throw new IOError(
          `csv ${name}: line ${k}: more than the limit of ${limits.maxFields} fields (maxFields)`,
        );
      fields.push(m[0]);
    }
    yield { fields, line: k };
  }
}

/** The record limits with their defaults, checked. */
function checkLimits(op: string, limits: CsvLimits): Required<CsvLimits> {
  const maxFields = limits.maxFields ?? MAX_FIELDS;
  const maxRecordLength = limits.maxRecordLength ?? MAX_RECORD_LENGTH;
  if (!Number.isInteger(maxFields) || maxFields < 1)
    throw new ArgumentError(
      `${op}: maxFields must be a positive integer, received ${show(maxFields)}`,
    );
  if (!Number.isInteger(maxRecordLength) || maxRecordLength < 1)
    throw new ArgumentError(
      `${op}: maxRecordLength must be a positive integer, received ${show(maxRecordLength)}`,
    );
  return { maxFields, maxRecordLength };
}

const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** A decimal number, NaN, or ±Infinity written as text; null when the text is none of these. @example parseCsvNumber(' -1.5e3 ') // -1500 */
export function parseCsvNumber(text: string): number | null {
  const s = text.trim();
  if (DECIMAL.test(s)) return Number(s);
  if (/^[+-]?nan$/i.test(s)) return NaN;
  if (/^[+-]?inf(inity)?$/i.test(s)) return s.startsWith('-') ? -Infinity : Infinity;
  return null;
}

type ColumnKind = 'float32' | 'int32' | 'bool' | 'string';

/** Turns records into elements, inferring untyped columns from their first non-empty value. */
class RowReader {
  private readonly kinds: (ColumnKind | null)[];
  private readonly inferredAt: number[];
  private readonly used: number[];
  private readonly hasLabels: boolean;
  /** Column configs by name: a Map, so a column named 'constructor' or '__proto__' finds only its own. */
  private readonly configs: Map<string, ColumnConfig>;

  constructor(
    private readonly name: string,
    private readonly columns: readonly string[],
    configs: Record<string, ColumnConfig>,
    configuredOnly: boolean,
  ) {
    this.configs = new Map(Object.entries(configs));
    this.kinds = columns.map((c) => this.configs.get(c)?.dtype ?? null);
    this.inferredAt = columns.map(() => 0);
    this.used = columns
      .map((_, i) => i)
      .filter((i) => !configuredOnly || this.configs.has(columns[i]));
    this.hasLabels = this.used.some((i) => this.configs.get(columns[i])?.isLabel === true);
  }

  private value(col: number, raw: string, line: number): CsvValue {
    const column = this.columns[col];
    const config = this.configs.get(column);
    let kind = this.kinds[col];
    const empty = kind === 'string' ? raw === '' : raw.trim() === '';
    if (empty) {
      if (config?.default !== undefined)
        return typeof config.default === 'boolean' ? Number(config.default) : config.default;
      if (config?.required || config?.isLabel)
        throw new IOError(
          `csv ${this.name}: line ${line}: column '${column}' is empty but required`,
        );
      // Text (or not yet known) columns read an empty field as '', numeric ones as NaN.
      return kind === 'string' || kind === null ? '' : NaN;
    }
    if (kind === null) {
      kind = parseCsvNumber(raw) === null ? 'string' : 'float32';
      this.kinds[col] = kind;
      this.inferredAt[col] = line;
    }
    switch (kind) {
      case 'string':
        return raw;
      case 'bool': {
        const s = raw.trim().toLowerCase();
        if (s === 'true' || s === '1') return 1;
        if (s === 'false' || s === '0') return 0;
        throw new IOError(
          `csv ${this.name}: line ${line}: column '${column}' expects a boolean (true/false/1/0), received ${show(raw)}`,
        );
      }
      case 'float32':
      case 'int32': {
        const v = parseCsvNumber(raw);
        if (v === null) {
          const why =
            this.inferredAt[col] > 0
              ? ` (inferred numeric from line ${this.inferredAt[col]}; set columnConfigs['${column}'].dtype = 'string' to read text)`
              : '';
          throw new IOError(
            `csv ${this.name}: line ${line}: column '${column}' expects a number, received ${show(raw)}${why}`,
          );
        }
        return kind === 'int32' ? Math.floor(v) : v;
      }
      default:
        return kind satisfies never;
    }
  }

  read(record: CsvRecord): CsvElement {
    if (record.fields.length !== this.columns.length) {
      throw new IOError(
        `csv ${this.name}: line ${record.line} has ${record.fields.length} fields, expected ${this.columns.length} (${clip(this.columns.join(', '))})`,
      );
    }
    // Column names come from the file: rows have no prototype, so '__proto__' is a column like any other.
    const xs: CsvRow = Object.create(null);
    const ys: CsvRow = Object.create(null);
    for (const col of this.used) {
      const v = this.value(col, record.fields[col], record.line);
      if (this.configs.get(this.columns[col])?.isLabel) ys[this.columns[col]] = v;
      else xs[this.columns[col]] = v;
    }
    return this.hasLabels ? { xs, ys } : xs;
  }
}

function checkConfig(config: CSVConfig): void {
  if (config === null || typeof config !== 'object')
    throw new ArgumentError(`csv: config must be an object, received ${show(config)}`);
  const delimiter = config.delimiter ?? ',';
  if (typeof delimiter !== 'string' || delimiter.length !== 1 || /["\r\n]/.test(delimiter)) {
    throw new ArgumentError(
      `csv: delimiter must be one character other than a quote or newline, received ${show(delimiter)}`,
    );
  }
  if (
    config.columnNames !== undefined &&
    (!Array.isArray(config.columnNames) || !config.columnNames.every((c) => typeof c === 'string'))
  ) {
    throw new ArgumentError(
      `csv: columnNames must be an array of strings, received ${show(config.columnNames)}`,
    );
  }
  if (config.hasHeader === false && config.columnNames === undefined)
    throw new ArgumentError('csv: hasHeader is false, so columnNames must be given');
  for (const [name, c] of Object.entries(config.columnConfigs ?? {})) {
    if (c.dtype !== undefined && !['float32', 'int32', 'bool', 'string'].includes(c.dtype)) {
      throw new ArgumentError(
        `csv: columnConfigs['${name}'].dtype must be 'float32', 'int32', 'bool' or 'string', received ${show(c.dtype)}`,
      );
    }
  }
  checkLimits('csv', config);
  if (config.configuredColumnsOnly && config.columnConfigs === undefined)
    throw new ArgumentError('csv: configuredColumnsOnly needs columnConfigs');
}

/** Reads a CSV source: its text, header and rows (one read per epoch). */
class CsvSource {
  names: string[] | null = null;

  constructor(
    private readonly input: FileSource | Uint8Array,
    private readonly config: CSVConfig,
  ) {}

  /** The source as named in errors. */
  get name(): string {
    if (this.input instanceof Uint8Array) return '(bytes)';
    if (isInlineText(this.input)) return '(inline text)';
    return `'${sourceName(this.input)}'`;
  }

  private async text(): Promise<string> {
    const src = this.input;
    let text: string;
    if (isInlineText(src)) text = src;
    else {
      const limit = this.config.maxBytes ?? 512 * 2 ** 20;
      const bytes = src instanceof Uint8Array ? src : await readBytes(src, 'CSV file', limit);
      if (bytes.byteLength > limit)
        throw new IOError(
          `csv ${this.name}: ${bytes.byteLength} bytes, more than the limit of ${limit}`,
        );
      text = new TextDecoder('utf-8').decode(bytes);
    }
    return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  }

  private records(text: string): Generator<CsvRecord, void, undefined> {
    const limits = checkLimits('csv', this.config);
    return this.config.delimWhitespace
      ? whitespaceRecords(text, this.name, limits)
      : parseCsvRecords(text, this.config.delimiter ?? ',', this.name, limits);
  }

  /** Reads the header (or takes `columnNames`) and checks the names against `columnConfigs`. */
  async open(): Promise<{ columns: string[]; records: Generator<CsvRecord, void, undefined> }> {
    const records = this.records(await this.text());
    const hasHeader = this.config.hasHeader ?? true;
    let columns = this.config.columnNames?.slice() ?? null;
    if (hasHeader) {
      const first = records.next();
      if (first.done) throw new IOError(`csv ${this.name}: empty file, expected a header line`);
      columns ??= first.value.fields.map((f) => f.trim());
    }
    if (columns === null)
      throw new ArgumentError('csv: hasHeader is false, so columnNames must be given');
    const seen = new Set<string>();
    for (const c of columns) {
      if (seen.has(c))
        throw new IOError(`csv ${this.name}: duplicate column name ${show(c)} in ${show(columns)}`);
      seen.add(c);
    }
    for (const key of Object.keys(this.config.columnConfigs ?? {})) {
      if (!seen.has(key))
        throw new ArgumentError(
          `csv: columnConfigs names column ${show(key)}, which is not among the columns ${show(columns)}`,
        );
    }
    this.names = columns;
    return { columns, records };
  }

  async *rows(): AsyncGenerator<CsvElement, void, undefined> {
    const { columns, records } = await this.open();
    const reader = new RowReader(
      this.name,
      columns,
      this.config.columnConfigs ?? {},
      this.config.configuredColumnsOnly ?? false,
    );
    for (const record of records) yield reader.read(record);
  }
}

function isInlineText(src: FileSource | Uint8Array): src is string {
  return typeof src === 'string' && !isUrl(src) && /[\r\n]/.test(src);
}

/**
 * Rows of a CSV file as a dataset (tfjs' CSVDataset). Each element is an object keyed by column
 * name, or `{xs, ys}` when a column is configured with `isLabel`. Numeric columns give numbers,
 * text columns strings; a column without a `dtype` is numeric if its first non-empty value is.
 * A row with the wrong number of fields, or text in a numeric column, is an `IOError` naming the
 * source and the line. The file is read again on each epoch.
 * @example
 * const ds = nr.data.csv('housing.csv', { columnConfigs: { price: { isLabel: true } } });
 * console.log(await ds.columnNames());
 */
export class CSVDataset extends Dataset<CsvElement> {
  private readonly reader: CsvSource;

  /** @param source a path, a file:// or http(s):// URL, the CSV text itself (text with a newline), or its bytes. */
  constructor(source: FileSource | Uint8Array, config: CSVConfig = {}) {
    checkConfig(config);
    if (typeof source !== 'string' && !(source instanceof URL) && !(source instanceof Uint8Array)) {
      throw new ArgumentError(
        `csv: source must be a path, a URL, CSV text or bytes, received ${show(typeof source)}`,
      );
    }
    const reader = new CsvSource(source, config);
    super(() => reader.rows());
    this.reader = reader;
  }

  /** Column names, from `columnNames` or the header. @example await ds.columnNames() // ['a', 'b'] */
  async columnNames(): Promise<string[]> {
    if (this.reader.names) return this.reader.names.slice();
    const { columns } = await this.reader.open();
    return columns.slice();
  }
}
