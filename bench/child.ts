// `node --import tsx bench/child.ts ENGINE CASE [--quick]`: one case on one engine, alone in this process; prints the row as JSON.
import { parseArgs } from 'node:util';
import { CASES } from './cases/index.js';
import {
  type ChildResult,
  fmtErr,
  machineInfo,
  runOnEngine,
  startEngines,
  timingOf,
} from './engines.js';

const { values, positionals } = parseArgs({
  options: { quick: { type: 'boolean', default: false } },
  allowPositionals: true,
});
const [engineName, caseName] = positionals;
const c = CASES.find((k) => k.name === caseName);
if (!engineName || !c) {
  console.error(
    `usage: node --import tsx bench/child.ts ENGINE CASE [--quick]; cases: ${CASES.map((k) => k.name).join(', ')}`,
  );
  process.exit(2);
}

const mb = (kb: number): number => kb / 1024;
const result: ChildResult = { engine: engineName, case: c.name, peakRssMB: 0, startRssMB: 0 };
try {
  const neurite = engineName.startsWith('neurite-') ? [engineName.slice('neurite-'.length)] : [];
  const peers = /^(tfjs|jax)-/.test(engineName) ? [engineName] : [];
  const { engines, skipped } = await startEngines(neurite, peers, machineInfo(), true);
  const engine = engines[0];
  if (!engine) throw new Error(skipped[0] ?? `unknown engine '${engineName}'`);
  result.startRssMB = process.memoryUsage().rss / 2 ** 20;
  const row = await runOnEngine(c, engine, timingOf(c, values.quick ?? false), {
    quick: values.quick ?? false,
  });
  Object.assign(result, {
    timing: row.timing,
    error: row.error,
    leftover: row.leftover,
    notes: row.notes,
  });
} catch (e) {
  result.error = fmtErr(e);
}
// process.resourceUsage().maxRSS is in kilobytes and covers this process only: the engine, the data and the run.
result.peakRssMB = mb(process.resourceUsage().maxRSS);
console.log(JSON.stringify(result));
// tfjs-wasm keeps its module alive; exit explicitly once the result is out.
process.exit(0);
