// Hostile PNG/JPEG files: typed errors, bounded time and bounded peak memory (measured in a child).
import { describe, expect, it } from 'vitest';
import { problems, type ReaderReport, runCases } from './files_harness.js';

describe('image readers under hostile files', () => {
  let report: ReaderReport | undefined;
  const get = (): ReaderReport => (report ??= runCases('files_images.cases.ts'));

  it('every case gives the expected typed error within its time and memory limits', () => {
    const failures = get().results.flatMap((r) => problems(r).map((p) => `${r.name}: ${p}`));
    expect(failures).toEqual([]);
    expect(get().results.length).toBeGreaterThanOrEqual(15);
  });

  it('no case touches Object.prototype', () => {
    expect(get().polluted).toEqual([]);
  });
});
