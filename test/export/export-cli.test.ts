import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const root = new URL('../..', import.meta.url).pathname;
const fixture = join(root, 'test/fixtures/export-sample.ris');
const dir = mkdtempSync(join(tmpdir(), 'bibgraph-export-cli-'));
const env = { ...process.env, DATABASE_URL: '', BIBGRAPH_DATA_DIR: join(dir, 'data') };

function bibgraph(...args: string[]) {
  return run(process.execPath, ['--import', 'tsx', join(root, 'src/cli/main.ts'), ...args], {
    cwd: root,
    env,
    maxBuffer: 16 * 1024 * 1024,
  });
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

    await expect(bibgraph('export', '--format', 'text', '--style', 'nope')).rejects.toMatchObject({
      stderr: expect.stringMatching(/Unknown citation style "nope"\. Available styles: apa/),
    });
    await expect(bibgraph('export', '--format', 'docx')).rejects.toMatchObject({
      code: 2,
      stderr: expect.stringContaining('unknown format "docx"'),
    });
  }, 180_000);
});
