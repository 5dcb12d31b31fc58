// tfjs' data behaviours: numeric rows batch to tensors, string seeds, file://./relative paths, func, TextLineDataset, fitDataset over zip.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import * as nr from '../../src/node.js';

const { data } = nr;

describe('tfjs data behaviours', () => {
  it('array([[1], [2]]).batch(2) is a [2, 1] tensor (rows), tuples with tensors stay tuples', async () => {
    const [b] = await data
      .array([[1], [2]])
      .batch(2)
      .toArray();
    expect(b.shape).toEqual([2, 1]);
    expect(await b.array()).toEqual([[1], [2]]);
    const [m] = await data
      .array([[[1, 2]], [[3, 4]]])
      .batch(2)
      .toArray();
    expect(m.shape).toEqual([2, 1, 2]);
    const [t] = await data
      .array([
        [nr.scalar(1), 2],
        [nr.scalar(3), 4],
      ])
      .batch(2)
      .toArray();
    expect(Array.isArray(t)).toBe(true);
    nr.dispose([b, m, t]);
  });

  it('shuffle takes tfjs string seeds: the same string, the same order', async () => {
    const base = data.array(Array.from({ length: 20 }, (_, i) => i));
    const a = await base.shuffle(20, 'seed-1').toArray();
    const b = await base.shuffle(20, 'seed-1').toArray();
    const c = await base.shuffle(20, 'another').toArray();
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
    expect([...a].sort((x, y) => x - y)).toEqual(Array.from({ length: 20 }, (_, i) => i));
  });

  it("csv and TextLineDataset read 'file://./relative' paths as tfjs does", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'nr-tfjs-data-'));
    writeFileSync(path.join(dir, 'x.csv'), 'a,b\n1,2\n3,4\n');
    writeFileSync(path.join(dir, 'poem.txt'), 'one\r\ntwo\nthree\n');
    const rel = (f: string) => `file://./${path.relative(process.cwd(), path.join(dir, f))}`;
    expect(await data.csv(rel('x.csv')).toArray()).toEqual([
      { a: 1, b: 2 },
      { a: 3, b: 4 },
    ]);
    expect(await new data.TextLineDataset(rel('poem.txt')).toArray()).toEqual([
      'one',
      'two',
      'three',
    ]);
    expect(await new data.TextLineDataset(new TextEncoder().encode('a\nb')).toArray()).toEqual([
      'a',
      'b',
    ]);
  });

  it('func builds a dataset from {value, done}', async () => {
    let i = 0;
    const ds = data.func(() => (i < 3 ? { value: i++, done: false } : { value: -1, done: true }));
    expect(await ds.toArray()).toEqual([0, 1, 2]);
    await expect(data.func(() => 3 as never).toArray()).rejects.toThrow(
      /func: f must return \{value, done\}/,
    );
  });
});

describe('fitDataset over tf.data.zip({xs, ys}) of nested arrays', () => {
  it('trains, frees every batch it takes, and prints a progress line without a known length', async () => {
    nr.setSeed(3);
    const rows = Array.from({ length: 32 }, (_, i) => [i / 32, ((i * 7) % 32) / 32]);
    const targets = rows.map(([a, b]) => [a + b]);
    const ds = data.zip({ xs: data.array(rows), ys: data.array(targets) }).batch(8);
    const m = nr.sequential({ layers: [nr.layers.dense({ units: 1, inputShape: [2] })] });
    m.compile({
      optimizer: new nr.optimizers.Adam({ learningRate: 0.05 }),
      loss: 'meanSquaredError',
    });
    const out: string[] = [];
    const stream = { write: (s: string) => void out.push(s), isTTY: false };
    const h = await m.fitDataset(ds, { epochs: 8, verbose: 1, stream });
    expect(h.history.loss.at(-1)).toBeLessThan(h.history.loss[0]);
    const text = out.join('');
    expect(text).not.toMatch(/0\/0|0us\/step/);
    expect(text).toMatch(/Epoch 8\/8\n4\/4 ━+ \S+ \S+\/step - loss: /);
    // A second run leaves no tensor behind: every batch taken was freed.
    const before = nr.memory().numTensors;
    await m.fitDataset(ds, { epochs: 2, verbose: 0 });
    expect(nr.memory().numTensors).toBe(before);
    m.dispose();
  });

  it('a TTY shows N/Unknown while the length is unknown', async () => {
    const bar = new nr.callbacks.Progbar(
      { write: (s: string) => void out.push(s), isTTY: true },
      1,
    );
    const out: string[] = [];
    bar.epochBegin(0, null);
    bar.update(3, { loss: 1 });
    bar.epochEnd({ loss: 1 }, 5);
    expect(out.join('')).toMatch(/3\/Unknown/);
    expect(out.join('')).toMatch(/5\/5 /);
  });
});

describe('fitDataset with inputs keyed by name', () => {
  it('maps {xs: {inputName: tensor}} to the model inputs in order', async () => {
    nr.setSeed(4);
    const a = nr.input({ shape: [1], name: 'a' });
    const b = nr.input({ shape: [1], name: 'b' });
    const out = nr.layers.dense({ units: 1 }).apply(nr.layers.concatenate().apply([a, b]));
    const m = nr.model({ inputs: [a, b], outputs: out });
    m.compile({ optimizer: 'sgd', loss: 'mse' });
    const rows = Array.from({ length: 8 }, (_, i) => i / 8);
    const ds = data
      .zip({
        xs: data.zip({
          b: data.array(rows.map((r) => [r])),
          a: data.array(rows.map((r) => [1 - r])),
        }),
        ys: data.array(rows.map((r) => [r])),
      })
      .batch(4);
    const h = await m.fitDataset(ds, { epochs: 2, verbose: 0 });
    expect(h.history.loss).toHaveLength(2);
    const bad = data
      .zip({ xs: data.zip({ c: data.array([[1]]) }), ys: data.array([[1]]) })
      .batch(1);
    await expect(m.fitDataset(bad, { verbose: 0 })).rejects.toThrow(/xs has no tensor for 'a'/);
    m.dispose();
  });
});
