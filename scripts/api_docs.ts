// Generates docs/api/*.md from the JSDoc of the exported functions, one page per op family.
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** Pages: title and the source files whose exports they document. */
export const PAGES: { file: string; title: string; sources: string[] }[] = [
  {
    file: 'tensor.md',
    title: 'Tensors and variables',
    sources: ['src/core/tensor.ts', 'src/core/backends_api.ts'],
  },
  {
    file: 'memory.md',
    title: 'Memory',
    sources: [
      'src/core/memory.ts',
      'src/core/scope.ts',
      'src/core/timing.ts',
      'src/core/engine_view.ts',
    ],
  },
  { file: 'autograd.md', title: 'Automatic differentiation', sources: ['src/autograd/grad.ts'] },
  {
    file: 'backends.md',
    title: 'Backends',
    sources: ['src/backends/backend.ts', 'src/backends/cpu/index.ts', 'src/backends/wasm/index.ts'],
  },
  {
    file: 'creation.md',
    title: 'Creation',
    sources: ['src/ops/creation.ts', 'src/ops/creation_ranked.ts', 'src/core/tensor_buffer.ts'],
  },
  { file: 'random.md', title: 'Random', sources: ['src/ops/random.ts'] },
  { file: 'elementwise.md', title: 'Elementwise', sources: ['src/ops/elementwise.ts'] },
  { file: 'reduction.md', title: 'Reductions', sources: ['src/ops/reduce.ts'] },
  {
    file: 'movement.md',
    title: 'Movement (reshape, slice, concat, pad, ...)',
    sources: ['src/ops/movement.ts', 'src/ops/ranked_aliases.ts', 'src/ops/space_batch.ts'],
  },
  {
    file: 'indexing.md',
    title: 'Indexing (gather, scatter, topk, masks)',
    sources: [
      'src/ops/gather.ts',
      'src/ops/array_ops.ts',
      'src/ops/search.ts',
      'src/ops/ragged.ts',
    ],
  },
  {
    file: 'linalg.md',
    title: 'Linear algebra',
    sources: ['src/ops/matmul.ts', 'src/ops/linalg.ts'],
  },
  {
    file: 'conv.md',
    title: 'Convolution and pooling',
    sources: ['src/ops/conv.ts', 'src/ops/pool.ts', 'src/ops/conv3d.ts', 'src/ops/pool_nd.ts'],
  },
  {
    file: 'nn.md',
    title: 'Neural-network ops',
    sources: ['src/ops/nn.ts', 'src/ops/rnn_cells.ts'],
  },
  {
    file: 'image.md',
    title: 'Image',
    sources: [
      'src/ops/image.ts',
      'src/ops/image_ops.ts',
      'src/ops/nms.ts',
      'src/ops/image_transform.ts',
    ],
  },
  {
    file: 'signal.md',
    title: 'Signal, spectral and complex numbers',
    sources: ['src/ops/signal.ts', 'src/ops/spectral.ts', 'src/ops/complex.ts'],
  },
  { file: 'strings.md', title: 'Strings (nr.string)', sources: ['src/ops/string_ops.ts'] },
  {
    file: 'util.md',
    title: 'tf.util',
    sources: [
      'src/util/index.ts',
      'src/util/next_frame.ts',
      'src/util/tensor_util.ts',
      'src/version.ts',
    ],
  },
  {
    file: 'layers-core.md',
    title: 'Layers: core',
    sources: [
      'src/layers/layer.ts',
      'src/layers/core.ts',
      'src/layers/input.ts',
      'src/layers/index.ts',
      'src/layers/einsum_dense.ts',
      'src/layers/tfjs_serialization.ts',
    ],
  },
  {
    file: 'layers-conv.md',
    title: 'Layers: convolution',
    sources: [
      'src/layers/conv.ts',
      'src/layers/conv_geometry.ts',
      'src/layers/conv_depthwise.ts',
      'src/layers/conv_1d_extra.ts',
    ],
  },
  { file: 'layers-pooling.md', title: 'Layers: pooling', sources: ['src/layers/pooling.ts'] },
  {
    file: 'layers-reshaping.md',
    title: 'Layers: reshaping',
    sources: ['src/layers/reshaping.ts', 'src/layers/reshaping_1d.ts'],
  },
  {
    file: 'layers-embedding.md',
    title: 'Layers: embedding and masking',
    sources: ['src/layers/embedding.ts'],
  },
  { file: 'layers-merge.md', title: 'Layers: merge', sources: ['src/layers/merge.ts'] },
  {
    file: 'layers-noise.md',
    title: 'Layers: noise and regularisation',
    sources: ['src/layers/noise.ts'],
  },
  {
    file: 'layers-normalization.md',
    title: 'Layers: normalization and preprocessing',
    sources: [
      'src/layers/normalization.ts',
      'src/layers/normalization_group.ts',
      'src/layers/preprocessing.ts',
    ],
  },
  {
    file: 'layers-recurrent.md',
    title: 'Layers: recurrent and wrappers',
    sources: ['src/layers/recurrent.ts', 'src/layers/recurrent_cells.ts', 'src/layers/wrappers.ts'],
  },
  {
    file: 'layers-attention.md',
    title: 'Layers: attention',
    sources: ['src/layers/attention.ts', 'src/layers/attention_additive.ts'],
  },
  {
    file: 'layers-activation.md',
    title: 'Layers: activations',
    sources: ['src/layers/activation_layers.ts'],
  },
  {
    file: 'layers-image.md',
    title: 'Layers: image preprocessing and augmentation',
    sources: ['src/layers/image_preprocessing.ts', 'src/layers/augmentation.ts'],
  },
  {
    file: 'models.md',
    title: 'Models and training',
    sources: ['src/models/', 'src/models/training/'],
  },
  {
    file: 'callbacks.md',
    title: 'Callbacks',
    sources: [
      'src/callbacks/callback.ts',
      'src/callbacks/history.ts',
      'src/callbacks/early_stopping.ts',
      'src/callbacks/lr.ts',
      'src/callbacks/misc.ts',
      'src/callbacks/checkpoint.ts',
      'src/callbacks/progbar.ts',
    ],
  },
  {
    file: 'optimizers.md',
    title: 'Optimizers and learning-rate schedules',
    sources: ['src/optimizers/'],
  },
  {
    file: 'mixed-precision.md',
    title: 'Mixed precision (nr.mixedPrecision)',
    sources: ['src/mixed_precision/', 'src/core/float16.ts'],
  },
  { file: 'losses.md', title: 'Losses', sources: ['src/losses/'] },
  { file: 'metrics.md', title: 'Metrics', sources: ['src/metrics/'] },
  {
    file: 'initializers.md',
    title: 'Initializers, regularizers, constraints, activations',
    sources: ['src/initializers/', 'src/regularizers/', 'src/constraints/', 'src/activations/'],
  },
  { file: 'data.md', title: 'Data pipeline and loaders (nr.data)', sources: ['src/data/'] },
  { file: 'datasets.md', title: 'Datasets (nr.datasets)', sources: ['src/datasets/'] },
  { file: 'viz.md', title: 'Plots (nr.viz)', sources: ['src/viz/'] },
  {
    file: 'layers-text.md',
    title: 'Layers: text and lookups',
    sources: ['src/layers/text_vectorization.ts', 'src/layers/lookup.ts'],
  },
  {
    file: 'io.md',
    title: 'Saving and loading (io)',
    sources: [
      'src/io/index.ts',
      'src/io/weight_codec.ts',
      'src/io/string_weights.ts',
      'src/io/handlers/http.ts',
      'src/io/handlers/browser.ts',
      'src/io/handlers/browser_files.ts',
      'src/io/handlers/file.ts',
    ],
  },
];

