// Hostile image folders: link loops, FIFOs, /dev/zero, bombs among the images (in a child).
import { describe, expect, it } from 'vitest';
import { problems, type ReaderReport, runCases } from './files_harness.js';

describe('Image folders under hostile files', () => {
  let report: ReaderReport | undefined;
  const get = (): ReaderReport => (report ??= runCases('files_directory.cases.ts'));

  it('every case gives the expected typed error within its time and memory limits', () => {
    const failures = get().results.flatMap((r) => problems(r).map((p) => `${r.name}: ${p}`));
    expect(failures).toEqual([]);
    expect(get().results.length).toBeGreaterThanOrEqual(6);
  });

  it('no case touches Object.prototype', () => {
    expect(get().polluted).toEqual([]);
  });
});
