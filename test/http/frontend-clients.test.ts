import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { ApolloClient, ApolloLink, gql as apolloGql, HttpLink, InMemoryCache } from '@apollo/client';
import { Defer20220824Handler } from '@apollo/client/incremental';
import { PersistedQueryLink } from '@apollo/client/link/persisted-queries';
import { Client, fetchExchange, gql as urqlGql } from '@urql/core';
import { persistedExchange } from '@urql/exchange-persisted';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatabaseHandle } from '../../src/db/client.ts';
import { documentHash } from '../../src/persisted/documents.ts';
import { type BibgraphServer, createServer } from '../../src/server/server.ts';
import { memoryStore, redisStore, type SharedStore } from '../../src/server/shared-store.ts';
import { databaseTargets, openTestDatabase } from '../support/db.ts';
import { redisAnswers, testRedisUrl } from '../support/redis.ts';
import { createScratchDatabase } from '../support/scratch-db.ts';

const TOKEN = 'frontend-test-token-0123456789';

function ris(title: string, year: number): string {
  return `TY  - JOUR\nTI  - ${title}\nAU  - Frontend, Fiona\nPY  - ${year}\nKW  - caching\nAB  - ${'An abstract long enough to make the page worth compressing. '.repeat(8)}\nER  - \n`;
}

async function listen(yoga: BibgraphServer): Promise<{ http: Server; url: string }> {
  const http = createHttpServer(yoga);
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const address = http.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return { http, url: `http://127.0.0.1:${port}/graphql` };
}

/** A real fetch that remembers what went over the wire, so a test can see what the client sent. */
function recordingFetch() {
  const sent: Array<{ method: string; body: string | null; url: string }> = [];
  const fetchFn: typeof fetch = async (input, init) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    sent.push({
      method: init?.method ?? 'GET',
      body: typeof init?.body === 'string' ? init.body : null,
      url,
    });
    return fetch(input, init);
  };
  return { sent, fetchFn };
}

const TITLES = `query Titles { citations(first: 10) { totalCount nodes { title } } }`;

