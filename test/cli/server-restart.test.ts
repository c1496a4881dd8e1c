import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { startServer, stopServer } from '../support/process.ts';

const dir = mkdtempSync(join(tmpdir(), 'bibgraph-restart-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function post(url: string, query: string) {
  const res = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query }),
  });
  return (await res.json()) as { data: Record<string, any> };
}

it('keeps PGlite data across a graceful restart (SIGTERM)', async () => {
  const env = { BIBGRAPH_DATA_DIR: join(dir, 'data') };
  const first = await startServer(env);
  const health = await fetch(`${first.url}/health`);
  expect(health.status).toBe(200);
  expect(await health.json()).toEqual({ status: 'ok', database: 'pglite' });
  const ingest = await post(
    first.url,
    'mutation { ingestRis(input: { ris: "TY  - JOUR\\nTI  - Survives restarts\\nPY  - 2024\\nER  - \\n" }) { created } }',
  );
  expect(ingest.data.ingestRis.created).toBe(1);
  expect(await stopServer(first.child, 'SIGTERM')).toBe(0);
  expect(first.output()).toMatch(/SIGTERM received, shutting down/);

  const second = await startServer(env);
  const read = await post(second.url, '{ ingestions(first: 5) { totalCount nodes { created } } }');
  expect(read.data.ingestions).toEqual({ totalCount: 1, nodes: [{ created: 1 }] });
  expect(await stopServer(second.child, 'SIGINT')).toBe(0);
}, 120_000);
