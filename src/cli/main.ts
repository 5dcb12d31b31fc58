// The `neurite` command: summary, convert, predict, plot and doctor, over .keras, .h5 and tfjs model files.
import { availableParallelism } from 'node:os';
import { extname, resolve } from 'node:path';
import { Command, CommanderError } from 'commander';
import * as nr from '../node.js';
import { GENERATED_BY } from '../io/model_json.js';
import { modelFileInfo } from './file_info.js';
import { readInput } from './inputs.js';

const VERSION = GENERATED_BY.replace(/^neurite /, '');

/** Runs a command body; any error becomes one line on stderr and exit code 1. */
function action<A extends unknown[]>(
  fn: (...args: A) => Promise<void>,
): (...args: A) => Promise<void> {
  return async (...args: A) => {
    try {
      await fn(...args);
    } catch (e) {
      const msg = e instanceof Error ? e.message : String(e);
      process.stderr.write(`neurite: ${msg.split('\n')[0]}\n`);
      process.exitCode = 1;
    }
  };
}

async function load(path: string): Promise<nr.Model> {
  return nr.loadModel(path, { compile: false });
}

/** The model's inputs as {name, shape, dtype}: a Sequential model keeps its input shape, not symbolic inputs. */
function inputSignature(
  model: nr.Model,
): { name: string; shape: (number | null)[]; dtype: string }[] {
  if (model.inputs.length)
    return model.inputs.map((t) => ({ name: t.name, shape: [...t.shape], dtype: t.dtype }));
  const shape = model instanceof nr.Sequential ? model.batchShape : null;
  return shape ? [{ name: 'input', shape: [...shape], dtype: 'float32' }] : [];
}

/** The model's outputs: symbolic outputs, or a Sequential model's last layer shape. */
function outputSignature(
  model: nr.Model,
): { name: string; shape: (number | null)[]; dtype: string }[] {
  if (model.outputs.length)
    return model.outputs.map((t) => ({ name: t.name, shape: [...t.shape], dtype: t.dtype }));
  const shape =
    model instanceof nr.Sequential && model.batchShape
      ? model.computeOutputShape(model.batchShape)
      : null;
  return shape && !Array.isArray(shape[0])
    ? [{ name: 'output', shape: shape as (number | null)[], dtype: 'float32' }]
    : [];
}

const shapeText = (s: readonly (number | null)[]) =>
  `(${s.map((d) => (d === null ? 'None' : d)).join(', ')})`;

async function summary(path: string, opts: { json?: boolean }): Promise<void> {
  const info = await modelFileInfo(path);
  const model = await load(path);
  const inputs = inputSignature(model);
  const outputs = outputSignature(model);
  const params = model.countParams();
  if (opts.json) {
    process.stdout.write(
      `${JSON.stringify({ file: path, ...info, name: model.name, inputs, outputs, params }, null, 2)}\n`,
    );
    return;
  }
  const lines: string[] = [];
  model.summary({ printFn: (l) => lines.push(l) });
  const out = [
    `File: ${path} (${info.bytes} bytes)`,
    `Format: ${info.format}${info.kerasVersion ? `, Keras ${info.kerasVersion}` : ''}${info.savedBy ? `, saved by ${info.savedBy}` : ''}`,
    ...lines,
    `Inputs: ${inputs.map((i) => `${i.name} ${shapeText(i.shape)} ${i.dtype}`).join('; ')}`,
    `Outputs: ${outputs.map((o) => `${o.name} ${shapeText(o.shape)} ${o.dtype}`).join('; ')}`,
  ];
  process.stdout.write(`${out.join('\n')}\n`);
}

async function convert(input: string, output: string): Promise<void> {
  const ext = extname(output).toLowerCase();
  if (ext === '.h5' || ext === '.hdf5')
    throw new nr.ArgumentError(
      `convert: writing ${ext} is not supported (legacy HDF5 is read only); write .keras instead`,
    );
  const model = await nr.loadModel(input);
  if (ext === '.keras') await model.save(resolve(output));
  else await model.save(`file://${resolve(output)}`, { includeOptimizer: model.isCompiled });
  process.stdout.write(
    `${input} -> ${output} (${ext === '.keras' ? '.keras' : 'TensorFlow.js layers folder'})\n`,
  );
}

