import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli } from '../support/cli.ts';
import { migratedPgliteFolder } from '../support/db.ts';
import { runCli, startServer, stopServer } from '../support/process.ts';
import { createScratchDatabase } from '../support/scratch-db.ts';

const ris = (n: number) =>
  `TY  - JOUR\nTI  - Through the server ${n}\nAU  - Person, Pat\nPY  - 2024\nDO  - 10.4242/via.${n}\nER  - \n\n`;

async function graphql(url: string, query: string) {
  const res = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query }),
  });
  return (await res.json()) as { data?: Record<string, any>; errors?: Array<{ message: string }> };
}

/** A port nothing listens on: one the system just handed out and that was closed again. */
function closedPort(): Promise<number> {
  return new Promise((done) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => done(port));
    });
  });
}

/** DOIs of every stored citation, as the server answers them. */
async function storedDois(url: string): Promise<string[]> {
  const read = await graphql(url, '{ citations(first: 100) { nodes { doi } } }');
  expect(read.errors).toBeUndefined();
  const nodes = (read.data?.citations.nodes ?? []) as Array<{ doi: string }>;
  return nodes.map((c) => c.doi).sort();
}

/** The table row of one file: found, created, updated, unchanged, failed. */
function row(stdout: string, file: string): string {
  const lines = stdout.split('\n');
  const found = file === '-' ? lines.find((l) => /^- /.test(l)) : lines.find((l) => l.includes(file));
  return found ?? `(no row for ${file} in:\n${stdout})`;
}

