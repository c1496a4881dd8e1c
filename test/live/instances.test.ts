import type { ChildProcess } from 'node:child_process';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateRis } from '../../bench/lib/generate-ris.ts';
import {
  collect,
  GRAPH_CHANGED,
  INGESTION_PROGRESS,
  liveCounts,
  post,
  startIngestion,
  waitUntil,
  wsClient,
} from '../support/live.ts';
import { startServer, stopServer } from '../support/process.ts';
import { redisAnswers, testRedisUrl } from '../support/redis.ts';
import { createScratchDatabase } from '../support/scratch-db.ts';

const databaseUrl = process.env.TEST_DATABASE_URL ?? null;
const hasRedis = await redisAnswers(testRedisUrl);
const why = !databaseUrl
  ? 'TEST_DATABASE_URL is not set: skipped'
  : !hasRedis
    ? `Redis at ${testRedisUrl} does not answer: skipped`
    : 'PostgreSQL and Redis';

type Server = { child: ChildProcess; url: string; output: () => string };

const INGESTION = `query($id: ID!) { node(id: $id) { ... on Ingestion { status attempts error created found } } }`;

/**
 * Several server processes (main.ts) on one PostgreSQL database and the local Redis: jobs in
 * graphile-worker, events through Redis pub/sub on a channel prefix of this run's own.
 */
