import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatabaseHandle } from '../../src/db/client.ts';
import { documentHash } from '../../src/persisted/documents.ts';
import { type BibgraphServer, createServer } from '../../src/server/server.ts';
import { cli } from '../support/cli.ts';
import { openTestDatabase } from '../support/db.ts';

describe('bibgraph documents', () => {
  const dir = mkdtempSync(join(tmpdir(), 'bibgraph-documents-'));
  const list = join(dir, 'documents.json');
  const operation = 'query Locales {\n  locales\n}\n';
  let handle: DatabaseHandle;
  let yoga: BibgraphServer;

  beforeAll(async () => {
    writeFileSync(join(dir, 'locales.graphql'), operation);
    writeFileSync(join(dir, 'broken.graphql'), 'query {');
    handle = await openTestDatabase(null);
    yoga = createServer({
      database: handle,
      maxIngestBytes: 1024,
      persisted: { documentsFile: list, persistedOnly: true },
    });
  });
  afterAll(async () => {
    await handle.close();
  });

  it('registers a document that the server then runs by hash for anonymous callers', async () => {
    const run = await cli(['documents', 'add', join(dir, 'locales.graphql'), '--file', list], {});
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const hash = documentHash(operation);
    expect(run.stdout).toContain(hash);
    expect(JSON.parse(readFileSync(list, 'utf8'))).toEqual({ [hash]: operation });

    const res = await yoga.fetch('http://localhost/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ extensions: { persistedQuery: { version: 1, sha256Hash: hash } } }),
    });
    const json = (await res.json()) as { data?: { locales: string[] } };
    expect(json.data?.locales.length).toBeGreaterThan(0);

    const again = await cli(['documents', 'add', join(dir, 'locales.graphql'), '--file', list], {});
    expect(again.stdout).toContain('already registered');
  });

  it('refuses a file that is not GraphQL, naming it, and leaves the list alone', async () => {
    const before = readFileSync(list, 'utf8');
    const run = await cli(['documents', 'add', join(dir, 'broken.graphql'), '--file', list], {});
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/broken\.graphql: not a GraphQL document/);
    expect(run.stderr).not.toMatch(/\n\s+at /);
    expect(readFileSync(list, 'utf8')).toBe(before);
  });

  it('usage errors exit 2 with one line of reason', async () => {
    const run = await cli(['documents', 'add'], { BIBGRAPH_PERSISTED_DOCUMENTS: list });
    expect(run.code).toBe(2);
    expect(run.stderr.split('\n')[0]).toBe('bibgraph documents: add takes one or more .graphql files');
  });
});
