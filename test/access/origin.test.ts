import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.ts';
import type { Database, DatabaseHandle } from '../../src/db/client.ts';
import { type BibgraphServer, createServer, type ServerOptions } from '../../src/server/server.ts';
import { databaseTargets, inRolledBackTransaction, openTestDatabase } from '../support/db.ts';
import { LOOPBACK } from '../support/graphql.ts';

const ris = 'TY  - JOUR\nTI  - Origin rules zqxorigin\nER  - \n';
const ingest = JSON.stringify({
  query: 'mutation($ris: String!) { ingestRis(input: { ris: $ris }) { created } }',
  variables: { ris },
});
const DEV_ORIGINS = loadConfig({ NODE_ENV: 'development' }).corsOrigins;

describe('BIBGRAPH_CORS_ORIGINS', () => {
  it('allows nothing cross-origin in production and local pages in development by default', () => {
    expect(loadConfig({ NODE_ENV: 'production' }).corsOrigins).toEqual([]);
    expect(DEV_ORIGINS).toEqual(['http://localhost:*', 'http://127.0.0.1:*', 'http://[::1]:*']);
  });

  it('takes a comma-separated list of origins, normalised', () => {
    expect(
      loadConfig({
        NODE_ENV: 'production',
        BIBGRAPH_CORS_ORIGINS: 'https://App.Example.org, http://localhost:3000,https://x.example:443',
      }).corsOrigins,
    ).toEqual(['https://app.example.org', 'http://localhost:3000', 'https://x.example']);
    expect(loadConfig({ BIBGRAPH_CORS_ORIGINS: '*' }).corsOrigins).toEqual(['*']);
  });

  it.each([
    ['https://app.example.org/', /entry 1 "https:\/\/app\.example\.org\/" is not an origin/],
    ['https://a.example,https://b.example/path', /entry 2 .* is not an origin/],
    ['app.example.org', /entry 1 .* is not an origin/],
    ['ftp://app.example.org', /entry 1 .* is not an origin/],
    ['https://a.example,,https://b.example', /empty entry/],
    ['https://user@a.example', /entry 1 .* is not an origin/],
  ])('refuses %s, naming the entry', (value, message) => {
    expect(() => loadConfig({ BIBGRAPH_CORS_ORIGINS: value })).toThrow(ConfigError);
    expect(() => loadConfig({ BIBGRAPH_CORS_ORIGINS: value })).toThrow(message);
  });
});

