import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/process.ts';

const bibtex = `@article{wang2019,
  title = {Platelets after splenectomy},
  author = {Wang, Xiaohua and M{\\"u}ller, K{\\"a}the},
  journal = {Blood},
  year = {2019},
  volume = {7},
  pages = {112--125},
  doi = {10.5555/cli.mapping},
  keywords = {stem cells, ITP}
}
`;

// Each run starts a Node process, tsx and a database; on a busy two-core machine that takes seconds.
describe('bibgraph ingest --dry-run --show-mapping (CLI)', { timeout: 180_000 }, () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'bibgraph-mapping-'));
    writeFileSync(join(dir, 'paper.bib'), bibtex);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('prints each record as it would be stored, then the summary, and writes nothing', async () => {
    const env = { BIBGRAPH_DATA_DIR: join(dir, 'db') };
    const run = await runCli(['ingest', join(dir, 'paper.bib'), '--dry-run', '--show-mapping'], env);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/paper\.bib, record 1 \(line 1\): would be created\n/);
    expect(run.stdout).toMatch(/^\s+title\s+Platelets after splenectomy$/m);
    expect(run.stdout).toMatch(/^\s+containerTitle\s+Blood$/m);
    expect(run.stdout).toMatch(/^\s+startPage\s+112$/m);
    expect(run.stdout).toMatch(/^\s+endPage\s+125$/m);
    expect(run.stdout).toMatch(/^\s+doi\s+10\.5555\/cli\.mapping$/m);
    expect(run.stdout).toMatch(
      /^\s+contributors\s+author 1: Wang, Xiaohua \[family: Wang, given: Xiaohua\]$/m,
    );
    expect(run.stdout).toMatch(/^\s+author 2: Müller, Käthe \[family: Müller, given: Käthe\]$/m);
    expect(run.stdout).toMatch(/^\s+keywords\s+ITP; stem cells$/m);
    expect(run.stdout).toMatch(/Dry run: nothing was written/);
    // The summary comes after the records.
    expect(run.stdout.indexOf('Dry run')).toBeGreaterThan(run.stdout.indexOf('keywords'));
    const real = await runCli(['ingest', join(dir, 'paper.bib')], env);
    expect(real.stdout).toMatch(/paper\.bib\s+1\s+1\s+0\s+0\s+0/);
  });

  it('refuses --show-mapping without --dry-run', async () => {
    const run = await runCli(['ingest', join(dir, 'paper.bib'), '--show-mapping'], {});
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/--show-mapping goes with --dry-run/);
  });
});