async function predict(
  path: string,
  files: string[],
  opts: { top?: string; scale: string; offset: string },
): Promise<void> {
  const model = await load(path);
  const signature = inputSignature(model);
  if (signature.length !== 1)
    throw new nr.ArgumentError(
      `predict: the model takes ${signature.length} inputs; the command feeds one`,
    );
  const sample = signature[0].shape.slice(1);
  const top = opts.top === undefined ? 0 : Number(opts.top);
  if (!Number.isInteger(top) || top < 0)
    throw new nr.ArgumentError(`predict: --top must be a whole number, received ${opts.top}`);
  const scale = Number(opts.scale);
  const offset = Number(opts.offset);
  if (!Number.isFinite(scale) || !Number.isFinite(offset))
    throw new nr.ArgumentError('predict: --scale and --offset must be numbers');
  const results: unknown[] = [];
  for (const file of files) {
    const x = await readInput(file, sample, { scale, offset });
    const y = model.predict(x) as nr.Tensor;
    const [batch, ...rest] = y.shape;
    const width = rest.reduce((a, b) => a * b, 1);
    const data = Array.from(await y.data());
    nr.dispose([x, y]);
    for (let b = 0; b < batch; b++) {
      const row = data.slice(b * width, (b + 1) * width);
      const entry: Record<string, unknown> = {
        input: file,
        ...(batch > 1 ? { index: b } : {}),
        output: row,
      };
      if (top > 0)
        entry.top = row
          .map((score, index) => ({ index, score }))
          .sort((p, q) => q.score - p.score)
          .slice(0, top);
      results.push(entry);
    }
  }
  process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
}

async function plot(path: string, output: string): Promise<void> {
  const ext = extname(output).toLowerCase();
  if (ext !== '.png' && ext !== '.svg')
    throw new nr.ArgumentError(`plot: the output must end in .png or .svg, received ${output}`);
  const model = await load(path);
  const chart = await nr.viz.plotModel(model);
  await chart.save(output);
  process.stdout.write(`${output}\n`);
}

async function doctor(): Promise<void> {
  const lines = [
    `neurite ${VERSION}`,
    `node ${process.versions.node} (${process.platform} ${process.arch})`,
    `threads: ${availableParallelism()}`,
  ];
  await nr.ready();
  const start = nr.getBackend();
  for (const name of nr.registeredBackends()) {
    let ok = false;
    try {
      ok = await nr.setBackend(name);
    } catch {
      ok = false;
    }
    const info = ok ? nr.env().backendInfo : undefined;
    lines.push(
      `backend ${name}: ${ok ? 'starts' : 'does not start here'}${info ? ` ${JSON.stringify(info)}` : ''}`,
    );
  }
  await nr.setBackend(start);
  lines.push(`default backend: ${start}`);
  const gpu = (globalThis as { navigator?: { gpu?: unknown } }).navigator?.gpu;
  lines.push(
    `GPU adapter: ${gpu ? 'navigator.gpu present' : 'none found through navigator.gpu (see the webgpu backend line)'}`,
  );
  process.stdout.write(`${lines.join('\n')}\n`);
}

/**
 * The command-line program (exported for tests; the bin calls `main`).
 * @example await program().parseAsync(['node', 'neurite', 'summary', 'model.keras']);
 */
export function program(): Command {
  const p = new Command('neurite')
    .description('Keras and TensorFlow.js model files from the command line (neurite)')
    .version(VERSION)
    .showHelpAfterError('(run with --help for usage)');
  p.command('summary')
    .description(
      "Keras' summary table, input/output signature, parameter count, file format and Keras version",
    )
    .argument('<model>', '.keras, .h5, or a TensorFlow.js model.json folder')
    .option('--json', 'print JSON instead of the table')
    .action(action(summary));
  p.command('convert')
    .description(
      'convert between .keras, .h5 (read only) and the TensorFlow.js layers format (a folder)',
    )
    .argument('<in>', 'model to read (.keras, .h5, or a model.json folder)')
    .argument('<out>', 'a .keras file, or a folder for model.json + weight shards')
    .action(action(convert));
  p.command('predict')
    .description('run the model on PNG/JPEG images, .npy arrays or CSV rows; prints JSON')
    .argument('<model>', 'model file')
    .argument('<inputs...>', 'input files (.png, .jpg, .npy, .csv)')
    .option('--top <k>', 'also list the k highest outputs of each prediction')
    .option('--scale <x>', 'multiply input values (e.g. 0.00392156862745098 for /255)', '1')
    .option('--offset <x>', 'then add this to input values', '0')
    .action(action(predict));
  p.command('plot')
    .description('draw the model graph (nr.viz.plotModel) to a .png or .svg file')
    .argument('<model>', 'model file')
    .argument('<out>', 'output .png or .svg')
    .action(action(plot));
  p.command('doctor')
    .description('which backends start here, threads, GPU adapter, versions')
    .action(action(doctor));
  return p;
}

/** Parses argv and runs; usage errors exit with code 1 and one line. @example await main(['node', 'neurite', 'doctor']); */
export async function main(argv: string[] = process.argv): Promise<void> {
  const p = program();
  p.exitOverride();
  try {
    await p.parseAsync(argv);
  } catch (e) {
    if (e instanceof CommanderError) {
      process.exitCode = e.exitCode;
      return;
    }
    throw e;
  }
}
