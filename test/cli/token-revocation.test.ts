import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli } from '../support/cli.ts';
import { startServer, stopServer } from '../support/process.ts';
import { createScratchDatabase } from '../support/scratch-db.ts';

const url = process.env.TEST_DATABASE_URL;

async function graphql(base: string, query: string, token: string) {
  const res = await fetch(`${base}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query }),
  });
  return {
    status: res.status,
    body: (await res.json()) as {
      data?: Record<string, any> | null;
      errors?: Array<{ message: string; extensions?: { code?: string } }>;
    },
  };
}

const mutation = (n: string) =>
  `mutation { ingestRis(input: { ris: ${JSON.stringify(`TY  - JOUR\nTI  - Revocation paper ${n}\nER  - \n`)} }) { created } }`;

// On PostgreSQL the CLI and a running server share the database at the same time, so the server
// must not remember a token it once accepted: the next request after `token revoke` is refused.
// (On PGlite the CLI is refused while a server holds the folder: test/cli/folder-lock.test.ts.)
describe.skipIf(!url)(
  'a token revoked with the CLI, against a running server (PostgreSQL)',
  {
    timeout: 300_000,
  },
  () => {
    let db: Awaited<ReturnType<typeof createScratchDatabase>>;
    beforeAll(async () => {
      db = await createScratchDatabase(url as string, 'revocation');
    });
    afterAll(async () => {
      await db?.drop();
    });

    it('is refused on the very next request, for writes and for reads', async () => {
      const env = { DATABASE_URL: db.url };
      const name = `ci-${randomBytes(4).toString('hex')}`;
      const created = await cli(['token', 'create', '--name', name], env);
      expect(created.code, created.stderr).toBe(0);
      const token = created.stdout.trim();

      const server = await startServer({ ...env, BIBGRAPH_READ_REQUIRES_TOKEN: 'true' });
      try {
        // Accepted first, so anything the server might cache about the token is now warm.
        const before = await graphql(server.url, mutation('a'), token);
        expect(before.body.errors).toBeUndefined();
        expect(before.body.data?.ingestRis.created).toBe(1);
        const readBefore = await graphql(server.url, '{ ingestions(first: 1) { totalCount } }', token);
        expect(readBefore.body.data?.ingestions.totalCount).toBe(1);

        const revoke = await cli(['token', 'revoke', name], env);
        expect(revoke.code, revoke.stderr).toBe(0);
        expect(revoke.stdout).toMatch(new RegExp(`Revoked API token "${name}"`));

        const after = await graphql(server.url, mutation('b'), token);
        expect(after.body.data?.ingestRis ?? null).toBeNull();
        expect(after.body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
        expect(after.body.errors?.[0]?.message).toBe(`The API token "${name}" has been revoked`);
        const readAfter = await graphql(server.url, '{ ingestions(first: 1) { totalCount } }', token);
        expect(readAfter.status).toBe(401);
        expect(JSON.stringify(readAfter.body)).toContain('has been revoked');
      } finally {
        await stopServer(server.child);
      }
    });
  },
);