// The README's first steps: `npm start`, then `npm run ingest -- refs.ris` in a second terminal on
// the same PGlite folder. PGlite allows one process per folder, so the CLI sends the files to the
// server holding it instead of opening the folder itself.
describe('bibgraph ingest while a server holds the PGlite folder', { timeout: 300_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'bibgraph-via-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const env = { BIBGRAPH_DATA_DIR: migratedPgliteFolder(join(dir, 'data')), BIBGRAPH_TOKEN: '' };
  mkdirSync(join(dir, 'exports'));
  writeFileSync(join(dir, 'refs.ris'), ris(1) + ris(2));
  writeFileSync(join(dir, 'exports', 'a.ris'), ris(3));
  writeFileSync(join(dir, 'exports', 'b.ris'), `${ris(4)}TY  - JOUR\nER  - \n`);
  writeFileSync(join(dir, 'exports', 'c.xml'), '<?xml version="1.0"?><records/>\n');
  writeFileSync(join(dir, 'big.ris'), Array.from({ length: 1000 }, (_, i) => ris(1000 + i)).join(''));

  it('goes through the server: stored at once, kept over a restart, unchanged the second time', async () => {
    let server = await startServer(env);
    try {
      const url = new URL(server.url);
      const base = `http://127.0.0.1:${url.port}`;

      // The real bin once; the other commands run in-process (test/support/cli.ts).
      const first = await runCli(['ingest', join(dir, 'refs.ris')], env);
      expect(first.stderr).toBe('');
      expect(first.code).toBe(0);
      expect(first.stdout).toContain(
        `Through the bibgraph server at ${base} (bibgraph server on port ${url.port}, pid ${server.child.pid}), which holds the PGlite folder`,
      );
      expect(row(first.stdout, 'refs.ris')).toMatch(/\s2\s+2\s+0\s+0\s+0\s+0/);
      // The server sees the rows on its next request: they were written by its own process.
      expect(await storedDois(server.url)).toEqual(['10.4242/via.1', '10.4242/via.2']);

      // A folder: every file one upload; a failed record and a file in no format read give exit 1.
      const folder = await cli(['ingest', join(dir, 'exports'), '--source', 'folder run'], env);
      expect(folder.code).toBe(1);
      expect(row(folder.stdout, 'a.ris')).toMatch(/\s1\s+1\s+0\s+0\s+0\s+0/);
      expect(row(folder.stdout, 'b.ris')).toMatch(/\s2\s+1\s+0\s+0\s+1\s+1/);
      expect(row(folder.stdout, 'c.xml')).toMatch(/\s0\s+0\s+0\s+0\s+0\s+0\s+Input looks like XML/);
      expect(folder.stdout.trim().split('\n').at(-1)).toMatch(/^total\s+3\s+2\s+0\s+0\s+1\s+1/);
      // The problem lines the local command prints, with file, record and line.
      expect(folder.stderr).toMatch(/b\.ris: record 2 \(line 8\): .*nothing to store/);

      // Standard input, --dry-run and --show-mapping work the same way.
      const dry = await cli(['ingest', '-', '--dry-run', '--show-mapping'], env, ris(5));
      expect(dry.code).toBe(0);
      expect(dry.stdout).toMatch(/Dry run: nothing was written/);
      expect(row(dry.stdout, '-')).toMatch(/^-\s+1\s+1\s+0\s+0\s+0/);
      expect(dry.stdout).toMatch(/^-, record 1 \(line 1\): would be created$/m);
      expect(dry.stdout).toMatch(/^\s+title\s+Through the server 5$/m);
      expect(dry.stdout).toMatch(/^\s+contributors\s+author 1: Person, Pat \[family: Person, given: Pat\]$/m);
      const stdin = await cli(['ingest', '-'], env, ris(5));
      expect(stdin.code).toBe(0);
      expect(row(stdin.stdout, '-')).toMatch(/^-\s+1\s+1\s+0\s+0\s+0/);

      // Through the server every file is a background ingestion, kept also when it was a dry run
      // (dryRun: true) or was refused (FAILED, c.xml): the ones that stored records are these.
      const sources = await graphql(
        server.url,
        '{ ingestions(first: 10) { nodes { source dryRun status } } }',
      );
      const stored = sources.data?.ingestions.nodes.filter(
        (n: { dryRun: boolean; status: string }) => !n.dryRun && n.status === 'SUCCEEDED',
      );
      expect(stored.map((n: { source: string }) => n.source)).toEqual([
        'stdin',
        'folder run',
        'folder run',
        'refs.ris',
      ]);

      // Export downloads the server's GET /export.
      const exported = await cli(['export', '--format', 'ris', '--doi', '10.4242/via.3'], env);
      expect(exported.code, exported.stderr).toBe(0);
      expect(exported.stdout).toMatch(/^TY {2}- JOUR$/m);
      expect(exported.stdout).toContain('DO  - 10.4242/via.3');
      expect(exported.stdout).not.toContain('10.4242/via.1');
      expect(exported.stderr).toMatch(/^bibgraph export: [\d.]+ (bytes|KB) through the bibgraph server at /);

      // There is no GraphQL mutation for tokens: those commands are still refused, naming the server.
      const token = await cli(['token', 'create', '--name', 'anna'], env);
      expect(token.code).toBe(2);
      expect(token.stdout).toBe('');
      expect(token.stderr).toMatch(/is in use by bibgraph server on port/);
    } finally {
      expect(await stopServer(server.child)).toBe(0);
    }

    // After a restart (with a smaller upload limit) the rows are where the server wrote them.
    // Files over the synchronous limit go to startIngestion, up to the background limit: both 4 KB.
    server = await startServer({
      ...env,
      BIBGRAPH_MAX_INGEST_SIZE: '4k',
      BIBGRAPH_MAX_BACKGROUND_INGEST_SIZE: '4k',
    });
    try {
      expect(await storedDois(server.url)).toEqual([
        '10.4242/via.1',
        '10.4242/via.2',
        '10.4242/via.3',
        '10.4242/via.4',
        '10.4242/via.5',
      ]);
      const again = await cli(['ingest', join(dir, 'refs.ris')], env);
      expect(again.code).toBe(0);
      expect(row(again.stdout, 'refs.ris')).toMatch(/\s2\s+0\s+0\s+2\s+0\s+0/);

      // An upload over the server's limit (beyond the room multipart framing gets) is refused with
      // HTTP 413 before the server reads it, and the limit is named; nothing is stored.
      const big = await cli(['ingest', join(dir, 'big.ris')], env);
      expect(big.code).toBe(1);
      expect(row(big.stdout, 'big.ris')).toMatch(
        /\s0\s+0\s+0\s+0\s+0\s+0\s+Request body of \d+ bytes exceeds the upload size limit of 4 KB \(BIBGRAPH_MAX_BACKGROUND_INGEST_SIZE\)/,
      );
      expect(await storedDois(server.url)).toHaveLength(5);
    } finally {
      await stopServer(server.child);
    }
  });
});