describe.each(databaseTargets)('origins, hosts and the loopback privilege on $name', ({ url }) => {
  let handle: DatabaseHandle;
  const servers = new Map<string, BibgraphServer>();
  const server = (name: string, extra: Partial<ServerOptions> = {}) => {
    let s = servers.get(name);
    if (!s) {
      s = createServer({ database: handle, maxIngestBytes: 64 * 1024, ...extra });
      servers.set(name, s);
    }
    return s;
  };
  beforeAll(async () => {
    handle = await openTestDatabase(url);
  });
  afterAll(() => handle.close());

  const post = (
    yoga: BibgraphServer,
    tx: Database | undefined,
    target: string,
    headers: Record<string, string>,
    body = ingest,
    address = LOOPBACK,
  ) =>
    yoga.fetch(
      target,
      { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body },
      { db: tx, clientAddress: address },
    );

  it('no token configured: loopback writes only when no page on another origin sent them, to a loopback Host', async () => {
    await inRolledBackTransaction(handle, async (tx) => {
      const yoga = server('open', { corsOrigins: DEV_ORIGINS });
      const allowed: Array<[string, Record<string, string>]> = [
        ['http://localhost/graphql', {}],
        [
          'http://localhost:4000/graphql',
          { origin: 'http://localhost:4000', 'sec-fetch-site': 'same-origin' },
        ],
        ['http://127.0.0.1:4000/graphql', { origin: 'http://127.0.0.1:4000' }],
        ['http://127.8.9.1:4000/graphql', {}],
        ['http://[::1]:4000/graphql', {}],
        ['http://localhost:4000/graphql', { 'sec-fetch-site': 'none' }],
      ];
      for (const [target, headers] of allowed) {
        const body = await (await post(yoga, tx, target, headers)).json();
        expect([target, headers, body.errors]).toEqual([target, headers, undefined]);
        expect(body.data.ingestRis.created + 0).toBeGreaterThanOrEqual(0);
      }
      const refused: Array<[string, Record<string, string>, RegExp]> = [
        // Another port on the same machine is another origin (a dev server, a malicious local page).
        ['http://localhost:4000/graphql', { origin: 'http://localhost:5173' }, /another origin/],
        ['http://127.0.0.1:4000/graphql', { origin: 'http://localhost:4000' }, /another origin/],
        ['http://127.0.0.1:4000/graphql', { origin: 'https://127.0.0.1:4000' }, /another origin/],
        ['http://127.0.0.1:4000/graphql', { origin: 'http://192.168.1.20:8080' }, /another origin/],
        ['http://127.0.0.1:4000/graphql', { origin: 'null' }, /another origin/],
        ['http://localhost:4000/graphql', { 'sec-fetch-site': 'same-site' }, /another origin/],
        ['http://localhost:4000/graphql', { 'sec-fetch-site': 'cross-site' }, /another origin/],
        [
          'http://localhost:4000/graphql',
          { origin: 'http://localhost:4000', 'sec-fetch-site': 'cross-site' },
          /another origin/,
        ],
        // DNS rebinding: the attacker's name now points at 127.0.0.1, so the page is "same-origin".
        ['http://rebind.example:4000/graphql', {}, /Host "rebind\.example:4000" is not a loopback name/],
        [
          'http://rebind.example:4000/graphql',
          { origin: 'http://rebind.example:4000', 'sec-fetch-site': 'same-origin' },
          /not a loopback name/,
        ],
        ['http://localhost.evil.example:4000/graphql', {}, /not a loopback name/],
        ['http://127.0.0.1.nip.io:4000/graphql', {}, /not a loopback name/],
        ['http://192.168.1.5:4000/graphql', {}, /not a loopback name/],
      ];
      for (const [target, headers, message] of refused) {
        const body = await (await post(yoga, tx, target, headers)).json();
        expect([target, headers, body.data]).toEqual([target, headers, null]);
        expect(body.errors[0].extensions.code).toBe('FORBIDDEN');
        expect(body.errors[0].message).toMatch(message);
      }
    });
  });

  it('a token writes from any origin the allow-list admits', async () => {
    await inRolledBackTransaction(handle, async (tx) => {
      const token = 'env-token-for-origin-tests-0123456789';
      const yoga = server('tokens', {
        corsOrigins: ['https://app.example.org'],
        auth: { apiTokens: [token] },
      });
      const res = await post(yoga, tx, 'https://api.example.org/graphql', {
        origin: 'https://app.example.org',
        'sec-fetch-site': 'cross-site',
        authorization: `Bearer ${token}`,
      });
      expect((await res.json()).data.ingestRis.created).toBe(1);
      expect(res.headers.get('access-control-allow-origin')).toBe('https://app.example.org');
    });
  });

  it('answers CORS only for allowed origins, never with credentials, with max-age and exposed headers', async () => {
    const dev = server('dev', { corsOrigins: DEV_ORIGINS });
    const prod = server('prod', { corsOrigins: [] });
    const listed = server('listed', { corsOrigins: ['https://app.example.org', 'http://localhost:3000'] });
    const any = server('any', { corsOrigins: ['*'] });
    const read = JSON.stringify({ query: '{ __typename }' });
    const preflight = (yoga: BibgraphServer, origin: string) =>
      yoga.fetch('http://127.0.0.1:4000/graphql', {
        method: 'OPTIONS',
        headers: {
          origin,
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'content-type, authorization',
        },
      });
    const cases: Array<[BibgraphServer, string, boolean]> = [
      [dev, 'http://localhost:5173', true],
      [dev, 'http://127.0.0.1:8080', true],
      [dev, 'http://[::1]:3000', true],
      [dev, 'http://localhost', true],
      [dev, 'https://localhost:5173', false],
      [dev, 'http://localhost.evil.example:5173', false],
      [dev, 'http://192.168.1.20:5173', false],
      [dev, 'null', false],
      [prod, 'http://localhost:5173', false],
      [prod, 'https://app.example.org', false],
      [listed, 'https://app.example.org', true],
      [listed, 'http://localhost:3000', true],
      [listed, 'http://localhost:3001', false],
      [listed, 'https://app.example.org.evil.example', false],
      [listed, 'http://app.example.org', false],
      [any, 'https://anyone.example', true],
    ];
    for (const [yoga, origin, ok] of cases) {
      const pre = await preflight(yoga, origin);
      const res = await post(yoga, undefined, 'http://127.0.0.1:4000/graphql', { origin }, read);
      expect(res.status, origin).toBe(200);
      for (const r of [pre, res]) {
        expect([origin, r.headers.get('access-control-allow-origin')]).toEqual([origin, ok ? origin : null]);
        expect(r.headers.get('access-control-allow-credentials'), origin).toBeNull();
      }
      if (!ok) continue;
      expect(pre.headers.get('access-control-max-age'), origin).toBe('600');
      expect(pre.headers.get('access-control-allow-methods'), origin).toMatch(/POST/);
      expect(pre.headers.get('access-control-allow-headers')?.toLowerCase(), origin).toMatch(/authorization/);
      expect(
        res.headers.get('access-control-expose-headers')?.toLowerCase().split(/,\s*/).sort(),
        origin,
      ).toEqual(['content-disposition', 'etag', 'retry-after']);
      expect(res.headers.get('vary')?.toLowerCase(), origin).toMatch(/origin/);
    }
  });
});
