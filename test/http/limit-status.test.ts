import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatabaseHandle } from '../../src/db/client.ts';
import { type BibgraphServer, createServer } from '../../src/server/server.ts';
import { openTestDatabase } from '../support/db.ts';
import { expectCodedErrors } from '../support/graphql.ts';

const RESPONSE_JSON = 'application/graphql-response+json';

/**
 * GraphQL over HTTP: a request refused before execution (it fails validation) is a 400 for clients
 * that accept `application/graphql-response+json` — a response without `data` must not be a 2xx
 * there — while `application/json` keeps the legacy 200. The limits that read variables run after
 * Yoga's validation (src/server/limits.ts) and must answer the same way.
 */
describe('status of requests refused by a limit', () => {
  let handle: DatabaseHandle;
  let yoga: BibgraphServer;
  beforeAll(async () => {
    handle = await openTestDatabase(null);
    yoga = createServer({
      database: handle,
      maxIngestBytes: 1024 * 1024,
      limits: { maxDepth: 6, maxAliases: 10, maxTokens: 800, maxDirectives: 5 },
    });
  });
  afterAll(() => handle.close());

  async function post(accept: string, query: string, variables?: Record<string, unknown>) {
    const res = await yoga.fetch(
      'http://localhost/graphql',
      {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept },
        body: JSON.stringify({ query, variables }),
      },
      { clientAddress: '127.0.0.1' },
    );
    const body = (await res.json()) as {
      data?: unknown;
      errors?: Array<{ message: string; extensions?: Record<string, unknown> }>;
    };
    expectCodedErrors(body);
    return { status: res.status, type: res.headers.get('content-type'), body };
  }

  const refused: Array<[string, string, Record<string, unknown> | undefined, string]> = [
    [
      'a page size over the limit',
      '{ citations(first: 5000) { nodes { id } } }',
      undefined,
      'PAGE_SIZE_LIMIT',
    ],
    [
      'a page size over the limit in a variable',
      'query($n: Int) { citations(first: $n) { nodes { id } } }',
      { n: 5000 },
      'PAGE_SIZE_LIMIT',
    ],
    [
      'a cost over the limit',
      '{ citations(first: 100) { nodes { authors { citations(first: 100) { nodes { id } } } } } }',
      undefined,
      'COST_LIMIT',
    ],
    [
      'a NUL character in a variable',
      'query($s: String) { authors(search: $s) { totalCount } }',
      { s: 'a\u0000b' },
      'BAD_USER_INPUT',
    ],
    [
      'a string over its bound',
      'query($s: String) { authors(search: $s) { totalCount } }',
      { s: 'x'.repeat(100_000) },
      'BAD_USER_INPUT',
    ],
    [
      'a query too deep',
      '{ citations { nodes { authors { citations { nodes { authors { name } } } } } } }',
      undefined,
      'DEPTH_LIMIT',
    ],
    [
      'too many aliases',
      `{ ${Array.from({ length: 12 }, (_, i) => `a${i}: citations(first: 1) { totalCount }`).join(' ')} }`,
      undefined,
      'ALIAS_LIMIT',
    ],
    ['too many tokens', `{ citations { ${'totalCount '.repeat(1000)} } }`, undefined, 'TOKEN_LIMIT'],
    [
      'too many directives',
      `{ __typename ${'@include(if: true) '.repeat(8)} }`,
      undefined,
      'DIRECTIVE_LIMIT',
    ],
    ['an unknown field (plain validation)', '{ citations { nope } }', undefined, 'GRAPHQL_VALIDATION_FAILED'],
  ];

  it.each(refused)(
    '%s: 400 with graphql-response+json, 200 with application/json',
    async (_name, query, variables, code) => {
      const strict = await post(RESPONSE_JSON, query, variables);
      expect(strict.status).toBe(400);
      expect(strict.type).toContain(RESPONSE_JSON);
      expect(strict.body.data).toBeUndefined();
      expect(strict.body.errors?.[0]?.extensions?.code).toBe(code);
      // The status travels in Yoga's internal `http` extension, which the client never sees.
      expect(strict.body.errors?.[0]?.extensions?.http).toBeUndefined();

      const legacy = await post('application/json', query, variables);
      expect(legacy.status).toBe(200);
      expect(legacy.body.errors?.[0]?.extensions?.code).toBe(code);
    },
  );

  it('a query within the limits is a 200 either way', async () => {
    for (const accept of [RESPONSE_JSON, 'application/json']) {
      const ok = await post(accept, 'query($n: Int) { citations(first: $n) { totalCount } }', { n: 5 });
      expect(ok.status).toBe(200);
      expect(ok.body.errors).toBeUndefined();
    }
  });
});
