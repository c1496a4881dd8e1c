import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatabaseHandle } from '../../src/db/client.ts';
import { type BibgraphServer, createServer } from '../../src/server/server.ts';
import { databaseTargets, inRolledBackTransaction, openTestDatabase } from '../support/db.ts';
import { gql } from '../support/graphql.ts';
import { withFixture } from './fixture.ts';

const TAG = 'qfacets';

describe.each(databaseTargets)('facets and navigation on $name', ({ url }) => {
  let handle: DatabaseHandle;
  let yoga: BibgraphServer;
  beforeAll(async () => {
    handle = await openTestDatabase(url);
    yoga = createServer({ database: handle, maxIngestBytes: 1024 * 1024, maskErrors: false });
  });
  afterAll(async () => {
    await handle.close();
  });

  it('counts facets over the whole filtered set, not the page', async () => {
    await withFixture(handle, TAG, async (tx) => {
      const r = await gql(
        yoga,
        tx,
        `query($f: CitationFilter) { citations(filter: $f, first: 1) {
          totalCount nodes { title }
          facets {
            years { value label count } types { value label count } containerTitles(size: 2) { value count }
            keywords(size: 3) { label count } authors { label count } affiliations { label count }
            topAuthor: authors(size: 1) { label }
          } } }`,
        { f: { search: TAG } },
      );
      expect(r.errors).toBeUndefined();
      const c = r.data?.citations;
      expect(c.nodes).toHaveLength(1);
      expect(c.totalCount).toBe(5);
      expect(c.facets.years).toEqual([
        { value: '2017', label: '2017', count: 1 },
        { value: '2019', label: '2019', count: 1 },
        { value: '2020', label: '2020', count: 1 },
        { value: '2021', label: '2021', count: 1 },
      ]);
      expect(c.facets.types).toEqual([
        { value: 'JOUR', label: 'Journal article', count: 3 },
        { value: 'BOOK', label: 'Whole book', count: 1 },
        { value: 'CONF', label: 'Conference proceedings', count: 1 },
      ]);
      expect(c.facets.containerTitles).toEqual([
        { value: 'Journal of Ecology', count: 2 },
        { value: 'Experimental and Therapeutic Medicine', count: 1 },
      ]);
      expect(c.facets.keywords).toEqual([
        { label: 'immune thrombocytopenia', count: 2 },
        { label: 'mesenchymal stem cells', count: 2 },
        { label: 'deep learning', count: 1 },
      ]);
      expect(c.facets.authors).toEqual([
        { label: 'Käthe Müller', count: 3 },
        { label: 'John Smith', count: 2 },
        { label: 'Thi Mai Nguyen', count: 2 },
        { label: 'Xiaohua Wang', count: 2 },
      ]);
      expect(c.facets.topAuthor).toEqual([{ label: 'Käthe Müller' }]);
      expect(c.facets.affiliations.map((b: { count: number }) => b.count)).toEqual([2, 2]);

      // A bucket's value is what the filter takes.
      const author = await gql(
        yoga,
        tx,
        `query($f: CitationFilter) { citations(filter: $f) { facets { authors(size: 1) { value } } } }`,
        {
          f: { search: TAG },
        },
      );
      const narrowed = await gql(
        yoga,
        tx,
        `query($f: CitationFilter) { citations(filter: $f) { totalCount facets { years { value count } } } }`,
        {
          f: { search: TAG, authorIds: [author.data?.citations.facets.authors[0].value] },
        },
      );
      expect(narrowed.data?.citations.totalCount).toBe(3);
      expect(narrowed.data?.citations.facets.years).toEqual([
        { value: '2017', count: 1 },
        { value: '2020', count: 1 },
      ]);
    });
  });

  it('navigates from an author to citations, affiliations, co-authors and keywords', async () => {
    await withFixture(handle, TAG, async (tx) => {
      const r = await gql(
        yoga,
        tx,
        `{ authors(search: "kathe muller", first: 1) { nodes {
            name citationCount
            citations(orderBy: YEAR_ASC, filter: { search: "${TAG}" }) { totalCount nodes { year } facets { types { value count } } }
            affiliations { affiliation { name country } firstYear lastYear count }
            coauthors(first: 2) { author { name } count }
            keywords(first: 1) { keyword { term } count }
          } } }`,
      );
      expect(r.errors).toBeUndefined();
      const a = r.data?.authors.nodes[0];
      expect(a.name).toBe('Käthe Müller');
      expect(a.citationCount).toBe(3);
      expect(a.citations.totalCount).toBe(3);
      expect(a.citations.nodes.map((n: { year: number | null }) => n.year)).toEqual([2017, 2020, null]);
      expect(a.citations.facets.types).toEqual([{ value: 'JOUR', count: 3 }]);
      expect(a.affiliations[0]).toEqual({
        affiliation: {
          name: 'Department of Hematology, Charité Universitätsmedizin Berlin, Berlin, Germany',
          country: 'Germany',
        },
        firstYear: 2017,
        lastYear: 2017,
        count: 2,
      });
      // Equal counts fall back to author ID order, and ingestion inserts a batch's authors by name key.
      expect(a.coauthors).toEqual([
        { author: { name: 'Thi Mai Nguyen' }, count: 1 },
        { author: { name: 'John Smith' }, count: 1 },
      ]);
      expect(a.keywords).toEqual([{ keyword: { term: 'immune thrombocytopenia' }, count: 2 }]);
    });
  });

  // A chapter's editors are credited on it, but they did not write it with its authors.
  it('counts as co-authors only people credited as authors beside the author', async () => {
    await inRolledBackTransaction(handle, async (tx) => {
      const { ingestRis } = await import('../../src/ingest/ingest.ts');
      await ingestRis(
        tx,
        [
          'TY  - CHAP',
          'TI  - Coauthor roles chapter',
          'AU  - Quenby, Ada',
          'AU  - Ruskell, Bo',
          'A2  - Okafor, Chidi',
          'T2  - Coauthor roles handbook',
          'PY  - 2021',
          'ER  - ',
          '',
          'TY  - JOUR',
          'TI  - Coauthor roles article',
          'AU  - Okafor, Chidi',
          'AU  - Quenby, Ada',
          'PY  - 2022',
          'ER  - ',
          '',
        ].join('\n'),
      );
      const r = await gql(
        yoga,
        tx,
        `{ ada: authors(search: "quenby ada", first: 1) { nodes { name coauthors { author { name } count } } }
           chidi: authors(search: "okafor chidi", first: 1) { nodes { name coauthors { author { name } count } } } }`,
      );
      expect(r.errors).toBeUndefined();
      // Equal counts in author ID order: a batch's authors are inserted by name key (okafor first).
      expect(r.data?.ada.nodes[0].coauthors).toEqual([
        { author: { name: 'Chidi Okafor' }, count: 1 },
        { author: { name: 'Bo Ruskell' }, count: 1 },
      ]);
      expect(r.data?.chidi.nodes[0].coauthors).toEqual([{ author: { name: 'Ada Quenby' }, count: 1 }]);
    });
  });

  it('navigates from affiliations and keywords', async () => {
    await withFixture(handle, TAG, async (tx) => {
      const r = await gql(
        yoga,
        tx,
        `{ affiliations(search: "oxford evidence") { totalCount nodes {
            name country citationCount
            authors(orderBy: NAME) { totalCount nodes { name } }
            citations(filter: { search: "${TAG}" }) { totalCount }
          } }
          keyword(term: "Mesenchymal Stem Cells") { term citationCount related { keyword { term } count } citations { totalCount } } }`,
      );
      expect(r.errors).toBeUndefined();
      const oxford = r.data?.affiliations.nodes[0];
      expect(oxford).toMatchObject({
        country: 'United Kingdom',
        citationCount: 2,
        citations: { totalCount: 2 },
      });
      expect(oxford.authors.nodes.map((n: { name: string }) => n.name)).toEqual([
        'Käthe Müller',
        'Thi Mai Nguyen',
        'John Smith',
      ]);
      expect(r.data?.keyword).toEqual({
        term: 'mesenchymal stem cells',
        citationCount: 2,
        related: [{ keyword: { term: 'immune thrombocytopenia' }, count: 1 }],
        citations: { totalCount: 2 },
      });
    });
  });

  it('groups container titles the way the containerTitle filter matches them, ignoring case', async () => {
    await inRolledBackTransaction(handle, async (tx) => {
      const rec = (container: string, i: number) =>
        `TY  - JOUR\nTI  - Casefacet paper ${i}\nPY  - 2020\nT2  - ${container}\nER  - \n`;
      const ris = [rec('Journal of Tests', 1), rec('Journal of Tests', 2), rec('JOURNAL OF TESTS', 3)].join(
        '',
      );
      await gql(yoga, tx, 'mutation($ris: String!) { ingestRis(input: { ris: $ris }) { created } }', { ris });
      const r = await gql(
        yoga,
        tx,
        `{ citations(filter: { search: "casefacet" }) { facets { containerTitles { value count } } } }`,
      );
      expect(r.data?.citations.facets.containerTitles).toEqual([{ value: 'Journal of Tests', count: 3 }]);
      const filtered = await gql(
        yoga,
        tx,
        `{ citations(filter: { search: "casefacet", containerTitle: "Journal of Tests" }) { totalCount } }`,
      );
      expect(filtered.data?.citations.totalCount).toBe(3);
    });
  });
});