describe('bibgraph ingest --server URL', { timeout: 300_000 }, () => {
  const url = process.env.TEST_DATABASE_URL;
  const dir = mkdtempSync(join(tmpdir(), 'bibgraph-server-flag-'));
  const token = 'cli-server-token-0123456789abcdef';
  let scratch: Awaited<ReturnType<typeof createScratchDatabase>> | null = null;
  let server: Awaited<ReturnType<typeof startServer>>;
  writeFileSync(join(dir, 'refs.ris'), ris(1) + ris(2));

  // Any server: PostgreSQL-backed when TEST_DATABASE_URL is set (a deployment), else PGlite.
  beforeAll(async () => {
    if (url) scratch = await createScratchDatabase(url, 'cliserver');
    const database: Record<string, string> = scratch
      ? { DATABASE_URL: scratch.url }
      : { BIBGRAPH_DATA_DIR: migratedPgliteFolder(join(dir, 'data')) };
    server = await startServer({ ...database, BIBGRAPH_API_TOKENS: token });
  });
  afterAll(async () => {
    if (server) await stopServer(server.child);
    await scratch?.drop();
    rmSync(dir, { recursive: true, force: true });
  });
  // The CLI opens no database with --server: point its own settings somewhere unused.
  const cliEnv = { BIBGRAPH_DATA_DIR: join(dir, 'unused'), BIBGRAPH_TOKEN: '' };

  it('uploads with BIBGRAPH_TOKEN or --token, and says so when the token is missing or wrong', async () => {
    const refused = await cli(['ingest', join(dir, 'refs.ris'), '--server', server.url], cliEnv);
    expect(refused.code).toBe(2);
    expect(refused.stdout).toBe('');
    expect(refused.stderr.trim().split('\n')).toHaveLength(1);
    expect(refused.stderr).toMatch(
      /^bibgraph: the bibgraph server at http:\/\/localhost:\d+ refused the request: .*needs an API token.*; set BIBGRAPH_TOKEN \(or pass --token\)/,
    );

    const wrong = await cli(['ingest', join(dir, 'refs.ris'), '--server', `${server.url}/graphql`], {
      ...cliEnv,
      BIBGRAPH_TOKEN: 'not-the-token-0123456789',
    });
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toMatch(
      /refused the request: The API token is not valid; check that BIBGRAPH_TOKEN/,
    );

    const viaEnv = await cli(['ingest', join(dir, 'refs.ris'), '--server', server.url], {
      ...cliEnv,
      BIBGRAPH_TOKEN: token,
    });
    expect(viaEnv.stderr).toBe('');
    expect(viaEnv.code).toBe(0);
    expect(viaEnv.stdout).toContain(`Through the bibgraph server at ${server.url}.`);
    expect(row(viaEnv.stdout, 'refs.ris')).toMatch(/\s2\s+2\s+0\s+0\s+0\s+0/);
    expect(await storedDois(server.url)).toEqual(['10.4242/via.1', '10.4242/via.2']);

    const viaFlag = await cli(
      ['ingest', join(dir, 'refs.ris'), '--server', server.url, '--token', token],
      cliEnv,
    );
    expect(viaFlag.code).toBe(0);
    expect(row(viaFlag.stdout, 'refs.ris')).toMatch(/\s2\s+0\s+0\s+2\s+0\s+0/);
  });

  it('names a server it cannot reach and a --server that is not a URL, in one line each', async () => {
    const closed = await closedPort();
    const unreachable = await cli(
      ['ingest', join(dir, 'refs.ris'), '--server', `http://127.0.0.1:${closed}`],
      cliEnv,
    );
    expect(unreachable.code).toBe(2);
    expect(unreachable.stdout).toBe('');
    expect(unreachable.stderr).toBe(
      `bibgraph: cannot reach the bibgraph server at http://127.0.0.1:${closed} (ECONNREFUSED)\n`,
    );
    const notUrl = await cli(['ingest', join(dir, 'refs.ris'), '--server', 'localhost:4000'], cliEnv);
    expect(notUrl.code).toBe(2);
    expect(notUrl.stderr).toBe(
      'bibgraph: --server must be an http:// or https:// URL, got "localhost:4000"\n',
    );
  });
});
