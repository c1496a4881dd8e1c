import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatabaseHandle } from '../../src/db/client.ts';
import { type BibgraphServer, createServer } from '../../src/server/server.ts';
import { databaseTargets, openTestDatabase } from '../support/db.ts';
import { gql } from '../support/graphql.ts';
import { withFixture } from './fixture.ts';

const TAG = 'qnames';

describe.each(databaseTargets)('fuzzy names and suggestions on $name', ({ url }) => {
  let handle: DatabaseHandle;
  let yoga: BibgraphServer;
  beforeAll(async () => {
    handle = await openTestDatabase(url);
    yoga = createServer({ database: handle, maxIngestBytes: 1024 * 1024, maskErrors: false });
  });
  afterAll(async () => {
    await handle.close();
  });

  it.each([
    ['muller kathe', 'accents and case'],
    ['Käthe Müller', 'word order'],
    ['Mueller Kathe', 'a transliteration'],
    ['mulller kathe', 'a typo'],
    ['müll', 'a prefix'],
  ])('finds "Müller, Käthe" from "%s" (%s)', async (search) => {
    await withFixture(handle, TAG, async (tx) => {
      const r = await gql(
        yoga,
        tx,
        `query($s: String) { authors(search: $s, first: 3) { nodes { name family given } } }`,
        {
          s: search,
        },
      );
      expect(r.errors).toBeUndefined();
      expect(r.data?.authors.nodes[0]).toEqual({ name: 'Käthe Müller', family: 'Müller', given: 'Käthe' });
    });
  });

  it('finds affiliations by fuzzy name and keywords by fuzzy term', async () => {
    await withFixture(handle, TAG, async (tx) => {
      const r = await gql(
        yoga,
        tx,
        `{ affiliations(search: "charite berlin hematology", first: 1) { nodes { name } }
           keywords(search: "thrombocytopnia", first: 1) { nodes { term } } }`,
      );
      expect(r.data?.affiliations.nodes[0].name).toMatch(/^Department of Hematology, Charité/);
      expect(r.data?.keywords.nodes[0].term).toBe('immune thrombocytopenia');
    });
  });

  it('suggests authors with their latest affiliation and affiliations with their country', async () => {
    await withFixture(handle, TAG, async (tx) => {
      const r = await gql(yoga, tx, `{ suggest(prefix: "Müll", first: 3) { id label kind hint count } }`);
      expect(r.errors).toBeUndefined();
      expect(r.data?.suggest[0]).toMatchObject({
        label: 'Käthe Müller',
        kind: 'AUTHOR',
        hint: 'Centre for Evidence Synthesis, University of Oxford, Oxford, UK',
        count: 3,
      });
      const node = await gql(yoga, tx, `query($id: ID!) { node(id: $id) { ... on Author { name } } }`, {
        id: r.data?.suggest[0].id,
      });
      expect(node.data?.node).toEqual({ name: 'Käthe Müller' });
      const inst = await gql(
        yoga,
        tx,
        `{ suggest(prefix: "oxford", kinds: [AFFILIATION]) { label kind hint count } }`,
      );
      expect(inst.data?.suggest).toEqual([
        {
          label: 'Centre for Evidence Synthesis, University of Oxford, Oxford, UK',
          kind: 'AFFILIATION',
          hint: 'United Kingdom',
          count: 2,
        },
      ]);
      const kw = await gql(
        yoga,
        tx,
        `{ suggest(prefix: "deep lea", kinds: [KEYWORD], first: 1) { label kind count } }`,
      );
      expect(kw.data?.suggest).toEqual([{ label: 'deep learning', kind: 'KEYWORD', count: 1 }]);
    });
  });
});
