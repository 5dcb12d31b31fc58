// Live SVG charts without a browser: lineChartSVG's markup, niceTicks, and fitCallbacks driven by a real fit.
import { describe, expect, it } from 'vitest';
import * as nr from '../../src/index.js';

/** The numbers of a polyline's points attribute, as [x, y] pairs. */
function polylines(svg: string): [number, number][][] {
  return [...svg.matchAll(/<polyline[^>]*points="([^"]*)"/g)].map((m) =>
    m[1].split(' ').map((p) => p.split(',').map(Number) as [number, number]),
  );
}

describe('lineChartSVG', () => {
  it('draws each series as a polyline inside the plot box, higher values higher up', () => {
    const svg = nr.viz.lineChartSVG(
      [
        {
          name: 'loss',
          points: [
            [1, 2],
            [2, 1],
            [3, 0.5],
          ],
        },
        {
          name: 'val',
          points: [
            [1, 2.5],
            [3, 1],
          ],
          color: 'red',
        },
      ],
      { width: 300, height: 200, title: 'loss <train>' },
    );
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg" width="300" height="200"')).toBe(
      true,
    );
    expect(svg.endsWith('</svg>')).toBe(true);
    expect(svg).toContain('loss &#60;train&#62;'); // text is escaped
    const [loss, val] = polylines(svg);
    expect(loss).toHaveLength(3);
    expect(val).toHaveLength(2);
    // x increases left to right; a lower loss is lower on the page (larger y)
    expect(loss[0][0]).toBeLessThan(loss[1][0]);
    expect(loss[0][1]).toBeLessThan(loss[2][1]);
    for (const [x, y] of [...loss, ...val]) {
      expect(x).toBeGreaterThanOrEqual(0);
      expect(x).toBeLessThanOrEqual(300);
      expect(y).toBeGreaterThanOrEqual(0);
      expect(y).toBeLessThanOrEqual(200);
    }
    expect(svg).toContain('stroke="red"');
  });

  it('skips non-finite points, draws a single point as a dot, and an empty chart as a frame', () => {
    const svg = nr.viz.lineChartSVG([
      {
        name: 'a',
        points: [
          [1, NaN],
          [2, 3],
        ],
      },
    ]);
    expect(svg).toContain('<circle');
    expect(polylines(svg)).toEqual([]);
    const empty = nr.viz.lineChartSVG([]);
    expect(empty).toContain('<rect');
    expect(() => nr.viz.lineChartSVG([], { width: 3 })).toThrow(
      /width must be a number >= 16, received 3/,
    );
  });

  it('niceTicks gives round steps covering the range', () => {
    expect(nr.viz.niceTicks(0, 1, 5)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    expect(nr.viz.niceTicks(0.13, 0.87, 4)).toEqual([0.2, 0.4, 0.6, 0.8]);
    expect(nr.viz.niceTicks(3, 3)).toEqual([3]);
  });
});

describe('fitCallbacks', () => {
  it('draws one panel per metric, with batch, epoch and validation lines, while fit runs', async () => {
    nr.setSeed(1);
    const x = nr.randomNormal([64, 4], 0, 1, 'float32', 1);
    const y = nr.tidy(() => x.sum(1, true).greater(0).cast('float32'));
    const model = nr.sequential({
      layers: [nr.layers.dense({ units: 1, activation: 'sigmoid', inputShape: [4] })],
    });
    model.compile({
      optimizer: nr.train.adam(0.05),
      loss: 'binaryCrossentropy',
      metrics: ['accuracy'],
    });
    const container = { innerHTML: '' };
    const snapshots: string[] = [];
    const chart = nr.viz.fitCallbacks(container, ['loss', 'acc']);
    await model.fit(x, y, {
      epochs: 3,
      batchSize: 16,
      validationSplit: 0.25,
      verbose: 0,
      callbacks: [chart, { onEpochEnd: () => void snapshots.push(container.innerHTML) }],
    });
    nr.dispose([x, y]);
    model.dispose();
    // drawn during training, not only at the end
    expect(snapshots).toHaveLength(3);
    expect(snapshots[0]).toContain('<svg');
    const panels = chart.toSVG();
    expect(panels).toHaveLength(2);
    expect(panels[0]).toContain('>loss</text>');
    expect(panels[1]).toContain('>acc</text>'); // 'acc' found under the logs' name 'accuracy'
    for (const panel of panels) {
      const [batch, epoch, val] = polylines(panel);
      expect(batch).toHaveLength(9); // 48 training rows / 16 = 3 batches × 3 epochs
      expect(epoch).toHaveLength(3);
      expect(val).toHaveLength(3);
    }
    expect(container.innerHTML.match(/<svg/g)).toHaveLength(2);
  });

  it('keeps at most maxBatchPoints per metric by averaging neighbours', async () => {
    const chart = nr.viz.fitCallbacks({ innerHTML: '' }, ['loss'], { maxBatchPoints: 16 });
    chart.setParams({ epochs: 1, steps: 100, verbose: 0 });
    chart.onTrainBegin();
    for (let b = 0; b < 100; b++) chart.onBatchEnd(b, { loss: 100 - b });
    const [batch] = polylines(chart.toSVG()[0]);
    expect(batch.length).toBeLessThanOrEqual(16);
    expect(batch.length).toBeGreaterThanOrEqual(8);
  });

  it('rejects a container that is not an element, naming what it received', () => {
    expect(() => nr.viz.fitCallbacks(null as never, ['loss'])).toThrow(
      /fitCallbacks: container must be a DOM element, received null/,
    );
  });

  it('render puts a Chart, a FitChart or SVG text into an element', async () => {
    const el = { innerHTML: '' };
    await nr.viz.render(el, '<svg/>');
    expect(el.innerHTML).toBe('<svg/>');
    const chart = nr.viz.fitCallbacks({ innerHTML: '' }, ['loss', 'accuracy']);
    await nr.viz.render(el, chart);
    expect(el.innerHTML.match(/<svg/g)).toHaveLength(2);
    await nr.viz.render(
      el,
      await nr.viz.plotHistory({ loss: [1, 0.5] }, { width: 200, height: 150 }),
    );
    expect(el.innerHTML).toContain('<svg');
    await expect(nr.viz.render(el, 5 as never)).rejects.toThrow(/render: chart must be/);
  });
});