describe.each(databaseTargets)('frontend clients on $name', ({ url: databaseUrl }) => {
  let handle: DatabaseHandle;
  let server: { http: Server; url: string };
  let store: SharedStore;
  let documentsFile: string;
  let scratch: { url: string; drop(): Promise<void> } | null = null;

  async function post(body: unknown, headers: Record<string, string> = {}, target = server.url) {
    const res = await fetch(target, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
    });
    return { res, json: (await res.json()) as { data?: any; errors?: any[] } };
  }

  async function ingest(title: string, year: number, target = server.url) {
    const { json } = await post(
      {
        query:
          'mutation($ris: String!) { ingestRis(input: { ris: $ris, source: "frontend" }) { created updated } }',
        variables: { ris: ris(title, year) },
      },
      { authorization: `Bearer ${TOKEN}` },
      target,
    );
    expect(json.errors).toBeUndefined();
  }

  beforeAll(async () => {
    // These rows are committed through a real server, so on PostgreSQL they go to a database of
    // their own instead of the one every other test file shares.
    scratch = databaseUrl ? await createScratchDatabase(databaseUrl, 'frontend') : null;
    handle = await openTestDatabase(scratch?.url ?? null);
    store = memoryStore();
    documentsFile = join(mkdtempSync(join(tmpdir(), 'bibgraph-docs-')), 'documents.json');
    writeFileSync(documentsFile, JSON.stringify({ [documentHash(TITLES)]: TITLES }));
    const yoga = createServer({
      database: handle,
      maxIngestBytes: 1024 * 1024,
      auth: { apiTokens: [TOKEN] },
      store,
      cacheTtlSeconds: 60,
      persisted: { documentsFile, persistedOnly: false },
    });
    server = await listen(yoga);
    for (let i = 0; i < 12; i++)
      await ingest(`Caching in practice ${databaseUrl ? 'pg' : 'lite'} ${i}`, 2000 + i);
  });
  afterAll(async () => {
    await new Promise((resolve) => server.http.close(resolve));
    await handle.close();
    await scratch?.drop();
  });

  it('Apollo PersistedQueryLink: hash first, text once on PersistedQueryNotFound, then hash only', async () => {
    const { sent, fetchFn } = recordingFetch();
    const client = new ApolloClient({
      cache: new InMemoryCache(),
      link: ApolloLink.from([
        new PersistedQueryLink({ sha256: documentHash }),
        new HttpLink({ uri: server.url, fetch: fetchFn }),
      ]),
    });
    const query = apolloGql`query ApqApollo { citations(first: 2) { totalCount nodes { title } } }`;
    const first = await client.query({ query, fetchPolicy: 'network-only' });
    expect(first.error).toBeUndefined();
    expect((first.data as any).citations.totalCount).toBeGreaterThanOrEqual(12);
    // Unknown hash, then the text with it.
    expect(sent).toHaveLength(2);
    expect(sent[0]?.body).not.toContain('"query"');
    expect(sent[1]?.body).toContain('"query"');
    const again = await client.query({ query, fetchPolicy: 'network-only' });
    expect((again.data as any).citations.totalCount).toBe((first.data as any).citations.totalCount);
    expect(sent).toHaveLength(3);
    expect(sent[2]?.body).not.toContain('"query"');
  });

  it('urql persistedExchange: the same protocol, over GET for hashed queries', async () => {
    const { sent, fetchFn } = recordingFetch();
    const client = new Client({
      url: server.url,
      fetch: fetchFn,
      exchanges: [persistedExchange({ preferGetForPersistedQueries: true }), fetchExchange],
    });
    const query = urqlGql`query ApqUrql { citations(first: 3) { totalCount nodes { title } } }`;
    const first = await client.query(query, {}, { requestPolicy: 'network-only' }).toPromise();
    expect(first.error).toBeUndefined();
    expect(first.data.citations.nodes).toHaveLength(3);
    const second = await client.query(query, {}, { requestPolicy: 'network-only' }).toPromise();
    expect(second.error).toBeUndefined();
    const last = sent.at(-1);
    expect(last?.method).toBe('GET');
    expect(last?.url).toContain('persistedQuery');
    expect(last?.url).not.toContain('query=');
  });

  it('a hash that does not match its text is refused with a code', async () => {
    const { json } = await post({
      query: '{ citations(first: 1) { totalCount } }',
      extensions: { persistedQuery: { version: 1, sha256Hash: documentHash('something else') } },
    });
    expect(json.errors?.[0]?.extensions?.code).toBe('PERSISTED_QUERY_HASH_MISMATCH');
  });

  it('keeps an APQ registration only for a document that ran, and only up to 32 KB', async () => {
    const huge = `#${'x'.repeat(40 * 1024)}\n{ locales }`;
    const invalid = '{ noSuchField }';
    for (const text of [huge, invalid]) {
      const sha256Hash = documentHash(text);
      await post({ query: text, extensions: { persistedQuery: { version: 1, sha256Hash } } });
      const replay = await post({ extensions: { persistedQuery: { version: 1, sha256Hash } } });
      expect(replay.json.errors?.[0]?.extensions?.code).toBe('PERSISTED_QUERY_NOT_FOUND');
    }
  });

  it('registers an APQ document whose answer came from the response cache', async () => {
    const text = '{ citations(first: 4) { totalCount } }';
    const sha256Hash = documentHash(text);
    // Another client's plain GET puts the answer in the cache…
    expect((await fetch(`${server.url}?query=${encodeURIComponent(text)}`)).status).toBe(200);
    // …so this registration is answered from it, without executing, and must still be kept.
    await post({ query: text, extensions: { persistedQuery: { version: 1, sha256Hash } } });
    const replay = await post({ extensions: { persistedQuery: { version: 1, sha256Hash } } });
    expect(replay.json.errors).toBeUndefined();
    expect(replay.json.data.citations.totalCount).toBeGreaterThan(0);
  });

  it('GET queries need no CSRF header; form posts still do', async () => {
    const get = await fetch(
      `${server.url}?query=${encodeURIComponent('{ citations(first: 1) { totalCount } }')}`,
    );
    expect(get.status).toBe(200);
    expect(((await get.json()) as any).data.citations.totalCount).toBeGreaterThanOrEqual(12);
    const form = new FormData();
    form.set('operations', JSON.stringify({ query: '{ citations(first: 1) { totalCount } }' }));
    form.set('map', '{}');
    // Without a token this server refuses an upload before reading it; the CSRF rule itself is
    // tested on a server without tokens (access.test.ts).
    const multipart = await fetch(server.url, { method: 'POST', body: form });
    expect(multipart.status).toBe(401);
    expect(((await multipart.json()) as any).errors[0].extensions.code).toBe('UNAUTHENTICATED');
  });

  it('anonymous GET answers carry an ETag; revalidation is a 304 until a write changes the answer', async () => {
    const address = `${server.url}?query=${encodeURIComponent('query Count { citations(first: 1) { totalCount } }')}`;
    const first = await fetch(address);
    expect(first.status).toBe(200);
    const etag = first.headers.get('etag');
    expect(etag).toBeTruthy();
    expect(first.headers.get('cache-control')).toBe('public, no-cache');
    const before = ((await first.json()) as any).data.citations.totalCount;

    const revalidated = await fetch(address, { headers: { 'if-none-match': etag as string } });
    expect(revalidated.status).toBe(304);

    await ingest('A write after the cache was filled', 2024);
    const afterWrite = await fetch(address, { headers: { 'if-none-match': etag as string } });
    expect(afterWrite.status).toBe(200);
    expect(((await afterWrite.json()) as any).data.citations.totalCount).toBe(before + 1);
    expect(afterWrite.headers.get('etag')).not.toBe(etag);
  });

  it('answers to a token are private and never served to anyone else', async () => {
    const { res } = await post(
      { query: '{ citations(first: 1) { totalCount } }' },
      { authorization: `Bearer ${TOKEN}` },
    );
    expect(res.headers.get('cache-control')).toBe('private, no-store');
    expect(res.headers.get('etag')).toBeNull();
  });

  it('compresses answers over 1 KB with brotli or gzip, and leaves small ones alone', async () => {
    const body = JSON.stringify({ query: '{ citations(first: 13) { nodes { title abstract } } }' });
    const plain = await fetch(server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'accept-encoding': 'identity' },
      body,
    });
    const plainText = await plain.text();
    expect(plainText.length).toBeGreaterThan(1024);
    for (const encoding of ['br', 'gzip'] as const) {
      // node:http, not fetch: fetch would decompress and hide the encoding.
      const raw = await rawPost(server.url, body, encoding);
      expect(raw.headers['content-encoding']).toBe(encoding);
      expect(raw.body.length).toBeLessThan(plainText.length / 2);
      const text = (encoding === 'br' ? brotliDecompressSync(raw.body) : gunzipSync(raw.body)).toString();
      expect(text).toBe(plainText);
    }
    const small = await rawPost(server.url, JSON.stringify({ query: '{ locales }' }), 'gzip');
    expect(small.headers['content-encoding']).toBeUndefined();
  });

  it('Apollo Client receives @defer parts as they come', async () => {
    const client = new ApolloClient({
      cache: new InMemoryCache(),
      link: new HttpLink({ uri: server.url }),
      incrementalHandler: new Defer20220824Handler(),
    });
    const query = apolloGql`
      query Deferred {
        citations(first: 2) {
          totalCount
          ... @defer(label: "facets") { facets { years { value count } } }
        }
      }`;
    const results: any[] = [];
    await new Promise<void>((resolve, reject) => {
      const sub = client.watchQuery({ query, fetchPolicy: 'network-only' }).subscribe({
        next: (r) => {
          results.push(r);
          if ((r.data as any)?.citations?.facets) {
            sub.unsubscribe();
            resolve();
          }
        },
        error: reject,
      });
    });
    const final = results.at(-1);
    expect(final.data.citations.totalCount).toBeGreaterThanOrEqual(12);
    expect(final.data.citations.facets.years.length).toBeGreaterThan(0);
  });

  it('sends @defer as multipart parts over the wire', async () => {
    const res = await fetch(server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'multipart/mixed' },
      body: JSON.stringify({
        query: '{ citations(first: 1) { totalCount ... @defer { facets { years { value count } } } } }',
      }),
    });
    expect(res.headers.get('content-type')).toContain('multipart/mixed');
    const text = await res.text();
    expect(text).toContain('"hasNext":true');
    expect(text).toContain('"incremental"');
    expect(text).toContain('"hasNext":false');
  });

  it('@stream sends list items after the first ones', async () => {
    const res = await fetch(server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'multipart/mixed' },
      body: JSON.stringify({ query: '{ citations(first: 5) { nodes @stream(initialCount: 1) { title } } }' }),
    });
    const text = await res.text();
    expect(text).toContain('"incremental"');
    expect((text.match(/"items"/g) ?? []).length).toBeGreaterThanOrEqual(1);
  });

  describe('trusted documents', () => {
    let restricted: { http: Server; url: string };
    beforeAll(async () => {
      restricted = await listen(
        createServer({
          database: handle,
          maxIngestBytes: 1024 * 1024,
          auth: { apiTokens: [TOKEN] },
          store: memoryStore(),
          persisted: { documentsFile, persistedOnly: true },
        }),
      );
    });
    afterAll(async () => {
      await new Promise((resolve) => restricted.http.close(resolve));
    });

    it('anonymous callers run registered documents by hash, and nothing else', async () => {
      const hash = documentHash(TITLES);
      const byHash = await post(
        { extensions: { persistedQuery: { version: 1, sha256Hash: hash } } },
        {},
        restricted.url,
      );
      expect(byHash.json.errors).toBeUndefined();
      expect(byHash.json.data.citations.totalCount).toBeGreaterThan(0);

      const arbitrary = await post({ query: '{ citations(first: 1) { totalCount } }' }, {}, restricted.url);
      expect(arbitrary.res.status).toBe(403);
      expect(arbitrary.json.errors?.[0]?.extensions?.code).toBe('PERSISTED_QUERY_ONLY');

      // An APQ registration from an anonymous caller must not open the door either.
      const text = '{ citations(first: 2) { totalCount } }';
      const sha256Hash = documentHash(text);
      await post(
        { query: text, extensions: { persistedQuery: { version: 1, sha256Hash } } },
        {},
        restricted.url,
      );
      const replay = await post(
        { extensions: { persistedQuery: { version: 1, sha256Hash } } },
        {},
        restricted.url,
      );
      expect(replay.json.errors?.[0]?.extensions?.code).toBe('PERSISTED_QUERY_NOT_FOUND');
    });

    it('a token holder may still send any document', async () => {
      const { json } = await post(
        { query: '{ citations(first: 1) { totalCount } }' },
        { authorization: `Bearer ${TOKEN}` },
        restricted.url,
      );
      expect(json.errors).toBeUndefined();
    });
  });
});

