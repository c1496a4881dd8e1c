import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatabaseHandle } from '../../src/db/client.ts';
import { type BibgraphServer, createServer } from '../../src/server/server.ts';
import { databaseTargets, openTestDatabase } from '../support/db.ts';
import { gql } from '../support/graphql.ts';
import { withFixture } from './fixture.ts';

const TAG = 'qcitations';

describe.each(databaseTargets)('citations on $name', ({ url }) => {
  let handle: DatabaseHandle;
  let yoga: BibgraphServer;
  beforeAll(async () => {
    handle = await openTestDatabase(url);
    yoga = createServer({ database: handle, maxIngestBytes: 1024 * 1024, maskErrors: false });
  });
  afterAll(async () => {
    await handle.close();
  });

  const titles = (data: any, field = 'citations') => data[field].nodes.map((n: { title: string }) => n.title);

  it('finds citations by full-text search, ranked, with stemming and websearch syntax', async () => {
    await withFixture(handle, TAG, async (tx) => {
      const q = `query($f: CitationFilter) { citations(filter: $f) { totalCount nodes { title } } }`;
      const stem = await gql(yoga, tx, q, { f: { search: `${TAG} stem cell` } });
      expect(stem.errors).toBeUndefined();
      // Title matches (weight A) outrank an abstract-only match (weight D).
      expect(titles(stem.data)).toEqual([
        'A history of stem cell research',
        'Mesenchymal stem cells in immune thrombocytopenia',
        'Wildfire smoke and sleep disturbance',
      ]);
      const excluded = await gql(yoga, tx, q, { f: { search: `${TAG} "stem cells" -smoke or zebrafish` } });
      expect(titles(excluded.data).sort()).toEqual([
        'A history of stem cell research',
        'Mesenchymal stem cells in immune thrombocytopenia',
        'Zebrafish models of thrombocytopenia',
      ]);
      const byKeyword = await gql(yoga, tx, q, { f: { search: `${TAG} wildfires` } });
      expect(titles(byKeyword.data)).toEqual(['Wildfire smoke and sleep disturbance']);
      const byContainer = await gql(yoga, tx, q, { f: { search: `${TAG} ecology` } });
      expect(byContainer.data?.citations.totalCount).toBe(2);
    });
  });

  it('combines filter fields with AND and list values with OR', async () => {
    await withFixture(handle, TAG, async (tx) => {
      const q = `query($f: CitationFilter) { citations(filter: $f, orderBy: TITLE) { totalCount nodes { title } } }`;
      const run = async (f: object) => {
        const r = await gql(yoga, tx, q, { f: { search: TAG, ...f } });
        expect(r.errors).toBeUndefined();
        return titles(r.data);
      };
      expect(await run({ yearFrom: 2019, yearTo: 2020 })).toEqual([
        'A history of stem cell research',
        'Wildfire smoke and sleep disturbance',
      ]);
      expect(await run({ types: ['book', 'CONF'] })).toEqual([
        'A history of stem cell research',
        'Deep learning for citation graphs',
      ]);
      expect(await run({ containerTitle: 'journal of ECOLOGY' })).toHaveLength(2);
      expect(await run({ hasDoi: false })).toEqual([
        'A history of stem cell research',
        'Zebrafish models of thrombocytopenia',
      ]);
      expect(await run({ keywords: ['Immune Thrombocytopenia'], hasDoi: true })).toEqual([
        'Mesenchymal stem cells in immune thrombocytopenia',
      ]);
      expect(await run({ doi: `https://doi.org/10.9999/${TAG.toUpperCase()}.2` })).toEqual([
        'Wildfire smoke and sleep disturbance',
      ]);
      expect(await run({ doi: 'not a doi' })).toEqual([]);

      const people = await gql(
        yoga,
        tx,
        `{ authors(search: "kathe muller") { nodes { id name } } keywords(search: "deep learning") { nodes { id term } } }`,
      );
      const kathe = people.data?.authors.nodes[0];
      expect(kathe.name).toBe('Käthe Müller');
      expect(await run({ authorIds: [kathe.id] })).toHaveLength(3);
      const deep = people.data?.keywords.nodes.find((k: { term: string }) => k.term === 'deep learning');
      expect(await run({ authorIds: [kathe.id], keywordIds: [deep.id] })).toEqual([]);
      const wrong = await gql(yoga, tx, q, { f: { authorIds: [deep.id] } });
      expect(wrong.errors?.[0]?.message).toMatch(/expected the ID of an Author/);
    });
  });

  it('looks a citation up by ID or by DOI in any form', async () => {
    await withFixture(handle, TAG, async (tx) => {
      const byDoi = await gql(yoga, tx, `query($d: String) { citation(doi: $d) { id title doi } }`, {
        d: `doi:10.9999/${TAG.toUpperCase()}.4`,
      });
      expect(byDoi.data?.citation).toMatchObject({
        title: 'Deep learning for citation graphs',
        doi: `10.9999/${TAG}.4`,
      });
      const byId = await gql(yoga, tx, `query($id: ID) { citation(id: $id) { title } }`, {
        id: byDoi.data?.citation.id,
      });
      expect(byId.data?.citation.title).toBe('Deep learning for citation graphs');
      const missing = await gql(yoga, tx, `{ citation(doi: "10.9999/none") { id } }`);
      expect(missing.data?.citation).toBeNull();
    });
  });

  it.each([
    [
      'YEAR_DESC',
      [
        'Deep learning for citation graphs',
        'Wildfire smoke and sleep disturbance',
        'A history of stem cell research',
        'Mesenchymal stem cells in immune thrombocytopenia',
        'Zebrafish models of thrombocytopenia',
      ],
    ],
    [
      'YEAR_ASC',
      [
        'Mesenchymal stem cells in immune thrombocytopenia',
        'A history of stem cell research',
        'Wildfire smoke and sleep disturbance',
        'Deep learning for citation graphs',
        'Zebrafish models of thrombocytopenia',
      ],
    ],
    [
      'TITLE',
      [
        'A history of stem cell research',
        'Deep learning for citation graphs',
        'Mesenchymal stem cells in immune thrombocytopenia',
        'Wildfire smoke and sleep disturbance',
        'Zebrafish models of thrombocytopenia',
      ],
    ],
    [
      'RECENTLY_ADDED',
      [
        'Zebrafish models of thrombocytopenia',
        'Deep learning for citation graphs',
        'A history of stem cell research',
        'Wildfire smoke and sleep disturbance',
        'Mesenchymal stem cells in immune thrombocytopenia',
      ],
    ],
  ])('pages forward and backward in %s order, across null years', async (order, expected) => {
    await withFixture(handle, TAG, async (tx) => {
      const q = `query($f: CitationFilter, $o: CitationOrder, $first: Int, $after: String, $last: Int, $before: String) {
        citations(filter: $f, orderBy: $o, first: $first, after: $after, last: $last, before: $before) {
          totalCount nodes { title } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }`;
      const seen: string[] = [];
      let after: string | null = null;
      for (let i = 0; i < 5; i++) {
        const r: any = await gql(yoga, tx, q, { f: { search: TAG }, o: order, first: 2, after });
        expect(r.errors).toBeUndefined();
        expect(r.data.citations.totalCount).toBe(5);
        seen.push(...titles(r.data));
        after = r.data.citations.pageInfo.endCursor;
        if (!r.data.citations.pageInfo.hasNextPage) break;
      }
      expect(seen).toEqual(expected);
      const back: string[] = [];
      let before: string | null = null;
      for (let i = 0; i < 5; i++) {
        const r: any = await gql(yoga, tx, q, { f: { search: TAG }, o: order, last: 2, before });
        back.unshift(...titles(r.data));
        before = r.data.citations.pageInfo.startCursor;
        if (!r.data.citations.pageInfo.hasPreviousPage) break;
      }
      expect(back).toEqual(expected);
    });
  });

  it('keeps cursors stable while new citations arrive', async () => {
    await withFixture(handle, TAG, async (tx) => {
      const q = `query($after: String) { citations(filter: { search: "${TAG}" }, orderBy: YEAR_DESC, first: 2, after: $after) {
        nodes { title } pageInfo { endCursor } } }`;
      const first: any = await gql(yoga, tx, q, {});
      const { ingestRis } = await import('../../src/ingest/ingest.ts');
      await ingestRis(
        tx,
        `TY  - JOUR\nTI  - A newer paper\nPY  - 2024\nAB  - ${TAG}\nER  - \n\nTY  - JOUR\nTI  - An older paper\nPY  - 2018\nAB  - ${TAG}\nER  - \n`,
      );
      const next: any = await gql(yoga, tx, q, { after: first.data.citations.pageInfo.endCursor });
      expect(titles(next.data)).toEqual(['A history of stem cell research', 'An older paper']);
    });
  });

  // Issue 6: every abuse limit rejects before execution with a message naming it, page size included.
  it('rejects an oversized page before running it, naming the limit', async () => {
    await withFixture(handle, TAG, async (tx) => {
      const r = await gql(
        yoga,
        tx,
        `{ citations(first: 500, filter: { search: "${TAG}" }) { nodes { id } } }`,
      );
      expect(r.data).toBeUndefined();
      expect(r.errors?.[0]?.message).toMatch(/maximum page size of 100 \(BIBGRAPH_MAX_PAGE_SIZE\)/);
    });
  });
});
