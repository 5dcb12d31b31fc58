// Hostile CSV inputs (run in a child process by files_csv.test.ts).
import { CSVDataset, type CSVConfig, type CsvElement } from '../../src/data/csv.js';
import type { FileCase } from './files_harness.js';

function check(cond: boolean, what: string): void {
  if (!cond) throw new Error(`check failed: ${what}`);
}

/** All elements of a CSV source. */
async function rows(source: string | Uint8Array, config: CSVConfig = {}): Promise<CsvElement[]> {
  return new CSVDataset(source, config).toArray();
}

export function cases(): FileCase[] {
  // 100 MB header lines, built before the baseline is measured (they are the input, not the cost).
  const manyColumns = `${'c,'.repeat(50_000_000)}c\n1\n`;
  const oneHugeField = `${'x'.repeat(100_000_000)}\n1\n`;
  const hostileNames = '__proto__,constructor,toString,a\n1,2,3,4\n';
  const manySpaced = `${'c '.repeat(10_000_000)}c\n1\n`;
  // Built strings are ropes; a regex search flattens them here, so the copy is not the reader's cost.
  for (const text of [manyColumns, oneHugeField, manySpaced]) /\n1\n$/.test(text);
  return [
    {
      name: "CSV: columns '__proto__', 'constructor', 'toString' are ordinary columns",
      run: async () => {
        const [row] = (await rows(hostileNames)) as Record<string, number>[];
        check(Object.getPrototypeOf(row) === null, 'rows have no prototype');
        check(
          Object.keys(row).join() === '__proto__,constructor,toString,a',
          `keys ${Object.keys(row)}`,
        );
        const values = new Map(Object.entries(row));
        check(values.get('__proto__') === 1 && values.get('constructor') === 2, 'values kept');
        check(values.get('toString') === 3, 'values kept');
      },
      expect: 'ok',
    },
    {
      name: 'CSV: configuredColumnsOnly keeps only configured columns (constructor/toString were kept)',
      run: async () => {
        const [row] = (await rows(hostileNames, {
          columnConfigs: { a: {} },
          configuredColumnsOnly: true,
        })) as Record<string, number>[];
        check(Object.keys(row).join() === 'a' && row.a === 4, `keys ${Object.keys(row)}`);
      },
      expect: 'ok',
    },
    {
      name: "CSV: a '__proto__' label column goes to ys as a key",
      run: async () => {
        const [el] = (await rows(hostileNames, {
          columnConfigs: { ['__proto__']: { isLabel: true } },
        })) as {
          xs: Record<string, number>;
          ys: Record<string, number>;
        }[];
        check(Object.keys(el.ys).join() === '__proto__' && Object.values(el.ys)[0] === 1, 'label');
        check(Object.keys(el.xs).join() === 'constructor,toString,a', 'features');
      },
      expect: 'ok',
    },
    {
      name: 'CSV: a 100 MB header of 50 million columns (minutes and 3.5 GB before)',
      run: () => rows(manyColumns),
      expect: 'IOError',
      maxMs: 10_000,
    },
    {
      name: 'CSV: a 100 MB header of one field',
      run: () => rows(oneHugeField),
      expect: 'IOError',
      maxMs: 10_000,
    },
    {
      name: 'CSV: the same with delimWhitespace',
      run: async () => {
        for (const text of [manySpaced, oneHugeField]) {
          try {
            await rows(text, { delimWhitespace: true });
          } catch (e) {
            if (e instanceof Error && e.constructor.name === 'IOError') continue;
            throw e;
          }
          throw new Error('accepted');
        }
      },
      expect: 'ok',
      maxMs: 10_000,
    },
    {
      name: 'CSV: maxFields and maxRecordLength are the user’s',
      run: async () => {
        for (const config of [{ maxFields: 2 }, { maxRecordLength: 4 }]) {
          try {
            await rows('a,b,c\n1,2,3\n', config);
          } catch (e) {
            if (e instanceof Error && e.constructor.name === 'IOError') continue;
            throw e;
          }
          throw new Error(`accepted with ${JSON.stringify(config)}`);
        }
      },
      expect: 'ok',
    },
    {
      name: 'CSV: a bad limit is an ArgumentError',
      run: () => rows('a\n1\n', { maxFields: 0 }),
      expect: 'ArgumentError',
    },
    {
      name: 'CSV: an unterminated quote over 20 MB',
      run: () => rows(`a,b\n1,"${'y'.repeat(20_000_000)}\n`),
      expect: 'IOError',
    },
    {
      name: 'CSV: every truncation of a quoted file is read or refused with a typed error',
      run: async () => {
        const text = 'a,"b ""q"""\n"1\n2",3\n4,"5,6"\n';
        for (let n = 1; n <= text.length; n++) {
          try {
            // Inline CSV text is text with a newline; a prefix without one gets it added.
            const prefix = text.slice(0, n);
            await rows(prefix.includes('\n') ? prefix : `${prefix}\n`);
          } catch (e) {
            if (
              e instanceof Error &&
              (e.constructor.name === 'IOError' || e.constructor.name === 'ArgumentError')
            )
              continue;
            throw e;
          }
        }
      },
      expect: 'ok',
    },
  ];
}