/** One documented export. */
export interface DocEntry {
  name: string;
  signature: string;
  doc: string;
  examples: string[];
}

function jsDocOf(node: ts.Node): { doc: string; examples: string[] } {
  const docs = ts.getJSDocCommentsAndTags(node).filter(ts.isJSDoc);
  const last = docs[docs.length - 1];
  if (!last) return { doc: '', examples: [] };
  const doc = ts.getTextOfJSDocComment(last.comment) ?? '';
  const examples = (last.tags ?? [])
    .filter((t) => t.tagName.text === 'example')
    .map((t) => (ts.getTextOfJSDocComment(t.comment) ?? '').trim());
  return { doc: doc.trim(), examples };
}

function signatureText(node: ts.Node, source: ts.SourceFile): string {
  const text = node.getText(source);
  if (ts.isFunctionDeclaration(node) && node.body)
    return text.slice(0, node.body.getStart(source) - node.getStart(source)).trim();
  if (ts.isClassDeclaration(node)) return text.slice(0, text.indexOf('{')).trim();
  const firstLine = text.split('\n')[0];
  return firstLine.length > 160 ? `${firstLine.slice(0, 157)}...` : firstLine;
}

/** A source entry: a file, or a folder meaning its .ts files in name order. Missing files are skipped. */
function expand(source: string): string[] {
  const full = join(root, source);
  if (!existsSync(full)) return [];
  if (!statSync(full).isDirectory()) return [source];
  return readdirSync(full)
    .filter((f) => f.endsWith('.ts'))
    .sort()
    .map((f) => join(source, f));
}

