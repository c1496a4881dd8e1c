import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cli } from '../support/cli.ts';
import { migratedPgliteFolder } from '../support/db.ts';
import { startServer, stopServer } from '../support/process.ts';

const ris = (n: number) =>
  `TY  - JOUR\nTI  - Lock test paper ${n}\nPY  - 2024\nDO  - 10.4242/lock.${n}\nER  - \n\n`;

async function graphql(url: string, query: string, token?: string) {
  const res = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: JSON.stringify({ query }),
  });
  return (await res.json()) as { data?: Record<string, any>; errors?: Array<{ message: string }> };
}

const ingestMutation = (n: number) =>
  `mutation { ingestRis(input: { ris: ${JSON.stringify(ris(n))} }) { created } }`;

/** The one line a refused process prints: who holds the folder, as pid, role and start time. */
function heldBy(what: string, pid: number | undefined): RegExp {
  return new RegExp(
    `^bibgraph: the PGlite folder .+ is in use by ${what} \\(pid ${pid}, since \\d{4}-\\d\\d-\\d\\dT[^)]*\\)`,
  );
}

// These are the README's first steps (`npm start`, then `npm run ingest`) and docs/api.md's
// `bibgraph token …`, on one PGlite folder. Two PGlite instances on one folder each keep their own
// copy of the data, so the CLI's writes were lost and the server's pages showed rows twice: a
// second process must never open the folder. Ingest goes through the server holding it
// (test/cli/ingest-through-server.test.ts); commands the server cannot do, and a second server,
// are refused, naming the first.
describe('one process per PGlite folder', { timeout: 300_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'bibgraph-lock-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const data = migratedPgliteFolder(join(dir, 'data'));
  const env = { BIBGRAPH_DATA_DIR: data, BIBGRAPH_TOKEN: '' };
  writeFileSync(join(dir, 'one.ris'), ris(1));

  it('sends CLI ingests through the server and refuses token commands and a second server', async () => {
    const created = await cli(['token', 'create', '--name', 'anna'], env);
    expect(created.code, created.stderr).toBe(0);
    const token = created.stdout.trim();

    const server = await startServer(env);
    try {
      const port = new URL(server.url).port;
      const holder = heldBy(`bibgraph server on port ${port}`, server.child.pid);

      // A token exists, so the server refuses an ingest without one: one line, exit 2, nothing sent.
      const ingest = await cli(['ingest', join(dir, 'one.ris')], env);
      expect(ingest.code).toBe(2);
      expect(ingest.stdout).toBe('');
      expect(ingest.stderr.trim().split('\n')).toHaveLength(1);
      expect(ingest.stderr).toMatch(
        new RegExp(
          `^bibgraph: the bibgraph server at http://127\\.0\\.0\\.1:${port} refused the request: .*needs an API token.*set BIBGRAPH_TOKEN`,
        ),
      );
      expect(ingest.stderr).not.toMatch(/\n\s+at /);
      // A file the server refuses before reading it all (it closes the connection while the CLI
      // still sends: EPIPE) gets the same answer, not "cannot reach the server".
      const big = join(dir, 'big.ris');
      writeFileSync(big, Array.from({ length: 60_000 }, (_, i) => ris(100_000 + i)).join(''));
      const refused = await cli(['ingest', big], env);
      expect(refused.code).toBe(2);
      expect(refused.stderr).toMatch(/refused the request: .*needs an API token/);
      // With the token it goes through the server, into the folder the server holds.
      const sent = await cli(['ingest', join(dir, 'one.ris')], { ...env, BIBGRAPH_TOKEN: token });
      expect(sent.stderr).toBe('');
      expect(sent.code).toBe(0);
      expect(sent.stdout).toMatch(/one\.ris\s+1\s+1\s+0\s+0\s+0/);

      // The CLI must not say "Revoked" while the server goes on accepting the token.
      const revoke = await cli(['token', 'revoke', 'anna'], env);
      expect(revoke.code).toBe(2);
      expect(revoke.stdout).toBe('');
      expect(revoke.stderr).toMatch(holder);

      const second = startServer(env);
      await expect(second).rejects.toThrow(/server exited with 2/);
      await second.catch((error: Error) => {
        // Past the line saying which database it opens, one line says why it cannot.
        const output = error.message
          .split('\n')
          .slice(1)
          .filter((line) => !line.startsWith('bibgraph: opening the'))
          .join('\n')
          .trim();
        expect(output.split('\n')).toHaveLength(1);
        expect(output).toMatch(holder);
      });

      // Nothing the refused processes attempted happened; the server still has the token.
      const write = await graphql(server.url, ingestMutation(2), token);
      expect(write.errors).toBeUndefined();
      expect(write.data?.ingestRis.created).toBe(1);
      const read = await graphql(server.url, '{ ingestions(first: 5) { totalCount } }');
      expect(read.data?.ingestions.totalCount).toBe(2);
    } finally {
      expect(await stopServer(server.child, 'SIGTERM')).toBe(0);
    }
    // A clean stop hands the folder back.
    expect(existsSync(join(data, 'bibgraph.lock'))).toBe(false);
    const revoke = await cli(['token', 'revoke', 'anna'], env);
    expect(revoke.code, revoke.stderr).toBe(0);
    expect(revoke.stdout).toMatch(/Revoked API token "anna"/);
  });

  it('takes over the lock of a process that was killed (kill -9)', async () => {
    const server = await startServer(env);
    await stopServer(server.child, 'SIGKILL');
    const lock = join(data, 'bibgraph.lock');
    expect(existsSync(lock)).toBe(true);
    expect(readFileSync(lock, 'utf8')).toContain(`"pid":${server.child.pid}`);
    expect(readFileSync(lock, 'utf8')).toContain(`"url":"http://127.0.0.1:${new URL(server.url).port}"`);

    // The dead server's URL in the lock is not used: the CLI takes the folder and works locally.
    const ingest = await cli(['ingest', join(dir, 'one.ris')], env);
    expect(ingest.stderr).toBe('');
    expect(ingest.code).toBe(0);
    expect(ingest.stdout).not.toMatch(/Through the bibgraph server/);
    expect(ingest.stdout).toMatch(/one\.ris\s+1\s+0\s+0\s+1\s+0/);
    expect(existsSync(lock)).toBe(false);

    const again = await startServer(env);
    try {
      const read = await graphql(again.url, '{ ingestions(first: 5) { totalCount } }');
      expect(read.data?.ingestions.totalCount).toBe(3);
    } finally {
      await stopServer(again.child);
    }
  });
});
