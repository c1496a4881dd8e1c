/**
 * Live updates (npm run bench:live [-- records]): prints one table.
 *
 *   Commit → event latency: 60 small ingestRis mutations on instance A; graphChanged subscribers
 *     (graphql-ws) on A and on B, events through Redis. Latency = arrival − the event's committedAt
 *     (stamped by A right after the commit; one machine, one clock). p50 / p95.
 *   Ingest throughput with progress events on vs off: the same background-ingestion runner with its
 *     progress published to Redis (4 events/s, row saved each second), and with both turned off;
 *     `records` generated records (default 5,000), a warm-up run, then ABBA order, median of 3 each.
 *   Memory per open subscription: a server process holds 2,000 graphChanged subscriptions over 20
 *     sockets, then 400 sockets with one each; the process's RSS before and after (/proc), per
 *     subscription.
 *
 * PostgreSQL: DATABASE_URL, or a scratch database bibgraph_live_bench on 127.0.0.1 (created and
 * dropped here). Redis: REDIS_URL or redis://127.0.0.1:6379; channels under `live:bench:`.
 */
import { readFileSync } from 'node:fs';
import { createClient } from 'graphql-ws';
import postgres from 'postgres';
import WebSocket from 'ws';
import { formatTable } from '../src/cli/table.ts';
import { openDatabase } from '../src/db/client.ts';
import {
  bookkeeping,
  type IngestionUpdate,
  runIngestion,
  storeSubmission,
} from '../src/ingest/background.ts';
import { createLiveEvents } from '../src/live/events.ts';
import { startServer, stopServer } from '../test/support/process.ts';
import { generateRis } from './lib/generate-ris.ts';

const RECORDS = Number(process.argv[2] ?? 5_000);
const REDIS = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const PREFIX = `live:bench:${process.pid}:`;

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}
const median = (values: number[]) => percentile(values, 50);

async function scratchDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  if (process.env.DATABASE_URL) return { url: process.env.DATABASE_URL, drop: async () => {} };
  const admin = postgres('postgres://postgres@127.0.0.1:5432/postgres', { max: 1, onnotice: () => {} });
  await admin.unsafe('drop database if exists bibgraph_live_bench with (force)');
  await admin.unsafe('create database bibgraph_live_bench');
  return {
    url: 'postgres://postgres@127.0.0.1:5432/bibgraph_live_bench',
    drop: async () => {
      await admin.unsafe('drop database if exists bibgraph_live_bench with (force)');
      await admin.end();
    },
  };
}

function ws(base: string) {
  return createClient({
    url: `${base.replace(/^http/, 'ws')}/graphql`,
    webSocketImpl: WebSocket,
    lazy: false,
  });
}