let program: ts.Program | null = null;

/** A program over the documented sources, for the types of exported consts. */
function getProgram(): ts.Program {
  program ??= ts.createProgram(
    PAGES.flatMap((p) => p.sources.flatMap(expand).map((s) => join(root, s))),
    {
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.ESNext,
      moduleResolution: ts.ModuleResolutionKind.Bundler,
      strict: true,
      skipLibCheck: true,
      noEmit: true,
    },
  );
  return program;
}

/** Exported functions, consts and classes of a source file with their JSDoc. */
export function exportsOf(path: string): DocEntry[] {
  const prog = getProgram();
  const checker = prog.getTypeChecker();
  const source =
    prog.getSourceFile(join(root, path)) ??
    ts.createSourceFile(path, readFileSync(join(root, path), 'utf8'), ts.ScriptTarget.ES2022, true);
  const out: DocEntry[] = [];
  const exported = (n: ts.Node) =>
    ts.canHaveModifiers(n) &&
    (ts.getModifiers(n) ?? []).some((m) => m.kind === ts.SyntaxKind.ExportKeyword);
  const seen = new Set<string>();
  for (const stmt of source.statements) {
    if (!exported(stmt)) continue;
    if ((ts.isFunctionDeclaration(stmt) || ts.isClassDeclaration(stmt)) && stmt.name) {
      if (seen.has(stmt.name.text)) continue; // overloads: the first carries the docs
      seen.add(stmt.name.text);
      out.push({ name: stmt.name.text, signature: signatureText(stmt, source), ...jsDocOf(stmt) });
    } else if (ts.isVariableStatement(stmt)) {
      for (const d of stmt.declarationList.declarations) {
        // Rule tables and registry lists are wiring, not API.
        if (
          !ts.isIdentifier(d.name) ||
          d.name.text.endsWith('Rules') ||
          /[a-z]Layers$/.test(d.name.text)
        )
          continue;
        const type = checker.typeToString(
          checker.getTypeAtLocation(d.name),
          d,
          ts.TypeFormatFlags.NoTruncation,
        );
        out.push({
          name: d.name.text,
          signature: `const ${d.name.text}: ${type}`,
          ...jsDocOf(stmt),
        });
      }
    }
  }
  return out;
}

function render(title: string, entries: DocEntry[]): string {
  const lines = [
    `# ${title}`,
    '',
    '_Generated from the JSDoc in `src/` by `npm run docs`; do not edit by hand._',
    '',
  ];
  for (const e of entries) {
    lines.push(`## ${e.name}`, '', '```ts', e.signature, '```', '');
    if (e.doc) lines.push(e.doc, '');
    for (const ex of e.examples) lines.push('```ts', ex, '```', '');
  }
  return lines.join('\n');
}

function main(): void {
  const dir = join(root, 'docs/api');
  mkdirSync(dir, { recursive: true });
  const index = [
    '# API reference',
    '',
    '_Generated by `npm run docs`._',
    '',
    '| page | exports |',
    '|---|---:|',
  ];
  for (const page of PAGES) {
    const entries = page.sources.flatMap(expand).flatMap(exportsOf);
    writeFileSync(join(dir, page.file), render(page.title, entries));
    index.push(`| [${page.title}](${page.file}) | ${entries.length} |`);
  }
  writeFileSync(join(dir, 'README.md'), `${index.join('\n')}\n`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) main();
