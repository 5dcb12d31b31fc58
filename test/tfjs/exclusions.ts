// Reads the reviewed list of tfjs-core spec files the harness skips (test/tfjs/exclusions.json), each with its reason.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const FILE = path.join(path.dirname(fileURLToPath(import.meta.url)), 'exclusions.json');

/** Spec file (relative to tfjs-core/dist) → why it is skipped. */
export function loadExclusions(): Map<string, string> {
  const raw: unknown = JSON.parse(readFileSync(FILE, 'utf8'));
  const out = new Map<string, string>();
  if (typeof raw !== 'object' || raw === null) throw new Error(`${FILE}: not a JSON object`);
  for (const [file, reason] of Object.entries(raw))
    if (!file.startsWith('_') && typeof reason === 'string') out.set(file, reason);
  return out;
}

/**
 * Whether a spec ('file :: suite spec') is excluded: by its file, or by an entry 'file :: suite' naming
 * a describe block of a file whose other specs are public API (e.g. io_utils_test's internal helpers).
 */
export function isExcludedSpec(exclusions: Map<string, string>, specName: string): boolean {
  const file = specName.slice(0, specName.indexOf(' :: '));
  if (exclusions.has(file)) return true;
  for (const key of exclusions.keys())
    if (key.includes(' :: ') && (specName === key || specName.startsWith(`${key} `))) return true;
  return false;
}