async function latency(a: string, b: string): Promise<{ same: number[]; other: number[] }> {
  const arrivals = { same: [] as number[], other: [] as number[] };
  const clients = [ws(a), ws(b)];
  const keys = ['same', 'other'] as const;
  clients.forEach((client, i) => {
    client.subscribe<{ graphChanged: { committedAt: string } }>(
      { query: 'subscription { graphChanged(filter: { kinds: [CITATION] }) { committedAt } }' },
      {
        next: (v) => {
          const at = v.data?.graphChanged.committedAt;
          if (at) arrivals[keys[i] as 'same' | 'other'].push(Date.now() - Date.parse(at));
        },
        error: () => {},
        complete: () => {},
      },
    );
  });
  await new Promise((r) => setTimeout(r, 1_000));
  for (let i = 0; i < 60; i++) {
    await fetch(`${a}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        query: 'mutation($r: String!) { ingestRis(input: { ris: $r }) { created } }',
        variables: {
          r: `TY  - JOUR\nTI  - Latency probe ${process.pid} ${i}\nAU  - Probe, P\nPY  - 2025\nER  - \n`,
        },
      }),
    });
  }
  await new Promise((r) => setTimeout(r, 1_000));
  for (const client of clients) await client.dispose();
  return arrivals;
}

async function throughput(url: string): Promise<{ on: number[]; off: number[] }> {
  const handle = await openDatabase({ databaseUrl: url, dataDir: 'memory://' });
  const events = createLiveEvents({ redisUrl: REDIS, prefix: PREFIX, maxPerClient: 10 });
  const out = { on: [] as number[], off: [] as number[] };
  try {
    // A warm-up run first (not counted: the first runs on a fresh database are the slowest), then
    // ABBA order, so a trend over the runs does not favour either side.
    const order = [null, true, false, false, true, true, false];
    for (let run = 0; run < order.length; run++) {
      const on = order[run] ?? true;
      const ris = generateRis(RECORDS, 500 + run);
      const id = await bookkeeping(handle.db, 'postgres', 'bench', (tx) =>
        storeSubmission(tx, { content: ris, source: `bench ${run}`, dryRun: false, actor: 'bench' }, 1 << 30),
      );
      let published = 0;
      const started = performance.now();
      const outcome = await runIngestion(id, {
        db: handle.db,
        // "off" is the runner without anyone to tell: no events and no progress saved to the row.
        dbKind: on ? 'postgres' : 'pglite',
        maxBytes: 1 << 30,
        finalAttempt: true,
        publish: on
          ? (u: IngestionUpdate) => {
              published++;
              events.publishProgress(u);
            }
          : () => {},
        live: new Map(),
      });
      const seconds = (performance.now() - started) / 1000;
      if (outcome.retry || outcome.status !== 'succeeded')
        throw new Error(`run ${run} ended ${JSON.stringify(outcome)}`);
      if (order[run] !== null) (on ? out.on : out.off).push(RECORDS / seconds);
      console.error(
        `  run ${run}/6${run === 0 ? ' (warm-up)' : ''} progress ${on ? `on (${published} events)` : 'off'}: ${(RECORDS / seconds).toFixed(0)} records/s`,
      );
    }
  } finally {
    await events.close();
    await handle.close();
  }
  return out;
}

function rssOf(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(m?.[1] ?? 0) * 1024;
}

async function memory(env: Record<string, string>): Promise<Array<[string, number, number]>> {
  const server = await startServer({ ...env, BIBGRAPH_MAX_SUBSCRIPTIONS: '100000' });
  const pid = server.child.pid as number;
  const rows: Array<[string, number, number]> = [];
  const settle = () => new Promise((r) => setTimeout(r, 3_000));
  try {
    for (const [label, sockets, each] of [
      ['2,000 subscriptions over 20 sockets', 20, 100],
      ['400 sockets, one subscription each', 400, 1],
    ] as const) {
      await settle();
      const before = rssOf(pid);
      const clients = Array.from({ length: sockets }, () => ws(server.url));
      for (const client of clients) {
        for (let i = 0; i < each; i++) {
          client.subscribe(
            { query: 'subscription { graphChanged { operation } }' },
            { next: () => {}, error: () => {}, complete: () => {} },
          );
        }
      }
      for (;;) {
        const counts = (await (await fetch(`${server.url}/health/subscriptions`)).json()) as {
          subscriptions: number;
        };
        if (counts.subscriptions >= sockets * each) break;
        await new Promise((r) => setTimeout(r, 200));
      }
      await settle();
      const after = rssOf(pid);
      rows.push([label, sockets * each, (after - before) / (sockets * each)]);
      for (const client of clients) await client.dispose();
    }
  } finally {
    await stopServer(server.child);
  }
  return rows;
}

const db = await scratchDatabase();
try {
  const env = { DATABASE_URL: db.url, REDIS_URL: REDIS, BIBGRAPH_REDIS_PREFIX: PREFIX };
  console.error('latency: two instances…');
  const a = await startServer(env);
  const b = await startServer(env);
  const lat = await latency(a.url, b.url);
  await stopServer(a.child);
  await stopServer(b.child);
  console.error(`throughput: ${RECORDS} records, 3 runs each…`);
  const tp = await throughput(db.url);
  console.error('memory per subscription…');
  const mem = await memory(env);
  const ms = (n: number) => `${n.toFixed(0)} ms`;
  const onMedian = median(tp.on);
  const offMedian = median(tp.off);
  console.log(
    formatTable(
      ['Measure', 'Result'],
      [
        [
          'Commit → event, same instance (p50 / p95)',
          `${ms(median(lat.same))} / ${ms(percentile(lat.same, 95))} (${lat.same.length} events)`,
        ],
        [
          'Commit → event, other instance via Redis (p50 / p95)',
          `${ms(median(lat.other))} / ${ms(percentile(lat.other, 95))} (${lat.other.length} events)`,
        ],
        [
          `Background ingest, progress on (median of 3, ${RECORDS} records)`,
          `${onMedian.toFixed(0)} records/s`,
        ],
        ['Background ingest, progress off (median of 3)', `${offMedian.toFixed(0)} records/s`],
        ['Progress on vs off', `${((onMedian / offMedian - 1) * 100).toFixed(1)} % (target within ±5 %)`],
        ...mem.map(([label, n, perSub]): [string, string] => [
          `RSS per subscription: ${label}`,
          `${(perSub / 1024).toFixed(1)} KB (${n} open)`,
        ]),
      ],
    ),
  );
} finally {
  await db.drop();
}
