import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatabaseHandle } from '../../src/db/client.ts';
import { ERROR_CODES } from '../../src/error-codes.ts';
import { ingestRis } from '../../src/ingest/ingest.ts';
import { schema } from '../../src/schema/index.ts';
import { type BibgraphServer, createServer } from '../../src/server/server.ts';
import { databaseTargets, inRolledBackTransaction, openTestDatabase } from '../support/db.ts';
import { gql } from '../support/graphql.ts';

const gid = (type: string, id: number | string) => Buffer.from(`${type}:${id}`).toString('base64');

describe.each(databaseTargets)('error contract on $name', ({ url }) => {
  let handle: DatabaseHandle;
  let yoga: BibgraphServer;
  beforeAll(async () => {
    handle = await openTestDatabase(url);
    yoga = createServer({
      database: handle,
      maxIngestBytes: 1024 * 1024,
      limits: { maxDepth: 6, maxAliases: 3 },
    });
  });
  afterAll(async () => {
    await handle.close();
  });

  async function run(query: string, variables?: Record<string, unknown>) {
    return inRolledBackTransaction(handle, async (tx) => {
      await gql(yoga, tx, 'mutation($ris: String!) { ingestRis(input: { ris: $ris }) { created } }', {
        ris: 'TY  - JOUR\nTI  - Errors have codes\nAU  - Coder, Cora\nKW  - contracts\nPY  - 2021\nER  - \n',
      });
      return gql(yoga, tx, query, variables);
    });
  }

  it.each([
    ['citation', 'Citation', 'Author'],
    ['author', 'Author', 'Keyword'],
    ['keyword', 'Keyword', 'Citation'],
    ['affiliation', 'Affiliation', 'Citation'],
  ])(
    '%s(id:) treats a malformed ID and an ID of another kind alike: INVALID_ID on that field only',
    async (field, _own, other) => {
      for (const id of ['not-an-id', gid(other, 1)]) {
        const result = await run(`query($id: ID!) { ${field}(id: $id) { id } locales }`, { id });
        expect(result.data?.[field]).toBeNull();
        expect(result.data?.locales.length).toBeGreaterThan(0);
        expect(result.errors).toHaveLength(1);
        expect(result.errors?.[0]?.extensions?.code).toBe('INVALID_ID');
        expect(result.errors?.[0]?.extensions?.argument).toBe('id');
        expect(result.errors?.[0]?.path).toEqual([field]);
      }
    },
  );

  it('a bad ID in a filter names its position and fails only that connection', async () => {
    const result = await run(
      `query($ids: [ID!]) { citations(filter: { authorIds: $ids }) { totalCount } locales }`,
      { ids: [gid('Author', 1), gid('Keyword', 1)] },
    );
    expect(result.data?.citations).toBeNull();
    expect(result.data?.locales.length).toBeGreaterThan(0);
    expect(result.errors?.[0]?.extensions).toMatchObject({
      code: 'INVALID_ID',
      argument: 'filter.authorIds[1]',
    });
  });

  it('node and nodes refuse malformed IDs with INVALID_ID and keep null for unknown ones', async () => {
    const bad = await run('{ node(id: "zzz") { id } locales }');
    expect(bad.data?.node).toBeNull();
    expect(bad.errors?.[0]?.extensions?.code).toBe('INVALID_ID');
    const unknown = await run(`{ node(id: "${gid('Citation', 999999)}") { id } }`);
    expect(unknown.errors).toBeUndefined();
    expect(unknown.data?.node).toBeNull();
  });

  it.each([
    [
      'a malformed cursor',
      '{ citations(first: 1, after: "zzz") { nodes { title } } locales }',
      'INVALID_CURSOR',
    ],
    ['a negative first', '{ citations(first: -1) { nodes { title } } locales }', 'BAD_USER_INPUT'],
    ['first with last', '{ citations(first: 1, last: 1) { nodes { title } } locales }', 'BAD_USER_INPUT'],
    [
      'a negative first with totalCount alone',
      '{ citations(first: -1) { totalCount } locales }',
      'BAD_USER_INPUT',
    ],
    [
      'a malformed cursor with totalCount alone',
      '{ citations(after: "zzz") { totalCount } locales }',
      'INVALID_CURSOR',
    ],
  ])('%s fails the connection, not the response', async (_name, query, code) => {
    const result = await run(query);
    expect(result.data?.citations).toBeNull();
    expect(result.data?.locales.length).toBeGreaterThan(0);
    expect(result.errors?.[0]?.extensions?.code).toBe(code);
  });

  it('a cursor carried to another ordering or filter is INVALID_CURSOR; on its own query it pages on', async () => {
    const result = await inRolledBackTransaction(handle, async (tx) => {
      const ris = Array.from(
        { length: 3 },
        (_, i) => `TY  - JOUR\nTI  - Paged ${i}\nPY  - ${2000 + i}\nER  - \n`,
      ).join('');
      await gql(yoga, tx, 'mutation($ris: String!) { ingestRis(input: { ris: $ris }) { created } }', { ris });
      const page =
        'query($o: CitationOrder, $f: CitationFilter, $a: String) { citations(first: 1, orderBy: $o, filter: $f, after: $a) { nodes { title } pageInfo { endCursor } } locales }';
      const first = await gql(yoga, tx, page, { o: 'YEAR_DESC', f: { search: 'paged' } });
      const cursor = first.data?.citations.pageInfo.endCursor;
      return {
        next: await gql(yoga, tx, page, { o: 'YEAR_DESC', f: { search: 'paged' }, a: cursor }),
        otherOrder: await gql(yoga, tx, page, { o: 'TITLE', f: { search: 'paged' }, a: cursor }),
        otherFilter: await gql(yoga, tx, page, {
          o: 'YEAR_DESC',
          f: { search: 'paged', yearFrom: 2001 },
          a: cursor,
        }),
      };
    });
    expect(result.next.errors).toBeUndefined();
    expect(result.next.data?.citations.nodes).toEqual([{ title: 'Paged 1' }]);
    for (const refused of [result.otherOrder, result.otherFilter]) {
      expect(refused.data?.citations).toBeNull();
      expect(refused.data?.locales.length).toBeGreaterThan(0);
      expect(refused.errors?.[0]?.extensions).toMatchObject({ code: 'INVALID_CURSOR', argument: 'after' });
    }
  });

  // A cursor is base64 of `DC:` and its values (`N:1`, `S:text`, or `T:[…]` of several, scope
  // key first on citations). Altered values reached PostgreSQL as comparisons it refuses.
  it.each([
    ['citations', 'orderBy: YEAR_DESC'],
    ['citations', 'orderBy: TITLE'],
    ['citations', 'orderBy: RECENTLY_ADDED'],
    ['authors', 'orderBy: NAME'],
    ['authors', 'orderBy: CITATION_COUNT'],
    ['authors', 'search: "alterson"'],
    ['keywords', 'orderBy: CITATION_COUNT'],
    ['affiliations', 'orderBy: NAME'],
    ['organizations', 'orderBy: NAME'],
    ['ingestions', ''],
  ])(
    'a cursor of %s (%s) with an altered position is INVALID_CURSOR, not an internal error',
    async (field, order) => {
      const results = await inRolledBackTransaction(handle, async (tx) => {
        await ingestRis(
          tx,
          'TY  - JOUR\nTI  - Altered\nAU  - Alterson, A.\nKW  - alpha\nAD  - University of Oslo, Oslo, Norway\nPY  - 2001\nER  - \n' +
            'TY  - JOUR\nTI  - Other\nAU  - Alterson, B.\nKW  - beta\nAD  - Lund University, Lund, Sweden\nPY  - 2002\nER  - \n',
          { source: 'altered-cursors' },
        );
        const page = `query($a: String) { ${field}(first: 1, ${order}, after: $a) { nodes { __typename } pageInfo { endCursor } } locales }`;
        // From an address of its own: the other tests' requests count against loopback's rate.
        const ask = (a?: string) =>
          gql(yoga, tx, page, { a }, {}, `192.0.2.${10 + field.length + order.length}`);
        const first = await ask();
        expect(first.errors).toBeUndefined();
        const decoded = Buffer.from(first.data?.[field].pageInfo.endCursor, 'base64').toString();
        const position: string[] = decoded.startsWith('DC:T:')
          ? JSON.parse(decoded.slice(5))
          : [decoded.slice(3)];
        const out = [];
        // Each value swapped for the other kind, a fraction or an out-of-range integer for an
        // integer, a NUL in text, an object.
        for (const i of position.keys()) {
          if (field === 'citations' && i === 0) continue; // the scope key, checked on its own
          const swaps = position[i]?.startsWith('N:')
            ? ['S:zz', 'N:1.5', 'N:99999999999']
            : ['N:7', 'S:a\u0000b'];
          for (const value of [...swaps, 'J:{"a":1}']) {
            const altered = position.map((v, j) => (j === i ? value : v));
            const cursor = `DC:${altered.length > 1 ? `T:${JSON.stringify(altered)}` : value}`;
            out.push({ value, result: await ask(Buffer.from(cursor).toString('base64')) });
          }
        }
        return out;
      });
      expect(results.length).toBeGreaterThanOrEqual(3);
      for (const { result, value } of results) {
        expect(result.data?.[field], value).toBeNull();
        expect(result.data?.locales.length).toBeGreaterThan(0);
        expect(result.errors?.[0]?.extensions, value).toMatchObject({
          code: 'INVALID_CURSOR',
          argument: 'after',
        });
      }
    },
  );

  it('a wrongly typed variable is BAD_USER_INPUT naming the variable', async () => {
    const result = await run('query($n: Int) { citations(first: $n) { totalCount } }', { n: 'ten' });
    expect(result.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', variable: 'n' });
  });

  it.each([
    ['{ citations( }', 'GRAPHQL_PARSE_FAILED'],
    ['{ nope }', 'GRAPHQL_VALIDATION_FAILED'],
    ['{ citations { nodes { authors { citations { nodes { authors { id } } } } } } }', 'DEPTH_LIMIT'],
    ['{ a: locales b: locales c: locales d: locales }', 'ALIAS_LIMIT'],
    [`{ ${'locales '.repeat(2100)}}`, 'TOKEN_LIMIT'],
  ])('document errors carry their code: %s', async (query, code) => {
    const result = await run(query);
    expect(result.errors?.[0]?.extensions?.code).toBe(code);
    // A document over a limit is well formed: its message names the limit, not a syntax error.
    if (code.endsWith('_LIMIT'))
      expect(result.errors?.[0]?.message).toMatch(/^(Query depth|Aliases|Token) limit/);
  });

  it('masks a real internal error: a code, a fixed message, nothing of the SQL or the stack', async () => {
    const result = await inRolledBackTransaction(handle, async (tx) => {
      // A genuine database failure inside the resolver: the table the query reads is gone.
      await tx.execute(sql`alter table keywords rename to keywords_gone`);
      return gql(yoga, tx, '{ keywords(first: 1) { nodes { term } } locales }');
    });
    expect(result.data?.keywords).toBeNull();
    expect(result.data?.locales.length).toBeGreaterThan(0);
    const [error] = result.errors ?? [];
    expect(error?.extensions?.code).toBe('INTERNAL');
    expect(error?.message).toBe('Unexpected error.');
    const text = JSON.stringify(result);
    expect(text).not.toMatch(/keywords_gone|relation|select|stack|originalError|at /i);
  });
});

it('a body that is not JSON is BAD_REQUEST without the parser error attached', async () => {
  const handle = await openTestDatabase(null);
  try {
    const yoga = createServer({ database: handle, maxIngestBytes: 1024 });
    const res = await yoga.fetch('http://localhost/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"query":"{ a',
    });
    const body = (await res.json()) as {
      errors: Array<{ message: string; extensions: Record<string, unknown> }>;
    };
    expect(body.errors[0]?.extensions.code).toBe('BAD_REQUEST');
    expect(body.errors[0]?.extensions.originalError).toBeUndefined();
    // Where it broke, in the parser's words, without the parser echoing the body back.
    expect(body.errors[0]?.message).toBe('POST body sent invalid JSON: unterminated string at position 13.');
    const says = async (text: string) => {
      const r = await yoga.fetch('http://localhost/graphql', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: text,
      });
      return ((await r.json()) as { errors: Array<{ message: string }> }).errors[0]?.message;
    };
    expect(await says('{"query": secret}')).toBe("POST body sent invalid JSON: unexpected token 's'.");
    expect(await says('{"query": "{ __typename }"')).toMatch(
      /^POST body sent invalid JSON: .* at position 26\.$/,
    );
    expect(await says('{"query": "{ __typename }"} x')).toBe(
      'POST body sent invalid JSON: unexpected non-whitespace character after JSON at position 28.',
    );
  } finally {
    await handle.close();
  }
});