describe.skipIf(!databaseUrl || !hasRedis)(`two instances (${why})`, () => {
  let scratch: { url: string; drop(): Promise<void> };
  let sql: postgres.Sql;
  let env: Record<string, string>;
  const servers: Server[] = [];
  let a: Server;
  let b: Server;

  const start = async () => {
    const server = await startServer(env);
    servers.push(server);
    return server;
  };
  const ingestion = async (base: string, id: string) => (await post(base, INGESTION, { id })).data.node;
  const rowId = (id: string) => Number(Buffer.from(id, 'base64').toString('utf8').split(':')[1]);

  beforeAll(async () => {
    scratch = await createScratchDatabase(databaseUrl as string, 'live_instances');
    sql = postgres(scratch.url, { max: 1, onnotice: () => {} });
    env = {
      DATABASE_URL: scratch.url,
      REDIS_URL: testRedisUrl,
      BIBGRAPH_REDIS_PREFIX: `live:test:${process.pid}:${Date.now()}:`,
    };
    // One at a time: the first migrates (the app's tables and graphile-worker's schema).
    a = await start();
    b = await start();
  }, 180_000);
  afterAll(async () => {
    for (const server of servers) {
      if (server.child.exitCode === null && server.child.signalCode === null) await stopServer(server.child);
    }
    await sql?.end();
    await scratch?.drop();
  }, 120_000);

  it('shows a subscriber on B the progress and the change events of a job started on A', async () => {
    const client = wsClient(b.url);
    const changes = collect(client, GRAPH_CHANGED, { filter: { kinds: ['CITATION'] } });
    await waitUntil(
      async () => (await liveCounts(b.url)).subscriptions === 1,
      10_000,
      'the subscription on B',
    );
    const ris = generateRis(1_500, 81);
    const started = await startIngestion(a.url, ris, { source: 'started on A' });
    const progress = collect(client, INGESTION_PROGRESS, { id: started.id });
    await progress.ended(120_000);
    const updates = progress.events.map((e) => e.ingestionProgress);
    expect(updates.at(-1)).toMatchObject({ status: 'SUCCEEDED', records: 1_500, result: { created: 1_500 } });
    expect(updates.some((u) => u.status === 'RUNNING' || u.status === 'QUEUED')).toBe(true);
    const created = () =>
      changes.events
        .filter((e) => e.graphChanged.operation === 'startIngestion')
        .flatMap((e) => e.graphChanged.changes)
        .filter((c: { action: string }) => c.action === 'CREATED');
    await waitUntil(async () => created().length >= 1_500, 30_000, 'the change events of the commit');
    expect(new Set(created().map((c: { id: string }) => c.id)).size).toBe(1_500);
    await client.dispose();
  }, 180_000);

  it('runs each job exactly once while both instances take jobs', async () => {
    const jobs = await Promise.all(
      [0, 1, 2, 3, 4, 5].map((i) =>
        startIngestion(i % 2 ? a.url : b.url, generateRis(150, 90 + i), { source: `once ${i}` }),
      ),
    );
    for (const job of jobs) {
      await waitUntil(async () => (await ingestion(a.url, job.id)).status === 'SUCCEEDED', 120_000, job.id);
    }
    const ids = jobs.map((j) => rowId(j.id));
    const rows = await sql<{ id: number; attempts: number; created: number }[]>`
      select id, attempts, created from ingestions where id in ${sql(ids)} order by id`;
    expect(rows.map((r) => [r.attempts, r.created])).toEqual(ids.map(() => [1, 150]));
    const audit = await sql<{ n: number }[]>`
      select count(*)::int as n from audit_log where action = 'startIngestion'
        and subjects && ${ids.map((id) => `Ingestion:${id}`)}::text[]`;
    expect(audit[0]?.n).toBe(6);
    const citations = await sql<
      { n: number }[]
    >`select count(*)::int as n from citations where ingestion_id in ${sql(ids)}`;
    expect(citations[0]?.n).toBe(900);
    const left = await sql<{ n: number }[]>`select count(*)::int as n from graphile_worker.jobs`;
    expect(left[0]?.n).toBe(0);
    const uploads = await sql<{ n: number }[]>`select count(*)::int as n from ingestion_uploads`;
    expect(uploads[0]?.n).toBe(0);
  }, 240_000);

  it('a kill -9 of the instance running a job leaves no partial rows; another instance runs it again', async () => {
    // Only A takes jobs now, so A is the one to kill.
    await stopServer(b.child);
    const started = await startIngestion(a.url, generateRis(5_000, 95), { source: 'killed mid-job' });
    const id = rowId(started.id);
    const client = wsClient(a.url);
    const progress = collect(client, INGESTION_PROGRESS, { id: started.id });
    await progress.waitFor(
      (e) => e.ingestionProgress.status === 'RUNNING' && e.ingestionProgress.records > 0,
      60_000,
    );
    a.child.kill('SIGKILL');
    await new Promise((resolve) => a.child.once('exit', resolve));
    await client.dispose();
    const [row] = await sql<{ status: string }[]>`select status from ingestions where id = ${id}`;
    expect(row?.status).toBe('running');
    const partial = await sql<
      { n: number }[]
    >`select count(*)::int as n from citations where ingestion_id = ${id}`;
    expect(partial[0]?.n).toBe(0);

    const c = await start();
    await waitUntil(
      async () => {
        const node = await ingestion(c.url, started.id);
        return node.status === 'SUCCEEDED' ? node : undefined;
      },
      180_000,
      'the retried job',
    );
    const [done] = await sql<{ attempts: number; found: number; written: number }[]>`
      select attempts, found, created + updated as written from ingestions where id = ${id}`;
    expect(done).toMatchObject({ attempts: 2, found: 5_000 });
    // Every citation it wrote, written once, by the second attempt.
    const stored = await sql<
      { n: number }[]
    >`select count(*)::int as n from citations where ingestion_id = ${id}`;
    expect(stored[0]?.n).toBe(done?.written);
    expect(done?.written).toBeGreaterThan(4_000);
    b = c;
  }, 300_000);

  it('cancels a running job: it rolls back and ends CANCELLED', async () => {
    const started = await startIngestion(b.url, generateRis(5_000, 96), { source: 'cancelled' });
    const client = wsClient(b.url);
    const progress = collect(client, INGESTION_PROGRESS, { id: started.id });
    await progress.waitFor((e) => e.ingestionProgress.status === 'RUNNING', 60_000);
    const cancelled = await post(b.url, `mutation($id: ID!) { cancelIngestion(id: $id) { id } }`, {
      id: started.id,
    });
    expect(cancelled.errors).toBeUndefined();
    await progress.ended(60_000);
    const last = progress.events.at(-1).ingestionProgress;
    expect(last.status).toBe('CANCELLED');
    expect(last.error).toMatch(/Cancelled/);
    const rows = await sql<
      { n: number }[]
    >`select count(*)::int as n from citations where ingestion_id = ${rowId(started.id)}`;
    expect(rows[0]?.n).toBe(0);
    await client.dispose();
  }, 180_000);
});
