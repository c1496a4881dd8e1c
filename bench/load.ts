/**
 * Reads under write load (npm run bench:load [-- records]): the latency of a cheap public query over
 * HTTP, idle and while writers run, on PostgreSQL and on embedded PGlite. Prints one table per
 * database with p50/p95 and the ratio of loaded to idle p95 (target: under 2×).
 *
 *   PostgreSQL: three concurrent ingests of `records` generated records each (default 5,000) plus a
 *               mergeAuthors, all sent at once (DATABASE_URL, or a scratch database bibgraph_bench_load
 *               on 127.0.0.1, created and dropped here).
 *   PGlite:     one ingest of 4 × `records` (default 20,000) records.
 *   BENCH_TARGETS=postgres (or pglite) runs one only.
 */
import { createServer as createHttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type IntervalHistogram, monitorEventLoopDelay } from 'node:perf_hooks';
import postgres from 'postgres';
import { formatTable } from '../src/cli/table.ts';
import { DEFAULT_LIMITS } from '../src/config.ts';
import { type DatabaseHandle, openDatabase } from '../src/db/client.ts';
import { createServer } from '../src/server/server.ts';
import { generateRis } from './lib/generate-ris.ts';

const RECORDS = Number(process.argv[2] ?? 5_000);
const TARGETS = (process.env.BENCH_TARGETS ?? 'postgres,pglite').split(',');
/** Concurrent readers, each sending its next request when the last one answered. */
const READERS = 4;
const IDLE_REQUESTS = 400;

// A page of ten citations: one cheap indexed statement, so its latency is the server's, not the query's.
const CHEAP = JSON.stringify({
  query: '{ citations(first: 10, orderBy: YEAR_DESC) { nodes { id title year } } }',
});

interface Served {
  base: string;
  close: () => Promise<void>;
}

async function serve(handle: DatabaseHandle): Promise<Served> {
  const yoga = createServer({
    database: handle,
    maxIngestBytes: 512 * 1024 * 1024,
    // The benchmark is the only client: no rate limit, and ingests travel as JSON bodies.
    limits: { rateLimitPerIp: 10_000_000, rateLimitIpBurst: 10_000_000, maxBodyBytes: 512 * 1024 * 1024 },
  });
  const http = createHttpServer(yoga);
  // Readers pause while the writers' inputs are generated; Node's 5 s default would close their
  // sockets under them as they send again.
  http.keepAliveTimeout = 120_000;
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  return {
    base: `http://127.0.0.1:${(http.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve) => {
        http.close(() => resolve());
        http.closeAllConnections();
      }),
  };
}

interface Answer {
  data?: { authors?: { nodes: Array<{ id: string }> } };
  errors?: Array<{ message: string; extensions?: { code?: string } }>;
}

async function post(base: string, body: string): Promise<{ ms: number; ok: boolean; json: Answer }> {
  const started = performance.now();
  const response = await fetch(`${base}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body,
  });
  const json = (await response.json()) as Answer;
  return { ms: performance.now() - started, ok: response.ok && !json.errors, json };
}

interface Sample {
  latencies: number[];
  errors: number;
  /** How late the main thread's event loop ran while the sample was taken (its stalls). */
  loop: IntervalHistogram;
}

