import { describe, expect, it } from 'vitest';
import { generateRis } from '../../bench/lib/generate-ris.ts';
import { ingestRis } from '../../src/ingest/ingest.ts';
import { databaseTargets, inRolledBackTransaction } from '../support/db.ts';
import { gql } from '../support/graphql.ts';
import { useTestServer } from '../support/server.ts';
import { seed } from './fixture.ts';

/** The frontend's search page: citations with people, institutions and terms, plus the sidebar. */
const PAGE = `query Page($first: Int!, $f: CitationFilter, $after: String) {
  citations(first: $first, filter: $f, after: $after) {
    totalCount
    pageInfo { hasNextPage endCursor }
    nodes {
      id title year containerTitle doi
      authors { id name citationCount affiliations { affiliation { name } count } }
      affiliations { id name country }
      keywords { id term }
    }
    facets {
      years { value count } types { value label count } containerTitles { value count }
      keywords { value label count } authors { value label count } affiliations { value label count }
    }
  }
}`;

const AUTHOR_PAGE = `query AuthorPage($id: ID!) {
  author(id: $id) {
    name citationCount
    affiliations { affiliation { name country } firstYear lastYear count }
    coauthors(first: 5) { author { name } count }
    keywords(first: 5) { keyword { term } count }
    citations(first: 10, orderBy: YEAR_DESC) { totalCount nodes { title year keywords { term } } facets { years { value count } } }
  }
}`;

describe.each(databaseTargets)('statements per request on $name', ({ name, url }) => {
  // Statement counts are measured here, not the cost limit (a page of 100 with facets is over it).
  const server = useTestServer(
    url,
    {
      maxIngestBytes: 10 * 1024 * 1024,
      maskErrors: false,
      limits: { maxCost: 1_000_000 },
    },
    { logStatements: true },
  );
  const { statements } = server;

  /**
   * Statements as reviewers should read them: id lists vary with the data, their shape does not;
   * independent statements run concurrently, so they are sorted rather than kept in arrival order.
   */
  const shape = (list: string[]) =>
    `${[...list]
      .sort()
      .map((q) => q.replace(/in \(\$\d+(, \$\d+)*\)/g, 'in (…)'))
      .join(';\n\n')};\n`;

  async function measure(tx: Parameters<typeof gql>[1], query: string, variables: Record<string, unknown>) {
    statements.length = 0;
    const result = await gql(server.yoga, tx, query, variables);
    expect(result.errors).toBeUndefined();
    return { result, statements: [...statements] };
  }

  it('loads a page of 100 citations with nested data and facets in a constant number of statements', async () => {
    await inRolledBackTransaction(server.handle, async (tx) => {
      // A DOI prefix of its own (seed) keeps these rows apart from other files on a shared PostgreSQL.
      const report = await ingestRis(tx, generateRis(150, 4101));
      expect(report.created).toBe(150);
      // Records whose addresses follow each author, so Author.affiliations has rows to show.
      await seed(tx, `qstatements${name}`);
      const small = await measure(tx, PAGE, { first: 5 });
      const big = await measure(tx, PAGE, { first: 100 });
      expect(big.result.data?.citations.nodes).toHaveLength(100);
      expect(big.result.data?.citations.nodes[0].authors.length).toBeGreaterThan(0);
      expect(big.result.data?.citations.facets.authors.length).toBeGreaterThan(0);
      // The page with all nested lists and the total count, and every facet: two statements,
      // whatever the page size. (The affiliations Author.affiliations names arrive as JSON with
      // what they show, so they need no load of their own.)
      expect(big.statements).toHaveLength(2);
      expect(small.statements).toHaveLength(big.statements.length);
      const filtered = await measure(tx, PAGE, { first: 100, f: { search: 'patients', yearFrom: 2000 } });
      expect(filtered.statements.length).toBeLessThanOrEqual(2);

      await expect(shape(big.statements)).toMatchFileSnapshot('./__snapshots__/citations-page.sql');
      await expect(shape(filtered.statements)).toMatchFileSnapshot(
        './__snapshots__/citations-page-filtered.sql',
      );

      const authorId = big.result.data?.citations.nodes[0].authors[0].id;
      const author = await measure(tx, AUTHOR_PAGE, { id: authorId });
      // The author with every aggregate (the affiliation, co-author and keyword rows they name
      // arrive as JSON with what they show), the citation page with its count, and its facets.
      expect(author.statements).toHaveLength(3);
      await expect(shape(author.statements)).toMatchFileSnapshot('./__snapshots__/author-page.sql');
    });
  });

  // Read statements are named prepared statements, kept by PostgreSQL and postgres.js for the
  // connection's life (src/db/prepared.ts): a value written into the text (the cursor scope key
  // was) made one more for every search typed, ~125 KB each in the PostgreSQL backend.
  it('sends the same statement texts whatever is searched for, filtered on or paged from', async () => {
    await inRolledBackTransaction(server.handle, async (tx) => {
      await ingestRis(tx, generateRis(60, 4102));
      const texts = async (variables: Record<string, unknown>) =>
        [...new Set((await measure(tx, PAGE, variables)).statements)].sort();
      // Different values with the same rows (both spellings stem to "patient"; no citation is
      // from after 2029), so the same statements run.
      const first = await texts({ first: 10, f: { search: 'patients', yearTo: 2030 } });
      expect(await texts({ first: 10, f: { search: 'patient', yearTo: 2029 } })).toEqual(first);

      const page = async (f: Record<string, unknown>) => {
        const { result } = await measure(tx, PAGE, { first: 5, f });
        expect(result.data?.citations.pageInfo.hasNextPage).toBe(true);
        return texts({ first: 5, f: { ...f }, after: result.data?.citations.pageInfo.endCursor });
      };
      expect(await page({ yearTo: 2030 })).toEqual(await page({ yearTo: 2029 }));

      // A navigation connection's scope is its parent: one author's page is another's statement.
      const { result } = await measure(tx, PAGE, { first: 10 });
      const nodes = result.data?.citations.nodes as Array<{ authors: Array<{ id: string }> }>;
      const [one, other] = [...new Set(nodes.flatMap((n) => n.authors.map((a) => a.id)))];
      const authorTexts = async (id: string | undefined) =>
        [...new Set((await measure(tx, AUTHOR_PAGE, { id })).statements)].sort();
      // A document's first run is interpreted; its compiled runs write lists as text
      // (src/schema/text-lists.ts), another statement: compare compiled runs.
      await authorTexts(one);
      expect(await authorTexts(other)).toEqual(await authorTexts(one));
    });
  });
});
