import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer, type Server } from 'node:http';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatabaseHandle } from '../../src/db/client.ts';
import { ingestRis } from '../../src/ingest/ingest.ts';
import { createServer } from '../../src/server/server.ts';
import { openTestDatabase } from '../support/db.ts';
import { root, runNode } from '../support/process.ts';

/** The Apollo setup in docs/api.md, exactly as printed, run against a real server. */
describe('docs/api.md: the Apollo Client setup for frontend developers', () => {
  let handle: DatabaseHandle;
  let http: Server;
  let url: string;
  beforeAll(async () => {
    handle = await openTestDatabase(null);
    await ingestRis(
      handle.db,
      'TY  - JOUR\nTI  - Climate of opinion\nAU  - Reader, Rita\nPY  - 2019\nER  - \n',
    );
    http = createHttpServer(
      createServer({ database: handle, maxIngestBytes: 1024 * 1024, cacheTtlSeconds: 60 }),
    );
    await new Promise<void>((done) => http.listen(0, '127.0.0.1', done));
    const address = http.address();
    url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/graphql`;
  });
  afterAll(async () => {
    await new Promise((done) => http.close(done));
    await handle.close();
  });

  it('runs verbatim (only the address is this test server’s)', async () => {
    const readme = readFileSync(resolve(root, 'docs/api.md'), 'utf8');
    const section = readme.slice(readme.indexOf('A complete Apollo Client 4 setup'));
    const snippet = /```ts\n([\s\S]*?)```/.exec(section)?.[1];
    expect(snippet).toBeTruthy();
    // Inside the project, so the script resolves @apollo/client from its node_modules.
    const dir = mkdtempSync(join(root, 'test/http/.readme-'));
    try {
      const file = join(dir, 'apollo.mts');
      writeFileSync(file, (snippet as string).replace('http://localhost:4000/graphql', url));
      // Asynchronously: the server answering it lives in this process.
      const run = await runNode(['--import', 'tsx', file], { cwd: root, env: process.env });
      expect(run.stderr).toBe('');
      expect(run.code).toBe(0);
      expect(run.stdout).toContain('Climate of opinion');
      expect(run.stdout).toMatch(/years/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
