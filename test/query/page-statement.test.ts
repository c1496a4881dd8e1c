import { type SQL, sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { generateRis } from '../../bench/lib/generate-ris.ts';
import { type Database, rowsOf } from '../../src/db/client.ts';
import { citations } from '../../src/db/schema.ts';
import { ingestRis } from '../../src/ingest/ingest.ts';
import type { CitationFilter } from '../../src/query/citation-filter.ts';
import { citationFiltersSql } from '../../src/query/facets.ts';
import { searchQuerySql } from '../../src/query/search.ts';
import { databaseTargets, inRolledBackTransaction } from '../support/db.ts';
import { gql } from '../support/graphql.ts';
import { useTestServer } from '../support/server.ts';

const gid = (type: string, id: number) => Buffer.from(`${type}:${id}`).toString('base64');
const rowId = (id: string) => Number(Buffer.from(id, 'base64').toString().split(':')[1]);

/** Records the orderings must place at their edges: no year, no title, an accented title. */
const EDGES = [
  'TY  - JOUR\nTI  - Zebra cells without a year\nAU  - Ordering, Olga\nKW  - edge cases\nER  - \n',
  'TY  - JOUR\nAU  - Untitled, Ulla\nPY  - 2001\nKW  - edge cases\nER  - \n',
  'TY  - BOOK\nTI  - Émile and the cells of Ångström\nAU  - Ordering, Olga\nAD  - Faculty of Medicine, University of Tokyo, Tokyo, Japan\nPY  - 2010\nER  - \n',
];

/** The orderings as the API documents them, written out independently of src/query/ordering.ts. */
const ORDER_SQL: Record<string, (search: string | null) => SQL> = {
  RECENTLY_ADDED: () => sql`c.id desc`,
  YEAR_DESC: () => sql`coalesce(c.year, 0) desc, c.id desc`,
  YEAR_ASC: () => sql`coalesce(c.year, 32767) asc, c.id asc`,
  TITLE: () => sql`(c.title is null) asc, lower(unaccent(coalesce(c.title, ''))) collate "C" asc, c.id asc`,
  RELEVANCE: (search) =>
    sql`(coalesce(ts_rank(c.search_vector, ${searchQuerySql(search ?? '')}, 32), 0) * 100000000)::int desc, c.id desc`,
};

interface Node {
  id: string;
  title: string | null;
  year: number | null;
  authors: Array<{ id: string; name: string }>;
  affiliations: Array<{ id: string; name: string }>;
  keywords: Array<{ id: string; term: string }>;
}

const NODE = 'id title year authors { id name } affiliations { id name } keywords { id term }';

/**
 * The page of a connection is one statement (keys, nested lists and total together); these tests
 * hold it to what the API promises — the same rows, order, nested lists, totals and cursors as an
 * independent reading of the tables — across filters, orderings, parent scopes and both paging
 * directions.
 */
describe.each(databaseTargets)('a connection page in one statement on $name', ({ url }) => {
  // Paging through every case sends a few hundred requests from one address.
  const server = useTestServer(
    url,
    {
      maxIngestBytes: 10 * 1024 * 1024,
      maskErrors: false,
      limits: { rateLimitIpBurst: 100_000 },
    },
    { logStatements: true },
  );
  const { statements } = server;

  /** What the page must hold, read straight from the tables. */
  async function expected(tx: Database, filters: CitationFilter[], order: string, search: string | null) {
    const where = citationFiltersSql(filters, citations);
    const rows = rowsOf<{ id: number; title: string | null; year: number | null; nested: string | object }>(
      await tx.execute(sql`
        select c.id, c.title, c.year, json_build_object(
          'authors', coalesce((select json_agg(json_build_object('id', a.id, 'name', a.name) order by o.position)
            from contributions o join authors a on a.id = o.author_id
            where o.citation_id = c.id and o.role = 'author'), '[]'),
          'affiliations', coalesce((select json_agg(json_build_object('id', f.id, 'name', f.name) order by l.position)
            from citation_affiliations l join affiliations f on f.id = l.affiliation_id where l.citation_id = c.id), '[]'),
          'keywords', coalesce((select json_agg(json_build_object('id', k.id, 'term', k.term) order by l.position)
            from citation_keywords l join keywords k on k.id = l.keyword_id where l.citation_id = c.id), '[]')
        ) as nested
        from ${citations} c where ${where ? sql`c.id in (select ${citations.id} from ${citations} where ${where})` : sql`true`}
        order by ${(ORDER_SQL[order] as (s: string | null) => SQL)(search)}`),
    );
    return rows.map((row): Node => {
      const nested = (typeof row.nested === 'string' ? JSON.parse(row.nested) : row.nested) as {
        authors: Array<{ id: number; name: string }>;
        affiliations: Array<{ id: number; name: string }>;
        keywords: Array<{ id: number; term: string }>;
      };
      return {
        id: gid('Citation', row.id),
        title: row.title,
        year: row.year,
        authors: nested.authors.map((a) => ({ id: gid('Author', a.id), name: a.name })),
        affiliations: nested.affiliations.map((f) => ({ id: gid('Affiliation', f.id), name: f.name })),
        keywords: nested.keywords.map((k) => ({ id: gid('Keyword', k.id), term: k.term })),
      };
    });
  }

  interface Field {
    path: string;
    wrap: (inner: string) => string;
    variables: Record<string, unknown>;
    // biome-ignore lint/suspicious/noExplicitAny: each case reads the connection its query selected
    pick: (data: any) => Page;
    statements: number;
  }

  type Page = {
    totalCount: number;
    pageInfo: {
      hasNextPage: boolean;
      hasPreviousPage: boolean;
      startCursor: string | null;
      endCursor: string | null;
    };
    nodes: Node[];
  };

  /** Every page forward, then every page backward; each must be one statement with its total. */
  async function walk(tx: Database, field: Field, args: { filter?: object; orderBy: string }, size: number) {
    const connection = `${field.path}(first: $first, last: $last, after: $after, before: $before, filter: $filter, orderBy: ${args.orderBy}) {
      totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor } nodes { ${NODE} } }`;
    const query = `query($first: Int, $last: Int, $after: String, $before: String, $filter: CitationFilter${Object.keys(
      field.variables,
    )
      .map((v) => `, $${v}: ID!`)
      .join('')}) { ${field.wrap(connection)} }`;
    const page = async (variables: Record<string, unknown>): Promise<Page> => {
      statements.length = 0;
      const r = await gql(server.yoga, tx, query, { filter: args.filter, ...field.variables, ...variables });
      expect(r.errors).toBeUndefined();
      // The page, its nested lists and its total are one statement (after the parent's own).
      expect(statements).toHaveLength(field.statements);
      return field.pick(r.data);
    };
    const forward: Node[] = [];
    const totals = new Set<number>();
    let after: string | null = null;
    for (let i = 0; i < 100; i++) {
      const p = await page({ first: size, after });
      totals.add(p.totalCount);
      forward.push(...p.nodes);
      if (!p.pageInfo.hasNextPage) break;
      after = p.pageInfo.endCursor;
    }
    const backward: Node[] = [];
    let before: string | null = null;
    for (let i = 0; i < 100; i++) {
      const p = await page({ last: size, before });
      totals.add(p.totalCount);
      backward.unshift(...p.nodes);
      if (!p.pageInfo.hasPreviousPage) break;
      before = p.pageInfo.startCursor;
    }
    return { forward, backward, totals: [...totals] };
  }

  it('returns the rows, order, nested lists and totals the tables hold, in every ordering and filter, both ways', async () => {
    await inRolledBackTransaction(server.handle, async (tx) => {
      const report = await ingestRis(tx, `${generateRis(40, 4303)}\n${EDGES.join('\n')}`);
      expect(report.created).toBe(43);
      const author = rowsOf<{ id: number }>(
        await tx.execute(sql`select id from authors where name = 'Olga Ordering'`),
      )[0]?.id as number;
      const keyword = rowsOf<{ id: number }>(
        await tx.execute(sql`select id from keywords where term = 'public health'`),
      )[0]?.id as number;
      expect(author).toBeGreaterThan(0);
      expect(keyword).toBeGreaterThan(0);

      const root: Field = {
        path: 'citations',
        wrap: (inner) => inner,
        variables: {},
        pick: (d) => d.citations,
        statements: 1,
      };
      const cases: Array<{
        name: string;
        field: Field;
        orderBy: string;
        filter?: Record<string, unknown>;
        filters: CitationFilter[];
        search?: string;
      }> = [
        ...['RECENTLY_ADDED', 'YEAR_DESC', 'YEAR_ASC', 'TITLE'].map((orderBy) => ({
          name: `all, ${orderBy}`,
          field: root,
          orderBy,
          filters: [{}],
        })),
        {
          name: 'search, RELEVANCE',
          field: root,
          orderBy: 'RELEVANCE',
          filter: { search: 'cells' },
          filters: [{ search: 'cells' }],
          search: 'cells',
        },
        {
          name: 'years and types, YEAR_ASC',
          field: root,
          orderBy: 'YEAR_ASC',
          filter: { yearFrom: 2000, yearTo: 2015, types: ['JOUR', 'BOOK'] },
          filters: [{ yearFrom: 2000, yearTo: 2015, types: ['JOUR', 'BOOK'] }],
        },
        {
          name: 'keyword filter, TITLE',
          field: root,
          orderBy: 'TITLE',
          filter: { keywordIds: [gid('Keyword', keyword)] },
          filters: [{ keywordIds: [keyword] }],
        },
        {
          name: "an author's citations, TITLE",
          field: {
            path: 'citations',
            wrap: (inner: string) => `author(id: $author) { ${inner} }`,
            variables: { author: gid('Author', author) },
            pick: (d) => d.author.citations,
            statements: 2,
          },
          orderBy: 'TITLE',
          filters: [{}, { authorIds: [author] }],
        },
        {
          name: "a keyword's citations with a search, RELEVANCE",
          field: {
            path: 'citations',
            wrap: (inner: string) => `keyword(id: $keyword) { ${inner} }`,
            variables: { keyword: gid('Keyword', keyword) },
            pick: (d) => d.keyword.citations,
            statements: 2,
          },
          orderBy: 'RELEVANCE',
          filter: { search: 'patients' },
          filters: [{ search: 'patients' }, { keywordIds: [keyword] }],
          search: 'patients',
        },
      ];
      for (const c of cases) {
        const want = await expected(tx, c.filters, c.orderBy, c.search ?? null);
        expect(want.length, c.name).toBeGreaterThan(1);
        const got = await walk(tx, c.field, { filter: c.filter, orderBy: c.orderBy }, 4);
        expect(got.forward, `${c.name}, forward`).toEqual(want);
        expect(got.backward, `${c.name}, backward`).toEqual(want);
        expect(got.totals, c.name).toEqual([want.length]);
      }
      // The edge records sit where the orderings promise: undated last by year, untitled last by title.
      const byTitle = await expected(tx, [{}], 'TITLE', null);
      expect(byTitle.at(-1)?.title).toBeNull();
      const byYear = await expected(tx, [{}], 'YEAR_ASC', null);
      expect(byYear.at(-1)?.year).toBeNull();
      expect(rowId(byYear.at(-1)?.id ?? '')).toBeGreaterThan(0);
    });
  });

  it('answers the total alone, and past the last page, with the filtered count', async () => {
    await inRolledBackTransaction(server.handle, async (tx) => {
      await ingestRis(tx, generateRis(12, 4304));
      const total = async (filter: object) => {
        statements.length = 0;
        const r = await gql(
          server.yoga,
          tx,
          'query($f: CitationFilter) { citations(filter: $f) { totalCount } }',
          {
            f: filter,
          },
        );
        expect(r.errors).toBeUndefined();
        // No page is fetched for a total alone.
        expect(statements).toHaveLength(1);
        expect(statements[0]).toMatch(/^select \((select count\(\*\)|case when )/);
        return r.data?.citations.totalCount as number;
      };
      const all = await total({});
      expect(all).toBeGreaterThanOrEqual(12);
      const recent = await total({ yearFrom: 2010 });
      const first = await gql(
        server.yoga,
        tx,
        '{ citations(first: 100, filter: { yearFrom: 2010 }) { totalCount pageInfo { endCursor } nodes { id } } }',
      );
      expect(first.data?.citations.totalCount).toBe(recent);
      expect(first.data?.citations.nodes).toHaveLength(recent);
      // Past the end: no row to carry the total, so it is counted on its own.
      statements.length = 0;
      const past = await gql(
        server.yoga,
        tx,
        'query($after: String) { citations(first: 5, after: $after, filter: { yearFrom: 2010 }) { totalCount nodes { id } } }',
        { after: first.data?.citations.pageInfo.endCursor },
      );
      expect(past.errors).toBeUndefined();
      expect(past.data?.citations).toEqual({ totalCount: recent, nodes: [] });
      expect(statements).toHaveLength(2);
    });
  });
});
