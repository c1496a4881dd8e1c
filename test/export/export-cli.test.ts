import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cli } from '../support/cli.ts';
import { migratedPgliteFolder } from '../support/db.ts';

const root = new URL('../..', import.meta.url).pathname;
const fixture = join(root, 'test/fixtures/export-sample.ris');
const dir = mkdtempSync(join(tmpdir(), 'bibgraph-export-cli-'));
const env = { BIBGRAPH_DATA_DIR: migratedPgliteFolder(join(dir, 'data')) };

/** `bibgraph …` in-process (test/support/cli.ts); a failing command fails the test. */
async function bibgraph(...args: string[]) {
  const run = await cli(args, env);
  expect(run.code, run.stderr).toBe(0);
  return run;
}

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('bibgraph export (CLI)', () => {
  it('writes filtered sets to a file or stdout and formats bibliographies', async () => {
    await bibgraph('ingest', fixture);

    const out = join(dir, 'zebra.bib');
    const bib = await bibgraph(
      'export',
      '--format',
      'bibtex',
      '--type',
      'JOUR',
      '--year-from',
      '2019',
      '--out',
      out,
    );
    expect(bib.stderr).toContain('2 citations written to');
    expect(readFileSync(out, 'utf8').match(/^@article\{/gm)).toHaveLength(2);

    const ris = await bibgraph('export', '--format', 'ris', '--keyword', 'stem cells');
    expect(ris.stdout.match(/^TY {2}- /gm)).toHaveLength(1);

    const text = await bibgraph(
      'export',
      '--format',
      'text',
      '--style',
      'vancouver',
      '--type',
      'BOOK',
      '--type',
      'CHAP',
    );
    expect(text.stdout.trim().split('\n')).toHaveLength(2);
    expect(text.stdout).toMatch(/^1\. /);

    const unknownStyle = await cli(['export', '--format', 'text', '--style', 'nope'], env);
    expect(unknownStyle.code).toBe(1);
    expect(unknownStyle.stderr).toMatch(/Unknown citation style "nope"\. Available styles: apa/);
    const unknownFormat = await cli(['export', '--format', 'docx'], env);
    expect(unknownFormat.code).toBe(2);
    expect(unknownFormat.stderr).toContain('unknown format "docx"');
  }, 180_000);
});
