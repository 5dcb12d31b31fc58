// Child-process script for the kill-mid-save test: saves model B, then A, then B... into a folder until it is killed.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ModelArtifacts } from '../../../src/io/artifacts.js';
import { fileHandler } from '../../../src/io/handlers/file.js';

const [dir, setup, shardBytes] = process.argv.slice(2);
const topology = JSON.parse(readFileSync(join(setup, 'topology.json'), 'utf8')) as Pick<
  ModelArtifacts,
  'modelTopology' | 'weightSpecs'
>;
const weights = ['B.bin', 'A.bin'].map((f) => {
  const b = readFileSync(join(setup, f));
  return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength);
});
const handler = fileHandler(dir, { shardBytes: Number(shardBytes) });
process.stdout.write('ready\n');
for (let i = 0; ; i++) {
  await handler.save?.({ ...topology, weightData: weights[i % 2] });
  process.stdout.write(`saved ${i}\n`);
}
