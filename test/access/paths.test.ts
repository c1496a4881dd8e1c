import { like } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database, DatabaseHandle } from '../../src/db/client.ts';
import { citations } from '../../src/db/schema.ts';
import { createServer, type ServerOptions } from '../../src/server/server.ts';
import { databaseTargets, inRolledBackTransaction, openTestDatabase } from '../support/db.ts';
import { listen, type RawResponse, rawRequest } from './http.ts';

const ENV_TOKEN = 'env-token-for-path-tests-0123456789';
const MARKER = 'zqxpathwalk';
const JSON_HEADERS = { 'content-type': 'application/json', accept: 'application/json' };
const read = JSON.stringify({ query: '{ citations(first: 1) { totalCount nodes { title } } }' });
const write = JSON.stringify({
  query: 'mutation($ris: String!) { ingestRis(input: { ris: $ris }) { created } }',
  variables: { ris: `TY  - JOUR\nTI  - Planted ${MARKER}\nER  - \n` },
});

/** Paths that are /graphql after the URL parser's own normalisation: served, so guarded. */
const GRAPHQL_SERVED = [
  '/graphql',
  '/graphql?',
  '/graphql?x=1',
  '/graphql?/graphql',
  '/./graphql',
  '/x/../graphql',
];
/** Every other spelling an attacker might try: each must be a plain 404, never the GraphQL handler. */
const GRAPHQL_NOT_SERVED = [
  '/graphql/',
  '/graphql//',
  '//graphql',
  '///graphql',
  '/anything/graphql',
  '/export/graphql',
  '/graphql/x',
  '/%67raphql',
  '/%2Fgraphql',
  '/graphql%2F',
  '/graphql%20',
  '/graphql;x',
  '/graphql.',
  '/GRAPHQL',
  '/GraphQL',
  '/x?y=/graphql',
  '/x?/graphql/',
  '/health/graphql',
];
const EXPORT_SERVED = ['/export?format=ris', '/export?format=ris&x=/graphql', '/./export?format=ris'];
const EXPORT_NOT_SERVED = [
  '/export/?format=ris',
  '//export?format=ris',
  '/x/export?format=ris',
  '/EXPORT?format=ris',
  '/%65xport?format=ris',
  '/export%2F?format=ris',
];

function hasData(r: RawResponse): boolean {
  try {
    const body = JSON.parse(r.text) as { data?: unknown };
    return body.data !== undefined && body.data !== null;
  } catch {
    return (
      r.status === 200 && r.text.length > 0 && !r.text.includes('<!DOCTYPE') && !r.text.includes('<html')
    );
  }
}

