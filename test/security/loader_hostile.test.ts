// Model-loader bombs and malformed topologies/artifacts (in a child process): typed errors before allocation, nothing leaked, linear Sequential.add.
import { describe, expect, it } from 'vitest';
import { type CaseResult, runCases } from './helpers/child.js';

/** A 256 MiB weight requested by a 200-byte file must cost next to nothing. */
const MAX_GROWTH_MIB = 64;

describe('model loader under hostile files', async () => {
  const output: CaseResult[] = await runCases('cases/loader_cases.ts');
  const byName = (re: RegExp) => output.filter((r) => re.test(r.name));

  it('ran every case', () => {
    expect(output.length).toBeGreaterThan(18);
  });

  it.each(
    byName(/^(Dense|int32|two functional|inbound_nodes|output_layers|fromMemory)/).map(
      (r) => [r.name, r] as const,
    ),
  )('%s: IOError, fast, little memory', (_n, r) => {
    expect(r.error, r.message).toBe('IOError');
    expect(r.ms).toBeLessThan(1000);
    expect(r.peakGrowthMiB).toBeLessThan(MAX_GROWTH_MIB);
  });

  it('the Dense 8192x8192 bomb fails in milliseconds, naming the missing weight', () => {
    for (const r of byName(/^Dense 8192/)) {
      expect(r.message).toMatch(/weight 'd\/kernel' of the model is missing/);
      expect(r.ms).toBeLessThan(300);
    }
  });

  it('a dtype that would reinterpret bytes is refused', () => {
    expect(byName(/^int32/)[0].message).toMatch(/is int32 in the file but float32 in the model/);
  });

  it.each(byName(/^failed loads|^control/).map((r) => [r.name, r] as const))(
    '%s: memory() flat',
    (_n, r) => {
      expect(r.error, r.message).toBeNull();
      if (!/^control/.test(r.name)) expect(r.extra?.errorClass).toBe('IOError');
      expect(r.extra?.leakedTensors).toBe(0);
    },
  );

  it('Sequential.add builds only the new layer: 10,000 layers in linear time', () => {
    const [r] = byName(/^Sequential.add/);
    expect(r.error, r.message).toBeNull();
    const ms2000 = Number(r.extra?.ms2000);
    const ms10000 = Number(r.extra?.ms10000);
    // Linear: 5x the layers, about 5x the time (quadratic would be 25x); generous for a busy machine.
    expect(ms10000).toBeLessThan(Math.max(12 * ms2000, 500));
    expect(ms10000).toBeLessThan(15_000);
  });
});
