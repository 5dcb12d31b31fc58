// Hostile pickles and CIFAR batches (run in a child process by files_pickle.test.ts).
import { gzipSync } from 'fflate';
import { unpickle } from '../../src/data/pickle.js';
import { fromTarGz } from '../../src/datasets/cifar10.js';
import type { FileCase } from './files_harness.js';
import { cat, P, tar } from './files_build.js';

const ascii = (s: string) => [...s].map((c) => c.charCodeAt(0));

function check(cond: boolean, what: string): void {
  if (!cond) throw new Error(`check failed: ${what}`);
}

/** A LONG4 integer of `n` bytes (all 0x7f: a huge positive number). */
function long4(n: number): Uint8Array {
  const head = new Uint8Array(5);
  head[0] = 0x8b;
  new DataView(head.buffer).setUint32(1, n, true);
  return cat(P.proto(2), head, new Uint8Array(n).fill(0x7f), P.stop);
}

/** The message of what `fn` throws ('' when it returns). */
function messageOf(fn: () => unknown): string {
  try {
    fn();
    return '';
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
}

/** A CIFAR batch pickle (protocol 5 _frombuffer) of `n` images, stored in `order`. */
function batch(pixels: Uint8Array, n: number, labels: number[], order: 'C' | 'F'): Uint8Array {
  const stored = new Uint8Array(pixels.length);
  if (order === 'C') stored.set(pixels);
  else
    for (let i = 0; i < n; i++)
      for (let j = 0; j < 3072; j++) stored[j * n + i] = pixels[i * 3072 + j];
  const dtype = [
    ...P.global('numpy', 'dtype'),
    ...P.str('u1'),
    ...P.newFalse,
    ...P.newTrue,
    ...P.tuple3,
    ...P.reduce,
  ];
  const array = [
    ...P.global('numpy._core.numeric', '_frombuffer'),
    ...P.mark,
    ...P.bytes(stored),
    ...dtype,
    ...P.binInt(n),
    ...P.binInt(3072),
    ...P.tuple2,
    ...P.str(order),
    ...P.tuple,
    ...P.reduce,
  ];
  const list = [...P.emptyList, ...P.mark, ...labels.flatMap((l) => P.binInt(l)), ...P.appends];
  return Uint8Array.from([
    ...P.proto(5),
    ...P.emptyDict,
    ...P.mark,
    ...P.str('data'),
    ...array,
    ...P.str('labels'),
    ...list,
    ...P.setItems,
    ...P.stop,
  ]);
}

export function cases(): FileCase[] {
  const n = 2;
  const pixels = Uint8Array.from({ length: n * 3072 }, (_, i) => (i * 7 + (i >> 10)) % 256);
  const archive = (order: 'C' | 'F') =>
    gzipSync(
      tar(
        [
          'data_batch_1',
          'data_batch_2',
          'data_batch_3',
          'data_batch_4',
          'data_batch_5',
          'test_batch',
        ].map((name) => ({
          name: `cifar-10-batches-py/${name}`,
          data: batch(pixels, n, [3, 7], order),
        })),
      ),
    );
  const good = batch(pixels, n, [3, 7], 'C');
  return [
    {
      name: 'pickle: a 160 KB LONG4 integer (23 s before), short message',
      run: () => {
        const m = messageOf(() => unpickle(long4(160_000)));
        check(
          m.length > 0 && m.length < 300,
          `message of ${m.length} characters: ${m.slice(0, 80)}`,
        );
        unpickle(long4(160_000));
      },
      expect: 'IOError',
      maxMs: 2000,
    },
    {
      name: 'pickle: a 1,000,000-digit LONG (was Infinity), short message',
      run: () => {
        const text = cat(P.proto(2), ascii(`L${'1'.repeat(1_000_000)}L\n`), P.stop);
        const m = messageOf(() => unpickle(text));
        check(m.length > 0 && m.length < 400, `message of ${m.length} characters`);
        unpickle(text);
      },
      expect: 'IOError',
      maxMs: 2000,
    },
    {
      name: 'pickle: a 1,000,000-digit INT',
      run: () => unpickle(cat(ascii(`I${'9'.repeat(1_000_000)}\n`), P.stop)),
      expect: 'IOError',
      maxMs: 2000,
    },
    {
      name: 'pickle: LONG1 integers at the edges of 2^53 read exactly',
      run: () => {
        const long1 = (bytes: number[]) =>
          unpickle(Uint8Array.from([...P.proto(2), 0x8a, bytes.length, ...bytes, ...P.stop]));
        check(long1([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x1f]) === 2 ** 53 - 1, '2^53 - 1');
        check(long1([0x01, 0, 0, 0, 0, 0, 0xe0]) === -(2 ** 53) + 1, '-(2^53) + 1');
        check(
          long1([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]) === -1,
          '-1 padded to 8 bytes',
        );
        check(long1([]) === 0, 'zero');
        check(messageOf(() => long1([0, 0, 0, 0, 0, 0, 0x20])) !== '', '2^53 refused');
      },
      expect: 'ok',
    },
    {
      name: 'pickle: lists nested 100,000 deep',
      run: () => {
        const depth = 100_000;
        const ops = new Uint8Array(2 + 2 * depth);
        ops.set(P.proto(2));
        ops.fill(0x5d, 2, 2 + depth); // EMPTY_LIST
        ops.fill(0x61, 2 + depth, 1 + 2 * depth); // APPEND
        ops[ops.length - 1] = 0x2e;
        return unpickle(ops);
      },
      expect: 'IOError',
    },
    {
      name: 'pickle: os.system is refused',
      run: () =>
        unpickle(
          Uint8Array.from([
            ...P.global('os', 'system'),
            ...P.str('id'),
            0x85,
            ...P.reduce,
            ...P.stop,
          ]),
        ),
      expect: 'IOError',
    },
    {
      name: 'pickle: dict keys __proto__ and constructor stay Map keys',
      run: () => {
        const d = unpickle(
          Uint8Array.from([
            ...P.proto(2),
            ...P.emptyDict,
            ...P.mark,
            ...P.str('__proto__'),
            ...P.binInt(1),
            ...P.str('constructor'),
            ...P.binInt(2),
            ...P.setItems,
            ...P.stop,
          ]),
        );
        check(
          d instanceof Map && d.get('__proto__') === 1 && d.get('constructor') === 2,
          'keys kept',
        );
      },
      expect: 'ok',
    },
    {
      name: 'pickle: every truncation of a CIFAR batch',
      run: () => {
        for (let k = 0; k < good.length; k += k < 200 ? 1 : 97) {
          try {
            unpickle(good.subarray(0, k));
          } catch (e) {
            if (e instanceof Error && e.constructor.name === 'IOError') continue;
            throw e;
          }
          throw new Error(`a ${k}-byte prefix parsed`);
        }
      },
      expect: 'ok',
    },
    {
      name: 'CIFAR: a Fortran-ordered batch reads as the C-ordered one (was scrambled)',
      run: () => {
        const c = fromTarGz(archive('C'));
        const f = fromTarGz(archive('F'));
        const a = c.train.x.dataSync();
        const b = f.train.x.dataSync();
        check(a.length === 5 * n * 3072 && a.every((v, i) => v === b[i]), 'same pixels');
        // NCHW rows to NHWC: pixel 0 of image 0 is (R, G, B) = rows 0, 1024, 2048.
        check(
          a[0] === pixels[0] && a[1] === pixels[1024] && a[2] === pixels[2048],
          'channels last',
        );
        check(f.test.y.dataSync().join() === '3,7', 'labels');
        return [c, f].flatMap((s) => [s.train.x, s.train.y, s.test.x, s.test.y]);
      },
      expect: 'ok',
    },
  ];
}
