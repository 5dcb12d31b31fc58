// Hostile gzip, tar and IDX files: bombs, truncation, huge dimensions (in a child).
import { describe, expect, it } from 'vitest';
import { problems, type ReaderReport, runCases } from './files_harness.js';

describe('gzip, tar and IDX under hostile files', () => {
  let report: ReaderReport | undefined;
  const get = (): ReaderReport => (report ??= runCases('files_archives.cases.ts'));

  it('every case gives the expected typed error within its time and memory limits', () => {
    const failures = get().results.flatMap((r) => problems(r).map((p) => `${r.name}: ${p}`));
    expect(failures).toEqual([]);
    expect(get().results.length).toBeGreaterThanOrEqual(9);
  });

  it('no case touches Object.prototype', () => {
    expect(get().polluted).toEqual([]);
  });
});
