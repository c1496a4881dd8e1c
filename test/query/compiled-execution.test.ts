import { getIntrospectionQuery } from 'graphql';
import { describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/client.ts';
import { createServer } from '../../src/server/server.ts';
import { databaseTargets } from '../support/db.ts';
import { gql } from '../support/graphql.ts';
import { useTestServer } from '../support/server.ts';
import { withFixture } from './fixture.ts';

/**
 * Queries run compiled (graphql-jit, the default) must answer exactly as Yoga's interpreter does:
 * the same data, the same errors with the same paths and codes, the same operation picked from a
 * document that holds several. Each request below goes to both executors over the same rows.
 */
const CASES: Array<{
  name: string;
  query: string;
  variables?: (ids: Ids) => Record<string, unknown>;
  operationName?: string;
}> = [
  {
    name: 'the canonical page',
    query: `query Page($first: Int!, $search: String) {
      citations(first: $first, filter: { search: $search }) {
        totalCount
        pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
        nodes {
          id title year containerTitle doi risType
          authors { id name citationCount affiliations { affiliation { name country } count } }
          affiliations { id name country }
          keywords { id term citationCount }
        }
      }
    }`,
    variables: (ids) => ({ first: 3, search: ids.tag }),
  },
  {
    // graphql-jit gives an input field whose variable was left out as null, where graphql-js leaves
    // it out: the cursor a page's first (interpreted) run made must page its next (compiled) run.
    name: 'a filter field whose variable is left out: the same cursors',
    query: `query Filtered($first: Int!, $search: String, $from: Int, $types: [String!]) {
      citations(first: $first, filter: { search: $search, yearFrom: $from, types: $types }) {
        pageInfo { startCursor endCursor }
        nodes { id }
      }
    }`,
    variables: (ids) => ({ first: 2, search: ids.tag }),
  },
  {
    name: 'a cursor made for another ordering: INVALID_CURSOR with its location',
    query: `query Other($after: String) { citations(first: 2, after: $after, orderBy: YEAR_DESC) { totalCount } }`,
    variables: (ids) => ({ after: ids.cursor }),
  },
  {
    name: 'a second page after a cursor, with facets',
    query: `query Next($after: String, $search: String) {
      citations(first: 2, after: $after, filter: { search: $search }) {
        edges { cursor node { title year } }
        facets { years { value count } types { value label count } keywords(size: 3) { value label count } authors { value label count } }
      }
    }`,
    variables: (ids) => ({ after: ids.cursor, search: ids.tag }),
  },
  {
    name: 'an author page',
    query: `query AuthorPage($id: ID!) {
      author(id: $id) {
        id name citationCount
        affiliations { affiliation { name country } firstYear lastYear count }
        organizations { organization { name } }
        coauthors(first: 5) { author { name } count }
        keywords(first: 5) { keyword { term } count }
        citations(first: 10, orderBy: YEAR_DESC) { totalCount nodes { title year keywords { term } } facets { years { value count } } }
      }
    }`,
    variables: (ids) => ({ id: ids.author }),
  },
  {
    name: 'fragments, aliases, __typename, @include and @skip',
    query: `query Shapes($id: ID!, $withYear: Boolean!, $noTitle: Boolean!) {
      one: node(id: $id) { __typename ...C }
      two: node(id: $id) { id ... on Citation { title @skip(if: $noTitle) year @include(if: $withYear) } }
      many: nodes(ids: [$id]) { __typename id }
    }
    fragment C on Citation { title authors { ...A } }
    fragment A on Author { __typename name }`,
    variables: (ids) => ({ id: ids.citation, withYear: true, noTitle: true }),
  },
  {
    name: 'the second operation of a document named by operationName',
    query: `query First { citations(first: 1) { totalCount } }
      query Second($id: ID!) { author(id: $id) { name } }`,
    operationName: 'Second',
    variables: (ids) => ({ id: ids.author }),
  },
  {
    name: 'a malformed ID: INVALID_ID on that field, the rest answered',
    query: `query Bad($id: ID!) { broken: citation(id: "nope") { title } fine: author(id: $id) { name } }`,
    variables: (ids) => ({ id: ids.author }),
  },
  {
    name: 'a variable of the wrong type',
    query: 'query Wrong($first: Int!) { citations(first: $first) { totalCount } }',
    variables: () => ({ first: 'ten' }),
  },
  {
    name: 'a bibliography: its entries reach Citation with only an ID, so the columns are loaded',
    query: `query Bib($id: ID!) {
      bibliography(ids: [$id]) { entries { formatted citation { id title year doi authors { name } } } }
    }`,
    variables: (ids) => ({ id: ids.citation }),
  },
  {
    name: "GraphiQL's introspection query",
    query: getIntrospectionQuery({ descriptions: true, directiveIsRepeatable: true }),
  },
  {
    name: 'typeahead and formatted citations',
    query: `query Mixed($search: String) {
      suggest(prefix: "mül", first: 5) { kind label count }
      citations(first: 2, filter: { search: $search }, orderBy: YEAR_DESC) { nodes { formatted(style: "apa") } }
    }`,
    variables: (ids) => ({ search: ids.tag }),
  },
];

interface Ids {
  tag: string;
  author: string;
  citation: string;
  cursor: string;
}

describe.each(databaseTargets)('compiled execution on $name', ({ name, url }) => {
  const server = useTestServer(url, { maskErrors: true });

  async function both(
    tx: Database,
    query: string,
    variables?: Record<string, unknown>,
    operationName?: string,
  ) {
    const interpreted = createServer({
      database: server.handle,
      maxIngestBytes: 1024 * 1024,
      jit: false,
      limits: { rateLimitIpBurst: 1_000_000, rateLimitPerIp: 100_000_000 },
    });
    const ask = async (yoga: typeof interpreted) => {
      const response = await yoga.fetch(
        'http://localhost/graphql',
        {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ query, variables, operationName }),
        },
        { db: tx, clientAddress: '127.0.0.1' },
      );
      return { status: response.status, body: await response.json() };
    };
    // The compiled server interprets an operation's first run and compiles it at the second.
    const first = await ask(server.yoga);
    const compiled = await ask(server.yoga);
    const answer = await ask(interpreted);
    expect(first).toEqual(answer);
    return { compiled, interpreted: answer };
  }

  it('answers every case as the interpreter does', async () => {
    const tag = `qjit${name}`;
    await withFixture(server.handle, tag, async (tx) => {
      const start = await gql(
        server.yoga,
        tx,
        `query { citations(first: 1, filter: { search: "${tag}" }) {
        edges { cursor node { id authors { id } } } } }`,
      );
      const edge = start.data?.citations.edges[0];
      const ids: Ids = { tag, author: edge.node.authors[0].id, citation: edge.node.id, cursor: edge.cursor };
      const before = server.yoga.compiledOperations();
      let executed = 0;
      for (const c of CASES) {
        const { compiled, interpreted } = await both(tx, c.query, c.variables?.(ids), c.operationName);
        expect(compiled, c.name).toEqual(interpreted);
        if ('data' in compiled.body) executed++;
      }
      // Every case that reached execution ran compiled (the ill-typed variable is refused before).
      expect(executed).toBe(CASES.length - 1);
      expect(server.yoga.compiledOperations() - before).toBe(executed);
    });
  });

  it('runs the operation operationName names, not the first one compiled', async () => {
    await withFixture(server.handle, `qjitop${name}`, async (tx) => {
      const doc = 'query A { citations(first: 1) { totalCount } } query B { __typename }';
      const ask = async (operationName: string) => {
        const response = await server.yoga.fetch(
          'http://localhost/graphql',
          {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ query: doc, operationName }),
          },
          { db: tx, clientAddress: '127.0.0.1' },
        );
        return (await response.json()) as { data: Record<string, unknown> };
      };
      const before = server.yoga.compiledOperations();
      for (let run = 0; run < 3; run++) {
        expect(Object.keys((await ask('A')).data)).toEqual(['citations']);
        expect((await ask('B')).data).toEqual({ __typename: 'Query' });
      }
      expect(server.yoga.compiledOperations() - before).toBe(2);
    });
  });

  it('leaves @defer to the interpreter, which delivers it incrementally', async () => {
    await withFixture(server.handle, `qjitdefer${name}`, async (tx) => {
      const before = server.yoga.compiledOperations();
      for (let run = 0; run < 2; run++) {
        const response = await server.yoga.fetch(
          'http://localhost/graphql',
          {
            method: 'POST',
            headers: { 'content-type': 'application/json', accept: 'multipart/mixed' },
            body: JSON.stringify({
              query: 'query { citations(first: 1) { totalCount ... @defer { nodes { title } } } }',
            }),
          },
          { db: tx, clientAddress: '127.0.0.1' },
        );
        expect(response.headers.get('content-type')).toContain('multipart/mixed');
        expect(await response.text()).toContain('"hasNext":false');
      }
      expect(server.yoga.compiledOperations()).toBe(before);
    });
  });
});
