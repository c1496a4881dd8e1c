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
import { Worker } from 'node:worker_threads';
import postgres from 'postgres';
import { formatTable } from '../src/cli/table.ts';
import { DEFAULT_LIMITS } from '../src/config.ts';
import { type DatabaseHandle, openDatabase } from '../src/db/client.ts';
import { createServer } from '../src/server/server.ts';
import type { ClientsInput, ClientsResult, FromClients, PhaseSample } from './lib/load-clients.ts';

const RECORDS = Number(process.argv[2] ?? 5_000);
const TARGETS = (process.env.BENCH_TARGETS ?? 'postgres,pglite').split(',');
/** Concurrent readers, each sending its next request when the last one answered. */
const READERS = 4;
const IDLE_REQUESTS = 2_000;

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

/** What one measured phase saw: client latencies, and the server loop's delay meanwhile. */
interface Sample extends PhaseSample {
  loop: IntervalHistogram;
}

/**
 * Runs the scenario's clients in a worker thread (bench/lib/load-clients.ts) and samples this
 * thread's event-loop delay — the server's — during each measured phase.
 */
async function runClients(
  base: string,
  scenario: ClientsInput['scenario'],
): Promise<{
  idle: Sample;
  loaded: Sample;
  writers: string[];
  loadedMs: number;
}> {
  const loops = {
    idle: monitorEventLoopDelay({ resolution: 10 }),
    loaded: monitorEventLoopDelay({ resolution: 10 }),
  };
  const input: ClientsInput = {
    base,
    scenario,
    records: RECORDS,
    readers: READERS,
    idleRequests: IDLE_REQUESTS,
  };
  const worker = new Worker(new URL('./lib/load-clients.mjs', import.meta.url), { workerData: input });
  const result = await new Promise<ClientsResult>((resolve, reject) => {
    worker.on('message', (m: FromClients) => {
      if ('result' in m) return resolve(m.result);
      loops.idle.disable();
      loops.loaded.disable();
      if (m.phase !== 'end') loops[m.phase].enable();
    });
    worker.on('error', reject);
    worker.on('exit', (code) => reject(new Error(`load clients exited with ${code}`)));
  });
  await worker.terminate();
  return {
    idle: { ...result.idle, loop: loops.idle },
    loaded: { ...result.loaded, loop: loops.loaded },
    writers: result.writers,
    loadedMs: result.loadedMs,
  };
}

/** BENCH_TIMELINE=1: reads under load per second of the phase, to see when the slow ones came. */
function timeline(sample: Sample): void {
  const bySecond = new Map<number, number[]>();
  sample.latencies.forEach((latency, i) => {
    const second = Math.floor((sample.startedAt[i] ?? 0) / 1000);
    bySecond.set(second, [...(bySecond.get(second) ?? []), latency]);
  });
  console.log(
    formatTable(
      ['second', 'reads', 'p50', 'p95', 'max'],
      [...bySecond].map(([second, l]) => [
        second,
        l.length,
        ms(percentile(l, 50)),
        ms(percentile(l, 95)),
        ms(Math.max(...l)),
      ]),
    ),
  );
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

const ms = (n: number) => (n >= 1000 ? `${(n / 1000).toFixed(2)} s` : `${n.toFixed(1)} ms`);
/** The histogram counts in ns, and includes its own 10 ms sampling interval: that is subtracted. */
const lag = (h: IntervalHistogram, p: number) =>
  ms(Math.max(0, (p === 100 ? h.max : h.percentile(p)) / 1e6 - 10));

function report(title: string, idle: Sample, loaded: Sample, writers: string[], target: string): void {
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
  if (process.env.BENCH_TIMELINE) timeline(loaded);
  console.log(`\np95 under load / p95 idle: ${(p95Load / p95Idle).toFixed(2)}× (${target})`);
  for (const w of writers) console.log(`  ${w}`);
}

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
    const r = await runClients(server.base, 'postgres');
    report(
      `PostgreSQL: reads while three ingests and a merge run (${ms(r.loadedMs)})`,
      r.idle,
      r.loaded,
      r.writers,
      'target < 2×',
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
    const r = await runClients(server.base, 'pglite');
    const n = RECORDS * 4;
    report(
      `PGlite: reads during one ingest of ${n.toLocaleString('en-US')} records`,
      r.idle,
      r.loaded,
      r.writers,
      // One PGlite connection: a read waits for the batch in progress, so the target is that reads
      // are served between batches (none failing), not a ratio.
      'target: reads answered between batches, no errors',
    );
  } finally {
    await server.close();
    await handle.close();
  }
}

console.log(
  `bench:load — ${READERS} concurrent readers of a cheap query over HTTP (clients in a worker thread); idle: ${IDLE_REQUESTS} requests`,
);
if (TARGETS.includes('postgres')) await benchPostgres();
if (TARGETS.includes('pglite')) await benchPglite();
