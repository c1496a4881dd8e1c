import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatabaseHandle } from '../../src/db/client.ts';
import { citations } from '../../src/db/schema.ts';
import { type BibgraphServer, createServer } from '../../src/server/server.ts';
import { databaseTargets, inRolledBackTransaction, openTestDatabase } from '../support/db.ts';
import { gql } from '../support/graphql.ts';

describe.each(databaseTargets)('server on $name', ({ name, url }) => {
  let handle: DatabaseHandle;
  let yoga: BibgraphServer;
  beforeAll(async () => {
    handle = await openTestDatabase(url);
    yoga = createServer({ database: handle, maxIngestBytes: 1024 * 1024, maskErrors: false });
  });
  afterAll(async () => {
    await handle.close();
  });

  it('answers /health with the database kind', async () => {
    const res = await yoga.fetch('http://localhost/health');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok', database: name });
  });

  it('serves GraphiQL with a title and example operations', async () => {
    const res = await yoga.fetch('http://localhost/graphql', { headers: { accept: 'text/html' } });
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain('bibgraph');
    expect(html).toContain('IngestExample');
    // No other site may frame the page (it holds a token field), and no answer is content-sniffed.
    expect(res.headers.get('x-frame-options')).toBe('DENY');
    expect(res.headers.get('content-security-policy')).toBe("frame-ancestors 'none'");
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    const json = await yoga.fetch('http://localhost/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ __typename }' }),
    });
    expect(json.headers.get('x-content-type-options')).toBe('nosniff');
  });

  it('resolves node and nodes by global ID', async () => {
    await inRolledBackTransaction(handle, async (tx) => {
      const [row] = await tx
        .insert(citations)
        .values({
          risType: 'JOUR',
          title: 'A node',
          rawRecord: 'TY  - JOUR',
          rawTags: [{ tag: 'TY', value: 'JOUR' }],
        })
        .returning({ id: citations.id });
      const id = Buffer.from(`Citation:${row?.id}`).toString('base64');
      const result = await gql(
        yoga,
        tx,
        'query($id: ID!, $ids: [ID!]!) { node(id: $id) { id ... on Citation { title risType } } nodes(ids: $ids) { id } }',
        { id, ids: [id, Buffer.from('Citation:999999').toString('base64')] },
      );
      expect(result.errors).toBeUndefined();
      expect(result.data?.node).toEqual({ id, title: 'A node', risType: 'JOUR' });
      expect(result.data?.nodes).toEqual([{ id }, null]);
    });
  });

  it('does not leak internals in errors', async () => {
    const res = await yoga.fetch('http://localhost/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ node(id: "not-base64!") { id } }' }),
    });
    const body = await res.json();
    expect(JSON.stringify(body)).not.toMatch(/at .*\.ts:\d+/);
  });
});

describe('health when the database is gone', () => {
  it('answers 503', async () => {
    const handle = await openTestDatabase(null);
    const yoga = createServer({ database: handle, maxIngestBytes: 1024 });
    await handle.close();
    const res = await yoga.fetch('http://localhost/health');
    expect(res.status).toBe(503);
    expect(await res.json()).toEqual({
      status: 'unavailable',
      database: 'pglite',
      reason: 'the database is closed',
    });
  });
});
