import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatabaseHandle } from '../../src/db/client.ts';
import { type BibgraphServer, createServer } from '../../src/server/server.ts';
import { databaseTargets, openTestDatabase } from '../support/db.ts';
import { gql } from '../support/graphql.ts';
import { withFixture } from './fixture.ts';

const TAG = 'qnodescost';
const gid = (type: string, n: number) => Buffer.from(`${type}:${n}`).toString('base64');

// Each fetched object opens a page of 100 citations: 100 IDs are 100 such pages.
const heavy = `nodes(ids: IDS) { ... on Author { citations(first: 100) { nodes { id title authors { name } } } } }`;

describe.each(databaseTargets)('nodes(ids:) is costed per ID on $name', ({ url }) => {
  let handle: DatabaseHandle;
  let yoga: BibgraphServer;
  beforeAll(async () => {
    handle = await openTestDatabase(url);
    yoga = createServer({ database: handle, maxIngestBytes: 1024 * 1024 });
  });
  afterAll(() => handle.close());

  it('refuses 100 IDs whose selections each cost a page, whether the IDs come as a variable or inline', async () => {
    await withFixture(handle, TAG, async (tx) => {
      const ids = Array.from({ length: 100 }, (_, i) => gid('Author', i + 1));
      const viaVariable = await gql(yoga, tx, `query($ids: [ID!]!) { ${heavy.replace('IDS', '$ids')} }`, {
        ids,
      });
      expect(viaVariable.errors?.[0]?.message).toMatch(
        /^Query cost of \d+ exceeds the cost limit of 30000 \(BIBGRAPH_MAX_COST\)/,
      );
      expect(viaVariable.errors?.[0]?.extensions?.code).toBe('COST_LIMIT');
      const inline = await gql(yoga, tx, `{ ${heavy.replace('IDS', JSON.stringify(ids))} }`);
      expect(inline.errors?.[0]?.extensions?.code).toBe('COST_LIMIT');
      // The same shape as a connection page of 100 costs the same as 100 IDs.
      const cost = (r: typeof viaVariable) => r.errors?.[0]?.extensions?.cost as number;
      const page = await gql(
        yoga,
        tx,
        '{ authors(first: 100) { nodes { citations(first: 100) { nodes { id title authors { name } } } } } }',
      );
      expect(cost(viaVariable)).toBeGreaterThan(cost(page) * 0.9);
    });
  });

  it('still answers a few IDs', async () => {
    await withFixture(handle, TAG, async (tx) => {
      const found = await gql(yoga, tx, '{ authors(first: 2) { nodes { id } } }');
      const ids = ((found.data?.authors?.nodes ?? []) as Array<{ id: string }>).map((a) => a.id);
      const r = await gql(yoga, tx, `query($ids: [ID!]!) { ${heavy.replace('IDS', '$ids')} }`, { ids });
      expect(r.errors).toBeUndefined();
      expect(r.data?.nodes).toHaveLength(2);
      expect(r.data?.nodes[0].citations.nodes.length).toBeGreaterThan(0);
    });
  });
});