/** Readers hammer the cheap query until `count` requests are done or `until` settles. */
async function read(base: string, options: { count?: number; until?: Promise<unknown> }): Promise<Sample> {
  const loop = monitorEventLoopDelay({ resolution: 10 });
  loop.enable();
  const sample: Sample = { latencies: [], errors: 0, loop };
  let stop = false;
  options.until?.then(
    () => (stop = true),
    () => (stop = true),
  );
  let sent = 0;
  await Promise.all(
    Array.from({ length: READERS }, async () => {
      while (!stop && (options.count === undefined || sent < options.count)) {
        sent++;
        const started = performance.now();
        const r = await post(base, CHEAP).catch(() => ({ ms: performance.now() - started, ok: false }));
        sample.latencies.push(r.ms);
        if (!r.ok) sample.errors++;
      }
    }),
  );
  loop.disable();
  return sample;
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

const ms = (n: number) => (n >= 1000 ? `${(n / 1000).toFixed(2)} s` : `${n.toFixed(1)} ms`);
/** The histogram counts in ns, and includes its own 10 ms sampling interval: that is subtracted. */
const lag = (h: IntervalHistogram, p: number) =>
  ms(Math.max(0, (p === 100 ? h.max : h.percentile(p)) / 1e6 - 10));

function report(title: string, idle: Sample, loaded: Sample, writers: string[]): void {
  const p95Idle = percentile(idle.latencies, 95);
  const p95Load = percentile(loaded.latencies, 95);
  console.log(`\n## ${title}\n`);
  console.log(
    formatTable(
      ['phase', 'requests', 'errors', 'p50', 'p95', 'max', 'loop delay p50 / p99 / max'],
      [
        [
          'idle',
          idle.latencies.length,
          idle.errors,
          ms(percentile(idle.latencies, 50)),
          ms(p95Idle),
          ms(Math.max(...idle.latencies)),
          `${lag(idle.loop, 50)} / ${lag(idle.loop, 99)} / ${lag(idle.loop, 100)}`,
        ],
        [
          'under load',
          loaded.latencies.length,
          loaded.errors,
          ms(percentile(loaded.latencies, 50)),
          ms(p95Load),
          ms(Math.max(...loaded.latencies)),
          `${lag(loaded.loop, 50)} / ${lag(loaded.loop, 99)} / ${lag(loaded.loop, 100)}`,
        ],
      ],
    ),
  );
  console.log(`\np95 under load / p95 idle: ${(p95Load / p95Idle).toFixed(2)}× (target < 2×)`);
  for (const w of writers) console.log(`  ${w}`);
}

async function describeWriter(
  name: string,
  work: Promise<{ ms: number; ok: boolean; json: Answer }>,
): Promise<string> {
  const r = await work;
  const error = r.json.errors?.[0];
  return `${name}: ${r.ok ? 'ok' : `FAILED ${error?.extensions?.code ?? ''} ${error?.message ?? ''}`} in ${ms(r.ms)}`;
}

async function authorIds(base: string): Promise<string[]> {
  const r = await post(
    base,
    JSON.stringify({ query: '{ authors(first: 2, search: "wang") { nodes { id } } }' }),
  );
  return (r.json.data?.authors?.nodes ?? []).map((n) => n.id);
}

const ingestBody = (ris: string, source: string) =>
  JSON.stringify({
    query:
      'mutation($ris: String!, $source: String) { ingestRis(input: { ris: $ris, source: $source }) { created failed } }',
    variables: { ris, source },
  });

async function benchPostgres(): Promise<void> {
  let url = process.env.DATABASE_URL ?? null;
  let drop: (() => Promise<void>) | null = null;
  if (!url) {
    const admin = postgres('postgres://postgres@127.0.0.1:5432/postgres', { max: 1, onnotice: () => {} });
    await admin.unsafe('drop database if exists bibgraph_bench_load with (force)');
    await admin.unsafe('create database bibgraph_bench_load');
    url = 'postgres://postgres@127.0.0.1:5432/bibgraph_bench_load';
    drop = async () => {
      await admin.unsafe('drop database if exists bibgraph_bench_load with (force)');
      await admin.end();
    };
  }
  // As production opens it: the request timeout is the read statements' timeout.
  const handle = await openDatabase({
    databaseUrl: url,
    dataDir: '',
    statementTimeoutMs: DEFAULT_LIMITS.requestTimeoutMs,
  });
  const server = await serve(handle);
  try {
    await post(server.base, ingestBody(generateRis(2_000, 7), 'seed'));
    const bodies = [11, 12, 13].map((seed) => ({
      seed,
      body: ingestBody(generateRis(RECORDS, seed), `seed ${seed}`),
    }));
    const idle = await read(server.base, { count: IDLE_REQUESTS });
    const [into, from] = await authorIds(server.base);
    const started = performance.now();
    const writers = [
      ...bodies.map(({ seed, body }) =>
        describeWriter(`ingest ${RECORDS} records (seed ${seed})`, post(server.base, body)),
      ),
      describeWriter(
        'mergeAuthors',
        post(
          server.base,
          JSON.stringify({
            query:
              'mutation($into: ID!, $from: [ID!]!) { mergeAuthors(into: $into, from: $from) { __typename } }',
            variables: { into, from: [from] },
          }),
        ),
      ),
    ];
    const all = Promise.all(writers);
    const loaded = await read(server.base, { until: all });
    const lines = await all;
    report(
      `PostgreSQL: reads while three ingests and a merge run (${ms(performance.now() - started)})`,
      idle,
      loaded,
      lines,
    );
  } finally {
    await server.close();
    await handle.close();
    await drop?.();
  }
}

async function benchPglite(): Promise<void> {
  const handle = await openDatabase({ databaseUrl: null, dataDir: 'memory://' });
  const server = await serve(handle);
  try {
    await post(server.base, ingestBody(generateRis(2_000, 7), 'seed'));
    const n = RECORDS * 4;
    const body = ingestBody(generateRis(n, 21), 'big');
    const idle = await read(server.base, { count: IDLE_REQUESTS });
    const ingest = describeWriter(`ingest ${n} records`, post(server.base, body));
    const loaded = await read(server.base, { until: ingest });
    report(`PGlite: reads during one ingest of ${n.toLocaleString('en-US')} records`, idle, loaded, [
      await ingest,
    ]);
  } finally {
    await server.close();
    await handle.close();
  }
}

console.log(
  `bench:load — ${READERS} concurrent readers of a cheap query over HTTP; idle: ${IDLE_REQUESTS} requests`,
);
if (TARGETS.includes('postgres')) await benchPostgres();
if (TARGETS.includes('pglite')) await benchPglite();
