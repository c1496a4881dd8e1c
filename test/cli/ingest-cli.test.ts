import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, rowsOf } from '../../src/db/client.ts';
import { cli } from '../support/cli.ts';
import { migratedPgliteFolder } from '../support/db.ts';
import { runCli } from '../support/process.ts';

const good = (n: number) =>
  `TY  - JOUR\nTI  - Command line paper ${n}\nAU  - Person, Pat\nPY  - 2021\nDO  - 10.4242/cli.${n}\nER  - \n\n`;

// In-process (test/support/cli.ts), apart from two runs of the real bin: an ingest, and a usage error.
describe('bibgraph ingest (CLI)', { timeout: 180_000 }, () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'bibgraph-cli-'));
    mkdirSync(join(dir, 'folder'));
    writeFileSync(join(dir, 'folder', 'a.ris'), good(1) + good(2));
    writeFileSync(join(dir, 'folder', 'b.ris'), good(2) + good(3));
    writeFileSync(join(dir, 'bad.ris'), `${good(4)}TY  - JOUR\nER  - \n`);
    writeFileSync(join(dir, 'bib.bib'), '@article{x, title={A BibTeX paper}, year={2020}}\n');
    writeFileSync(join(dir, 'records.xml'), '<?xml version="1.0"?><records/>\n');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('ingests a folder, prints a summary table and a total, and dedupes across files (the real bin)', async () => {
    // A folder with no database yet: the command creates and migrates it, as on a first run.
    const env = { BIBGRAPH_DATA_DIR: join(dir, 'db1') };
    const run = await runCli(['ingest', join(dir, 'folder')], env);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const lines = run.stdout.trim().split('\n');
    expect(lines[0]).toBe(`Into embedded PGlite at ${env.BIBGRAPH_DATA_DIR} (no bibgraph server holds it).`);
    expect(lines[1]).toMatch(/^file\s+found\s+created\s+updated\s+unchanged\s+failed\s+problems/);
    expect(lines.find((l) => l.includes('a.ris'))).toMatch(/\s2\s+2\s+0\s+0\s+0\s+0/);
    expect(lines.find((l) => l.includes('b.ris'))).toMatch(/\s2\s+1\s+0\s+1\s+0\s+0/);
    expect(lines.at(-1)).toMatch(/^total\s+4\s+3\s+0\s+1\s+0/);
  });

  it('takes several files and folders in one call; --verbose prints every problem, the summary the most frequent', async () => {
    const warned = (n: number) =>
      `TY  - JOUR\nTI  - Warned paper ${n}\nAU  - Person, Pat\nPY  - 2021\nDO  - no-doi-${n}\nER  - \n\n`;
    writeFileSync(join(dir, 'warned.ris'), warned(1) + warned(2) + warned(3));
    const env = { BIBGRAPH_DATA_DIR: migratedPgliteFolder(join(dir, 'db5')) };
    const quiet = await cli(['ingest', join(dir, 'folder'), join(dir, 'warned.ris')], env);
    expect(quiet.code).toBe(0);
    expect(quiet.stdout).toMatch(/a\.ris\s+2\s+2/);
    expect(quiet.stdout).toMatch(/b\.ris\s+2\s+1\s+0\s+1/);
    expect(quiet.stdout).toMatch(/warned\.ris\s+3\s+3/);
    expect(quiet.stdout).toMatch(/^total\s+7\s+6/m);
    // Where the records went, so a server started with another folder is not taken for this one.
    expect(quiet.stdout).toContain(
      `Into embedded PGlite at ${env.BIBGRAPH_DATA_DIR} (no bibgraph server holds it).`,
    );
    // Without --verbose warnings are only counted, grouped by kind.
    expect(quiet.stderr).not.toMatch(/warned\.ris: /);
    expect(quiet.stderr).toMatch(/Most frequent problems:\n\s+3 × warning: DO 'no-doi-1' is not a valid DOI/);
    const verbose = await cli(['ingest', join(dir, 'warned.ris'), '--dry-run', '--verbose'], env);
    expect(verbose.code).toBe(0);
    for (const line of [5, 12, 19])
      expect(verbose.stderr).toMatch(
        new RegExp(`warned\\.ris: warning: record \\d+ \\(line ${line}\\): DO 'no-doi-`),
      );
  });

  it('reads stdin, supports --dry-run and --source', async () => {
    const env = { BIBGRAPH_DATA_DIR: migratedPgliteFolder(join(dir, 'db2')) };
    const dry = await cli(['ingest', '-', '--dry-run', '--source', 'pipe'], env, good(7));
    expect(dry.code).toBe(0);
    expect(dry.stdout).toMatch(/Dry run: nothing was written/);
    expect(dry.stdout).toMatch(/-\s+1\s+1\s+0\s+0\s+0/);
    const real = await cli(['ingest', '-'], env, good(7));
    expect(real.stdout).toMatch(/-\s+1\s+1\s+0\s+0\s+0/);
    const again = await cli(['ingest', '-'], env, good(7));
    expect(again.stdout).toMatch(/-\s+1\s+0\s+0\s+1\s+0/);
    // The audit log names the command line as who ingested, and the ingestion; a dry run writes
    // nothing, so it is not there.
    const handle = await openDatabase({ databaseUrl: null, dataDir: env.BIBGRAPH_DATA_DIR });
    try {
      const log = rowsOf<{ actor: string; action: string; subjects: string[] }>(
        await handle.db.execute(sql`select actor, action, subjects from audit_log order by id`),
      );
      expect(log.map((e) => [e.actor, e.action])).toEqual([
        ['cli', 'ingestRis'],
        ['cli', 'ingestRis'],
      ]);
      expect(log[0]?.subjects[0]).toMatch(/^Ingestion:\d+$/);
    } finally {
      await handle.close();
    }
  });

  it('exits non-zero and names record and line when records fail', async () => {
    const run = await cli(['ingest', join(dir, 'bad.ris')], {
      BIBGRAPH_DATA_DIR: migratedPgliteFolder(join(dir, 'db3')),
    });
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/bad\.ris\s+2\s+1\s+0\s+0\s+1/);
    expect(run.stderr).toMatch(/bad\.ris: record 2 \(line 8\): .*nothing to store/);
  });

  it('reads BibTeX by its content, and rejects a file in no format it reads with what it looks like', async () => {
    const env = { BIBGRAPH_DATA_DIR: migratedPgliteFolder(join(dir, 'db4')) };
    const bib = await cli(['ingest', join(dir, 'bib.bib')], env);
    expect(bib.code).toBe(0);
    expect(bib.stdout).toMatch(/bib\.bib\s+1\s+1\s+0\s+0\s+0/);
    const xml = await cli(['ingest', join(dir, 'records.xml')], env);
    expect(xml.code).toBe(1);
    expect(xml.stdout).toMatch(/Input looks like XML/);
    const wrong = await cli(['ingest', join(dir, 'bib.bib'), '--format', 'endnote'], env);
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toMatch(/unknown --format "endnote"/);
  });

  it('explains usage errors and bad configuration', async () => {
    // The real bin: its exit code is the one run() returned.
    const none = await runCli(['ingest'], {});
    expect(none.code).toBe(2);
    expect(none.stderr).toBe('bibgraph ingest: expected a file, folder or -; see bibgraph ingest --help\n');
    const unknown = await cli(['ingest', join(dir, 'bad.ris'), '--frobnicate'], {});
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toBe('bibgraph ingest: unknown option --frobnicate; see bibgraph ingest --help\n');
    const missing = await cli(['ingest', join(dir, 'nowhere.ris')], {});
    expect(missing.code).toBe(2);
    expect(missing.stderr).toBe(`bibgraph ingest: no such file or folder: ${join(dir, 'nowhere.ris')}\n`);
    const help = await cli(['ingest', '--help'], {});
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^Usage: bibgraph ingest \[options\]\n\n {2}ingest <file\|folder\|->/);
    expect(help.stdout).toMatch(/--verbose/);
    expect(help.stdout).not.toMatch(/token create/);
    for (const command of ['export', 'token', 'documents']) {
      const own = await cli([command, '--help'], {});
      expect(own.code, command).toBe(0);
      expect(own.stdout, command).toMatch(
        new RegExp(`^Usage: bibgraph ${command} \\[options\\]\\n\\n {2}${command}`),
      );
    }
    const stdinAndFile = await cli(['ingest', '-', join(dir, 'bad.ris')], {});
    expect(stdinAndFile.code).toBe(2);
    expect(stdinAndFile.stderr).toMatch(/^bibgraph ingest: - \(stdin\) cannot be combined with files/);
    const badEnv = await cli(['ingest', join(dir, 'bad.ris')], { PORT: 'x' });
    expect(badEnv.code).toBe(2);
    expect(badEnv.stderr).toMatch(/configuration error: PORT must be a whole number/);
  });
});
