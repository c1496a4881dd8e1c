import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cli } from '../support/cli.ts';
import { migratedPgliteFolder } from '../support/db.ts';
import { startServer, stopServer } from '../support/process.ts';

const ris = [
  'TY  - JOUR\nTI  - Reindex one\nAU  - Berg, Ola\nAD  - Department of Oncology, Uppsala University, Uppsala, Sweden\nPY  - 2020\nDO  - 10.4242/reindex.1\nER  - \n',
  'TY  - JOUR\nTI  - Reindex two\nAU  - Berg, Ola\nAU  - Lind, Eva\nAD  - Uppsala Univ, Uppsala, Sweden\nAD  - 12345\nPY  - 2021\nDO  - 10.4242/reindex.2\nER  - \n',
].join('\n');

/** The summary row of `bibgraph reindex` (every column but the seconds). */
function summary(stdout: string): string[] {
  const row = stdout.trim().split('\n').at(-1) ?? '';
  return row
    .trim()
    .split(/\s{2,}/)
    .slice(0, -1);
}

describe('bibgraph reindex', { timeout: 300_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'bibgraph-reindex-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const env = { BIBGRAPH_DATA_DIR: migratedPgliteFolder(join(dir, 'data')) };

  it('reads stored citations again, the same way twice, and is refused while a server holds the folder', async () => {
    writeFileSync(join(dir, 'in.ris'), ris);
    const ingest = await cli(['ingest', join(dir, 'in.ris')], env);
    expect(ingest.code, ingest.stderr).toBe(0);

    const first = await cli(['reindex'], env);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toMatch(
      /citations\s+addresses\s+unparsed\s+organizations\s+authors\s+links\s+seconds/,
    );
    // 2 citations, 3 addresses (one unreadable), Uppsala University and its department, 2 authors.
    const numbers = summary(first.stdout);
    expect(numbers.slice(0, 5)).toEqual(['2', '3', '1', '2', '2']);
    expect(Number(numbers[5])).toBeGreaterThanOrEqual(2);
    const second = await cli(['reindex'], env);
    expect(second.code, second.stderr).toBe(0);
    expect(summary(second.stdout)).toEqual(numbers);

    const bad = await cli(['reindex', '--batch', 'many'], env);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--batch takes a whole number/);

    const server = await startServer({ ...env, PORT: '4310' });
    try {
      const held = await cli(['reindex'], env);
      expect(held.code).toBe(2);
      expect(held.stderr).toMatch(
        /^bibgraph: the PGlite folder .+ is in use by bibgraph server on port 4310/,
      );
    } finally {
      await stopServer(server.child);
    }
  });
});
