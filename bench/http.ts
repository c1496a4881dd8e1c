/**
 * What the HTTP layer gives a frontend, measured on one server in one run:
 * - response bytes of the canonical search page as sent plain, gzip and brotli;
 * - p50 / req/s of a revalidated GET (If-None-Match → 304) against the same query as an uncached POST;
 * - req/s of automatic persisted queries (hash only) against full documents.
 *
 *   npx tsx bench/http.ts [citations]    embedded PGlite in memory, or DATABASE_URL when set
 */
import { createServer as createHttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import { openDatabase } from '../src/db/client.ts';
import { ingestRis } from '../src/ingest/ingest.ts';
import { documentHash } from '../src/persisted/documents.ts';
import { createServer } from '../src/server/server.ts';
import { memoryStore } from '../src/server/shared-store.ts';
import { generateRis } from './lib/generate-ris.ts';

interface LoadResult {
  requests: { average: number };
  latency: { p50: number; p97_5: number };
  errors: number;
  non2xx: number;
  '2xx': number;
}
const autocannonModule: string = 'autocannon';
const autocannon = (await import(autocannonModule)).default as (
  options: Record<string, unknown>,
) => Promise<LoadResult>;

const N = Number(process.argv[2] ?? 2_000);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 8);
const TOKEN = 'bench-http-token-0123456789abcdef';

const SEARCH_PAGE = `query SearchPage {
  citations(first: 20, orderBy: YEAR_DESC) {
    totalCount
    pageInfo { hasNextPage endCursor }
    nodes { id title year containerTitle doi authors { id name } keywords { id term } }
    facets { years { value count } types { value count } keywords { value label count } }
  }
}`;

const database = await openDatabase({ databaseUrl: process.env.DATABASE_URL ?? null, dataDir: 'memory://' });
process.stderr.write(`seeding ${N} citations on ${database.kind}…\n`);
await ingestRis(database.db, generateRis(N, 7), { source: 'bench:http' });

const yoga = createServer({
  database,
  maxIngestBytes: 1024 * 1024,
  logging: false,
  auth: { apiTokens: [TOKEN] },
  store: memoryStore(),
  cacheTtlSeconds: 600,
  // Plenty for one client hammering one address; the limits are not what is measured.
  limits: { rateLimitPerIp: 10_000_000, rateLimitIpBurst: 10_000_000, rateLimitPerToken: 10_000_000 },
});
const http = createHttpServer(yoga);
await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
const url = `http://127.0.0.1:${(http.address() as AddressInfo).port}/graphql`;

// Bytes on the wire for the search page.
const plain = Buffer.from(
  await (
    await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
      body: JSON.stringify({ query: SEARCH_PAGE }),
    })
  ).arrayBuffer(),
);
const gz = gzipSync(plain, { level: 6 }).byteLength;
const br = brotliCompressSync(plain, { params: { [constants.BROTLI_PARAM_QUALITY]: 5 } }).byteLength;

async function load(title: string, request: Record<string, unknown>): Promise<[string, LoadResult]> {
  const result = await autocannon({ url, connections: 10, duration: SECONDS, ...request });
  return [title, result];
}

const getUrl = `${url}?query=${encodeURIComponent(SEARCH_PAGE)}`;
const first = await fetch(getUrl);
const etag = first.headers.get('etag') ?? '';
await first.arrayBuffer();
const hash = documentHash(SEARCH_PAGE);
// Register the hash once, as a client's first miss would.
await fetch(url, {
  method: 'POST',
  headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
  body: JSON.stringify({
    query: SEARCH_PAGE,
    extensions: { persistedQuery: { version: 1, sha256Hash: hash } },
  }),
});

const check = (await (
  await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
    body: JSON.stringify({ extensions: { persistedQuery: { version: 1, sha256Hash: hash } } }),
  })
).json()) as { data?: unknown };
if (!check.data)
  throw new Error('the hash-only request did not answer with data; APQ numbers would be meaningless');

const runs: Array<[string, LoadResult]> = [];
// The uncached rows send a token: answers to a token are never cached, so they measure execution.
runs.push(
  await load('POST full document, uncached (token)', {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
    body: JSON.stringify({ query: SEARCH_PAGE }),
  }),
);
runs.push(
  await load('POST hash only (APQ), uncached (token)', {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
    body: JSON.stringify({ extensions: { persistedQuery: { version: 1, sha256Hash: hash } } }),
  }),
);
runs.push(await load('GET anonymous, served from the cache (200)', { url: getUrl, method: 'GET' }));
runs.push(
  await load('GET anonymous, revalidated (If-None-Match → 304)', {
    url: getUrl,
    method: 'GET',
    headers: { 'if-none-match': etag },
  }),
);

const kb = (n: number) => `${(n / 1024).toFixed(1)} KB`;
console.log(
  `\nbibgraph HTTP layer — ${N} citations on ${database.kind}, 10 connections, ${SECONDS} s each\n`,
);
console.log('| search page response | bytes | share |');
console.log('|---|---|---|');
console.log(`| plain JSON | ${kb(plain.byteLength)} | 100% |`);
console.log(`| gzip (level 6) | ${kb(gz)} | ${((100 * gz) / plain.byteLength).toFixed(0)}% |`);
console.log(`| brotli (quality 5) | ${kb(br)} | ${((100 * br) / plain.byteLength).toFixed(0)}% |`);
console.log('\n| request | p50 ms | p97.5 ms | req/s | non-2xx/3xx |');
console.log('|---|---|---|---|---|');
for (const [title, r] of runs) {
  const bad = r.errors + (title.includes('304') ? 0 : r.non2xx);
  if (bad > 0) console.error(`warning: ${bad} failed requests in "${title}"`);
  console.log(
    `| ${title} | ${r.latency.p50} | ${r.latency.p97_5} | ${Math.round(r.requests.average)} | ${bad} |`,
  );
}
const byTitle = new Map(runs);
const ratio = (a: string, b: string) =>
  ((byTitle.get(a)?.requests.average ?? 0) / (byTitle.get(b)?.requests.average || 1)).toFixed(2);
console.log(
  `\nAPQ vs full document: ${ratio('POST hash only (APQ), uncached (token)', 'POST full document, uncached (token)')}× req/s; 304 vs uncached POST: ${ratio('GET anonymous, revalidated (If-None-Match → 304)', 'POST full document, uncached (token)')}× req/s`,
);
http.close();
await database.close();
process.exit(0);