const redisUrl = testRedisUrl;
const hasRedis = await redisAnswers(redisUrl);

describe.skipIf(!hasRedis)(`response cache shared through Redis (${redisUrl} not answering: skipped)`, () => {
  let handle: DatabaseHandle;
  const servers: Array<{ http: Server; url: string }> = [];
  const stores: SharedStore[] = [];

  beforeAll(async () => {
    handle = await openTestDatabase(null);
    for (let i = 0; i < 2; i++) {
      const store = redisStore(redisUrl);
      stores.push(store);
      servers.push(
        await listen(
          createServer({
            database: handle,
            maxIngestBytes: 1024 * 1024,
            auth: { apiTokens: [TOKEN] },
            store,
            cacheTtlSeconds: 60,
          }),
        ),
      );
    }
  });
  afterAll(async () => {
    for (const s of servers) await new Promise((resolve) => s.http.close(resolve));
    for (const s of stores) await s.close();
    await handle.close();
  });

  it('a write on one instance invalidates what the other has cached', async () => {
    const [a, b] = servers as unknown as [{ url: string }, { url: string }];
    // Unique per run: Redis outlives the test, and an old run's entry must not answer this one.
    const marker = `redis-${Date.now()}-${Math.random().toString(36).slice(2)}`;
    const count = `${a.url}?query=${encodeURIComponent(`{ citations(first: 1, filter: { search: "${marker}" }) { totalCount } }`)}`;
    const first = await fetch(count);
    const etag = first.headers.get('etag') as string;
    expect(((await first.json()) as any).data.citations.totalCount).toBe(0);
    expect((await fetch(count, { headers: { 'if-none-match': etag } })).status).toBe(304);

    const res = await fetch(b.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
      body: JSON.stringify({
        query: 'mutation($ris: String!) { ingestRis(input: { ris: $ris }) { created } }',
        variables: { ris: ris(`Shared cache ${marker}`, 2020) },
      }),
    });
    expect(((await res.json()) as any).data.ingestRis.created).toBe(1);

    const stale = await fetch(count, { headers: { 'if-none-match': etag } });
    expect(stale.status).toBe(200);
    expect(((await stale.json()) as any).data.citations.totalCount).toBe(1);
  });
});

function rawPost(url: string, body: string, encoding: string) {
  return new Promise<{ headers: Record<string, string | string[] | undefined>; body: Buffer }>(
    (resolve, reject) => {
      import('node:http').then(({ request }) => {
        const req = request(
          url,
          {
            method: 'POST',
            headers: { 'content-type': 'application/json', 'accept-encoding': encoding },
          },
          (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (c: Buffer) => chunks.push(c));
            res.on('end', () => resolve({ headers: res.headers, body: Buffer.concat(chunks) }));
          },
        );
        req.on('error', reject);
        req.end(body);
      }, reject);
    },
  );
}