describe.each(databaseTargets)('every spelling of a data path passes the same guard, on $name', ({ url }) => {
  let handle: DatabaseHandle;
  let tx: Database | undefined;
  const open: Array<() => Promise<void>> = [];
  const serve = async (options: Partial<ServerOptions>) => {
    const yoga = createServer({ database: handle, maxIngestBytes: 64 * 1024, ...options });
    const s = await listen(yoga, () => tx);
    open.push(s.close);
    return s.port;
  };
  beforeAll(async () => {
    handle = await openTestDatabase(url);
  });
  afterAll(async () => {
    for (const close of open) await close();
    await handle.close();
  });
  const inTx = (fn: () => Promise<void>) =>
    inRolledBackTransaction(handle, async (t) => {
      tx = t;
      try {
        await fn();
      } finally {
        tx = undefined;
      }
    });

  it('/export answers with a reason phrase in its status line, as /graphql does', async () => {
    await inTx(async () => {
      const port = await serve({});
      for (const method of ['GET', 'HEAD']) {
        const ok = await rawRequest(port, method, '/export?format=ris');
        expect([ok.status, ok.statusMessage]).toEqual([200, 'OK']);
        const bad = await rawRequest(port, method, '/export?format=docx');
        expect([bad.status, bad.statusMessage]).toEqual([400, 'Bad Request']);
      }
      const graphql = await rawRequest(port, 'GET', '/graphql?query=%7B__typename%7D');
      expect([graphql.status, graphql.statusMessage]).toEqual([200, 'OK']);
    });
  });

  it('read token: no spelling reads without a token when BIBGRAPH_READ_REQUIRES_TOKEN is on', async () => {
    await inTx(async () => {
      const port = await serve({ auth: { apiTokens: [ENV_TOKEN], readRequiresToken: true } });
      for (const path of GRAPHQL_SERVED) {
        const r = await rawRequest(port, 'POST', path, JSON_HEADERS, read);
        expect([path, r.status]).toEqual([path, 401]);
        expect(hasData(r), path).toBe(false);
        const get = await rawRequest(
          port,
          'GET',
          `${path}${path.includes('?') ? '&' : '?'}query=${encodeURIComponent('{ citations { totalCount } }')}`,
          { 'x-graphql-yoga-csrf': '1', accept: 'application/json' },
        );
        expect([path, get.status]).toEqual([path, 401]);
      }
      for (const path of GRAPHQL_NOT_SERVED) {
        const r = await rawRequest(port, 'POST', path, JSON_HEADERS, read);
        expect([path, r.status]).toEqual([path, 404]);
        expect(hasData(r), path).toBe(false);
        const get = await rawRequest(
          port,
          'GET',
          `${path}${path.includes('?') ? '&' : '?'}query=${encodeURIComponent('{ citations { totalCount } }')}`,
          { 'x-graphql-yoga-csrf': '1', accept: 'application/json' },
        );
        expect([path, get.status]).toEqual([path, 404]);
        // Not even the playground page answers there.
        const page = await rawRequest(port, 'GET', path, { accept: 'text/html' });
        expect([path, page.status]).toEqual([path, 404]);
      }
      for (const path of EXPORT_SERVED) {
        const r = await rawRequest(port, 'GET', path, { accept: 'text/html' });
        expect([path, r.status]).toEqual([path, 401]);
      }
      for (const path of EXPORT_NOT_SERVED) {
        const r = await rawRequest(port, 'GET', path, { accept: 'text/html' });
        expect([path, r.status]).toEqual([path, 404]);
        expect(r.text, path).not.toMatch(/^TY {2}-/m);
      }
      // /export only downloads; a POST there must not fall through to the GraphQL handler.
      for (const path of ['/export', '/export?x=/graphql']) {
        const r = await rawRequest(port, 'POST', path, JSON_HEADERS, read);
        expect([path, r.status]).toEqual([path, 405]);
      }
      // With the token every served spelling reads.
      for (const path of GRAPHQL_SERVED) {
        const r = await rawRequest(
          port,
          'POST',
          path,
          { ...JSON_HEADERS, authorization: `Bearer ${ENV_TOKEN}` },
          read,
        );
        expect([path, r.status]).toEqual([path, 200]);
      }
    });
  });

  it('write token: no spelling plants a record without a token', async () => {
    await inTx(async () => {
      const port = await serve({ auth: { apiTokens: [ENV_TOKEN] } });
      for (const path of [...GRAPHQL_SERVED, ...GRAPHQL_NOT_SERVED, '/export', '/export?x=/graphql']) {
        const r = await rawRequest(port, 'POST', path, JSON_HEADERS, write);
        expect(hasData(r), path).toBe(false);
        if (GRAPHQL_SERVED.includes(path)) {
          expect(JSON.parse(r.text).errors[0].extensions.code, path).toBe('UNAUTHENTICATED');
        } else {
          expect([path, r.status]).toEqual([path, /^\/export(\?|$)/.test(path) ? 405 : 404]);
        }
      }
      expect(await (tx as Database).$count(citations, like(citations.title, `%${MARKER}%`))).toBe(0);
    });
  });

  it('rate limit: every spelling counts against the same per-IP budget, or is not served at all', async () => {
    await inTx(async () => {
      const port = await serve({ auth: { trustProxy: true }, limits: { rateLimitPerIp: 3 } });
      let n = 0;
      for (const path of GRAPHQL_SERVED) {
        const from = { ...JSON_HEADERS, 'x-forwarded-for': `198.51.100.${++n}` };
        const statuses: number[] = [];
        for (let i = 0; i < 4; i++) statuses.push((await rawRequest(port, 'POST', path, from, read)).status);
        expect([path, statuses]).toEqual([path, [200, 200, 200, 429]]);
      }
      // One address spreading its requests over spellings gets no more than the budget.
      const spread = { ...JSON_HEADERS, 'x-forwarded-for': '198.51.100.200' };
      const statuses: number[] = [];
      for (const path of [...GRAPHQL_SERVED, ...GRAPHQL_NOT_SERVED])
        statuses.push((await rawRequest(port, 'POST', path, spread, read)).status);
      expect(statuses.filter((s) => s === 200)).toHaveLength(3);
      expect(statuses.filter((s) => s !== 200 && s !== 404 && s !== 429)).toEqual([]);
      for (const path of GRAPHQL_NOT_SERVED) {
        const from = { ...JSON_HEADERS, 'x-forwarded-for': `198.51.100.${++n}` };
        for (let i = 0; i < 4; i++) {
          const r = await rawRequest(port, 'POST', path, from, read);
          expect([path, i, r.status]).toEqual([path, i, 404]);
        }
      }
    });
  });

  it('body limit: no spelling takes a body over BIBGRAPH_MAX_BODY_SIZE, declared or chunked', async () => {
    await inTx(async () => {
      const port = await serve({ limits: { maxBodyBytes: 16 * 1024 } });
      const big = JSON.stringify({
        query: '{ citations { totalCount } }',
        variables: { pad: 'x'.repeat(64 * 1024) },
      });
      for (const path of [...GRAPHQL_SERVED, ...GRAPHQL_NOT_SERVED]) {
        const expected = GRAPHQL_SERVED.includes(path) ? 413 : 404;
        const declared = await rawRequest(port, 'POST', path, JSON_HEADERS, big);
        expect([path, declared.status]).toEqual([path, expected]);
        const chunked = await rawRequest(port, 'POST', path, JSON_HEADERS, big, true);
        expect([path, 'chunked', chunked.status]).toEqual([path, 'chunked', expected]);
      }
    });
  });

  it('answers a 404 that names the paths it serves', async () => {
    const port = await serve({});
    const r = await rawRequest(port, 'POST', '/graphql/', JSON_HEADERS, read);
    expect(r.status).toBe(404);
    expect(JSON.parse(r.text).errors[0]).toMatchObject({
      message: expect.stringMatching(/No such path "\/graphql\/".*\/graphql/),
      extensions: { code: 'NOT_FOUND' },
    });
  });
});
