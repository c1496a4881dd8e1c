import { describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/client.ts';
import { ingestRis } from '../../src/ingest/ingest.ts';
import { ListText, stringifyResult } from '../../src/schema/text-lists.ts';
import { createServer } from '../../src/server/server.ts';
import { databaseTargets, inRolledBackTransaction } from '../support/db.ts';
import { useTestServer } from '../support/server.ts';

/**
 * A citation's authors, affiliations and keywords written by PostgreSQL as the answer's own text
 * (src/schema/text-lists.ts) must give, byte for byte, the answer the interpreter builds from
 * objects: every escape, null, alias, fragment and ID alike, and rows that reach the lists by
 * another field than a connection.
 */

// Strings JSON must escape, and some it need not: quotes, a backslash, a tab, a control
// character, non-Latin letters, an emoji, and markup.
const TRICKY_AUTHOR = 'O\'Brien, "Quoted" \\ Back\tslash';
const TRICKY_KEYWORD = 'mu\u0001ltiple "quotes" — 漢字 🧪 </script>';

function ris(tag: string): string {
  return [
    'TY  - JOUR',
    `TI  - Escapes in lists ${tag}`,
    `AU  - ${TRICKY_AUTHOR}`,
    'AD  - Department of Hematology, Charité Universitätsmedizin Berlin, Berlin, Germany',
    'AU  - Wang, Xiaohua',
    'AD  - 1 Unknown Street, Nowhere',
    'PY  - 2019',
    `KW  - ${TRICKY_KEYWORD}`,
    'KW  - plain term',
    `AB  - ${tag}`,
    'ER  - ',
    '',
    'TY  - BOOK',
    `TI  - A second record ${tag}`,
    'AU  - Wang, Xiaohua',
    'PY  - 2020',
    `AB  - ${tag}`,
    'ER  - ',
    '',
    'TY  - JOUR',
    `TI  - No authors at all ${tag}`,
    `AB  - ${tag}`,
    'ER  - ',
    '',
  ].join('\n');
}

const CASES: Array<{ name: string; query: string; textStatement: boolean }> = [
  {
    name: 'the canonical page',
    query: `query Page($tag: String) {
      citations(first: 10, filter: { search: $tag }) {
        totalCount
        nodes { id title authors { id name } affiliations { id name country } keywords { id term } }
      }
    }`,
    textStatement: true,
  },
  {
    name: 'aliases, __typename, a list asked twice, edges and nodes',
    query: `query Shapes($tag: String) {
      citations(first: 10, filter: { search: $tag }) {
        edges { cursor node { a: authors { __typename id } } }
        nodes { a: authors { name } b: authors { n: name i: id name } k: keywords { term id __typename } }
      }
    }`,
    textStatement: true,
  },
  {
    name: 'fragments on Citation and Node, merged with fields beside them',
    query: `query Fragments($tag: String) {
      citations(first: 10, filter: { search: $tag }) {
        nodes { ...Lists authors { id } ... on Node { ... on Citation { keywords { term } } } }
      }
    }
    fragment Lists on Citation { authors { name } affiliations { country } }`,
    textStatement: true,
  },
  {
    name: 'an author page: the lists of its citations connection',
    query: `query AuthorPage($tag: String) {
      authors(first: 1, search: "Xiaohua") {
        nodes { name citations(first: 10, filter: { search: $tag }) { nodes { title authors { id name } } } }
      }
    }`,
    textStatement: true,
  },
  {
    name: 'rows that reach the lists by another field: written from the loaded rows',
    query: `query Mixed($tag: String, $id: ID!) {
      citations(first: 10, filter: { search: $tag }) { nodes { id authors { id name } } }
      one: citation(id: $id) { authors { id name } keywords { term } }
    }`,
    textStatement: true,
  },
  {
    // Found by an outside fuzz: the skipped `nodes` still added its `id` to the text the other
    // `nodes` answered with.
    name: 'a skipped or excluded nodes, edges or node: its lists add nothing',
    query: `query Skipped($tag: String, $skip: Boolean = true, $with: Boolean = false) {
      citations(first: 10, filter: { search: $tag }) {
        nodes { authors { name } }
        nodes @skip(if: $skip) { authors { id } }
        edges { node { keywords { term } } }
        edges { node @include(if: $with) { keywords { id } } }
      }
    }`,
    textStatement: false,
  },
  {
    // Found by an outside fuzz: the citation's one JSON list held the first field's columns only,
    // and the second was written with nulls (even for a non-null Boolean).
    name: 'a list asked twice under a citation reached by ID, directly and through a fragment',
    query: `query Twice($id: ID!) {
      citation(id: $id) { authors { name } authors { given } ...More }
      again: node(id: $id) { ... on Citation { a: affiliations { country } affiliations { name emailsRemoved } } }
      proto: citation(id: $id) { authors { __proto__: name x: family } }
    }
    fragment More on Citation { authors { id family } keywords { term } }`,
    textStatement: true,
  },
  {
    name: 'a list asked for more than columns: answered from objects everywhere in the document',
    query: `query Deep($tag: String) {
      citations(first: 10, filter: { search: $tag }) {
        nodes { authors { id name citationCount } keywords { term } }
      }
    }`,
    textStatement: true,
  },
  {
    name: 'a directive inside a list: answered from objects',
    query: `query Directive($tag: String, $withName: Boolean = true) {
      citations(first: 10, filter: { search: $tag }) { nodes { authors { id name @include(if: $withName) } } }
    }`,
    textStatement: false,
  },
];

describe.each(databaseTargets)('lists written as answer text on $name', ({ name, url }) => {
  const server = useTestServer(url, {}, { logStatements: true });

  async function ask(
    yoga: ReturnType<typeof createServer>,
    tx: Database,
    query: string,
    variables: Record<string, unknown>,
  ) {
    const response = await yoga.fetch(
      'http://localhost/graphql',
      {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query, variables }),
      },
      { db: tx, clientAddress: '127.0.0.1' },
    );
    return response.text();
  }

  it('answers byte for byte as the interpreter does', async () => {
    const tag = `textlists${name}`;
    await inRolledBackTransaction(server.handle, async (tx) => {
      const report = await ingestRis(tx, ris(tag), { source: 'text lists' });
      expect(report.created).toBe(3);
      const interpreter = createServer({
        database: server.handle,
        maxIngestBytes: 1024,
        jit: false,
        limits: { rateLimitIpBurst: 1_000_000, rateLimitPerIp: 100_000_000 },
      });
      const first = JSON.parse(await ask(server.yoga, tx, CASES[0]?.query as string, { tag }));
      // The citation with two authors, two affiliations and two keywords.
      const id = first.data.citations.nodes.find((n: { title: string }) => n.title.startsWith('Escapes')).id;
      for (const c of CASES) {
        const variables = c.query.includes('$id') ? { tag, id } : { tag };
        const expected = await ask(interpreter, tx, c.query, variables);
        expect(expected, c.name).not.toContain('"errors"');
        // The compiled server interprets an operation's first run and compiles it at the second.
        await ask(server.yoga, tx, c.query, variables);
        server.statements.length = 0;
        const compiled = await ask(server.yoga, tx, c.query, variables);
        expect(compiled, c.name).toBe(expected);
        const wroteText = server.statements.some((s) => s.includes('string_agg'));
        expect(wroteText, c.name).toBe(c.textStatement);
      }
      // The strings that need escapes made the trip.
      const page = await ask(server.yoga, tx, CASES[0]?.query as string, { tag });
      expect(page).toContain('🧪 </script>');
      expect(page).toContain('"name":"\\"Quoted\\" \\\\ Back slash O\'Brien"');
      expect(page).toContain('"term":"mu\\u0001ltiple \\"quotes\\" — 漢字 🧪 </script>"');
    });
  });

  it('an answer with lists as text, kept by the response cache, is served as the same text', async () => {
    const tag = `textcache${name}`;
    const cached = createServer({
      database: server.handle,
      maxIngestBytes: 1024,
      cacheTtlSeconds: 60,
      limits: { rateLimitIpBurst: 1_000_000, rateLimitPerIp: 100_000_000 },
    });
    const query = `query Page($tag: String, $first: Int) {
      citations(first: $first, filter: { search: $tag }) { nodes { id authors { id name } keywords { term } } }
    }`;
    await inRolledBackTransaction(server.handle, async (tx) => {
      await ingestRis(tx, ris(tag), { source: 'text lists' });
      // Another page size each time until the operation runs compiled, so no answer comes from the cache.
      await ask(cached, tx, query, { tag, first: 10 });
      server.statements.length = 0;
      const fresh = await ask(cached, tx, query, { tag, first: 9 });
      expect(server.statements.some((s) => s.includes('string_agg'))).toBe(true);
      server.statements.length = 0;
      const again = await ask(cached, tx, query, { tag, first: 9 });
      expect(server.statements).toEqual([]);
      expect(again).toBe(fresh);
    });
  });
});

describe('stringifyResult', () => {
  it('writes each list text in its place, and JSON.stringify reads it as the list', () => {
    const result = { data: { a: [{ x: new ListText('[{"k":"v\\"w"}]') }, new ListText('[]')], b: '\u0000' } };
    expect(stringifyResult(result)).toBe('{"data":{"a":[{"x":[{"k":"v\\"w"}]},[]],"b":"\\u0000"}}');
    expect(JSON.stringify(result)).toBe(stringifyResult(result));
  });
});