it('malformed GET parameters and deeply nested variables are request errors, not 500s', async () => {
  const handle = await openTestDatabase(null);
  try {
    // With the response cache on, as a server runs: its key was where the stack overflowed.
    const yoga = createServer({ database: handle, maxIngestBytes: 1024, cacheTtlSeconds: 60 });
    const get = async (params: Record<string, string>) => {
      const res = await yoga.fetch(`http://localhost/graphql?${new URLSearchParams(params)}`, {
        headers: { accept: 'application/json' },
      });
      return {
        status: res.status,
        body: (await res.json()) as {
          errors?: Array<{ message: string; extensions: Record<string, unknown> }>;
        },
      };
    };
    for (const name of ['variables', 'extensions']) {
      const r = await get({ query: '{ __typename }', [name]: '{bad' });
      expect(r.status, name).toBe(400);
      expect(r.body.errors?.[0]?.extensions.code).toBe('BAD_REQUEST');
      expect(r.body.errors?.[0]?.message).toMatch(
        new RegExp(`^GET parameter ${name} is not valid JSON: .*position 1`),
      );
    }
    const deep = (n: number) => `${'['.repeat(n)}${']'.repeat(n)}`;
    const post = async (body: string) => {
      const res = await yoga.fetch('http://localhost/graphql', {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        body,
      });
      return {
        status: res.status,
        body: (await res.json()) as {
          errors?: Array<{ message: string; extensions: Record<string, unknown> }>;
        },
      };
    };
    for (const body of [
      `{"query":"{ __typename }","variables":{"x":${deep(5000)}}}`,
      `{"query":"query Q($x: CitationFilter) { citations(filter: $x) { totalCount } }","variables":{"x":{"types":${deep(20000)}}}}`,
      `{"query":"{ __typename }","extensions":{"x":${deep(5000)}}}`,
    ]) {
      const r = await post(body);
      expect(r.status).toBe(400);
      expect(r.body.errors?.[0]?.extensions.code).toBe('BAD_REQUEST');
      expect(r.body.errors?.[0]?.message).toMatch(
        /^(variables|extensions) are nested more than 32 levels deep; at most 32 are allowed$/,
      );
    }
    // A variable nested as deep as any input of the schema goes through.
    const fine = await post(
      '{"query":"query Q($x: CitationFilter) { citations(filter: $x) { totalCount } }","variables":{"x":{"types":["JOUR"]}}}',
    );
    expect(fine.status).toBe(200);
    expect(fine.body.errors).toBeUndefined();
  } finally {
    await handle.close();
  }
});

describe('the documented error codes', () => {
  it('are the ErrorCode enum of the schema, value for value', () => {
    const values = (schema.getType('ErrorCode') as { getValues(): Array<{ name: string }> } | undefined)
      ?.getValues()
      .map((v) => v.name)
      .sort();
    expect(values).toEqual(Object.keys(ERROR_CODES).sort());
  });

  it('are listed in docs/api.md with their meaning', () => {
    const readme = readFileSync(resolve(import.meta.dirname, '../../docs/api.md'), 'utf8');
    for (const code of Object.keys(ERROR_CODES)) expect(readme).toContain(`| \`${code}\``);
  });
});
