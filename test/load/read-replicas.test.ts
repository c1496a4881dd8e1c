import type { ChildProcess } from 'node:child_process';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type PrivateCluster,
  privateClusterUnavailable,
  type StreamingReplica,
  startPrivateCluster,
  startStreamingReplica,
} from '../support/private-cluster.ts';
import { startServer, stopServer } from '../support/process.ts';

/**
 * Read replicas on real parts: a private primary (initdb), a streaming replica of it
 * (pg_basebackup -R), and the server as a child process with DATABASE_REPLICA_URLS. Replay on the
 * replica is paused to tell the two apart: a write is then on the primary only, so whichever
 * database answers a query shows in what the query sees.
 *
 * TEST_PG_PORT sets the primary's port (the replica takes the next one); else free ports.
 */
const unavailable = privateClusterUnavailable();
const basePort = process.env.TEST_PG_PORT ? Number(process.env.TEST_PG_PORT) : undefined;

describe.skipIf(unavailable !== null)(
  `queries on a streaming replica, writes on the primary${unavailable ? ` (skipped: ${unavailable})` : ''}`,
  { timeout: 300_000 },
  () => {
    let primary: PrivateCluster | undefined;
    let replica: StreamingReplica | undefined;
    let replicaSql: postgres.Sql | undefined;
    let server: { child: ChildProcess; url: string; output: () => string } | undefined;
    const marker = `replica${Date.now().toString(36)}`;

    beforeAll(async () => {
      primary = await startPrivateCluster({ port: basePort });
      replica = await startStreamingReplica(primary, { port: basePort && basePort + 1 });
      server = await startServer({
        DATABASE_URL: primary.url,
        DATABASE_REPLICA_URLS: replica.url,
        // Probes only when /health asks: the first query after a stop meets the dead replica.
        BIBGRAPH_REPLICA_CHECK: '3600000',
        BIBGRAPH_HEALTH_TIMEOUT: '1000',
        // Every query must reach a database, not the response cache.
        BIBGRAPH_CACHE_TTL: '0',
      });
    }, 300_000);

    afterAll(async () => {
      // Each step on its own, so a failure in one still removes the rest.
      await replicaSql?.end({ timeout: 1 }).catch(() => {});
      if (server) await stopServer(server.child).catch(() => {});
      await replica?.stop().catch(() => {});
      await primary?.stop().catch(() => {});
    });

    const onReplica = () => {
      replicaSql ??= postgres(replica?.url as string, { max: 1, onnotice: () => {} });
      return replicaSql;
    };

    async function graphql(query: string, variables: Record<string, unknown> = {}) {
      const res = await fetch(`${server?.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query, variables }),
      });
      expect(res.status).toBe(200);
      // biome-ignore lint/suspicious/noExplicitAny: each test reads the fields its query selected
      const body = (await res.json()) as { data?: any; errors?: unknown[] };
      expect(body.errors).toBeUndefined();
      return body.data;
    }

    const count = async () =>
      (
        await graphql('query($s: String!) { citations(filter: { search: $s }) { totalCount } }', {
          s: marker,
        })
      ).citations.totalCount as number;

    /** A mutation whose payload reads the rows it wrote back. */
    const ingest = async (title: string) =>
      (
        await graphql(
          'mutation($ris: String!) { ingestRis(input: { ris: $ris }) { created citations { title authors { name } } } }',
          { ris: `TY  - JOUR\nTI  - ${title}\nAU  - Replica, Rita\nPY  - 2024\nER  - \n` },
        )
      ).ingestRis;

    async function health() {
      const res = await fetch(`${server?.url}/health`);
      return { status: res.status, text: await res.text() };
    }

    async function eventually<T>(probe: () => Promise<T>, done: (value: T) => boolean): Promise<T> {
      const deadline = Date.now() + 30_000;
      for (;;) {
        const value = await probe();
        if (done(value) || Date.now() > deadline) return value;
        await new Promise((r) => setTimeout(r, 200));
      }
    }

    /** Holds back replay on the replica: writes reach the primary only until `resume`. */
    const pause = () => onReplica()`select pg_wal_replay_pause()`;
    const resume = () => onReplica()`select pg_wal_replay_resume()`;

    it('reports the replica on /health, without its URL', async () => {
      const { status, text } = await health();
      expect(status).toBe(200);
      expect(JSON.parse(text)).toMatchObject({
        status: 'ok',
        database: 'postgres',
        replicas: [{ replica: 1, status: 'up' }],
      });
      expect(text).not.toContain(String(replica?.port));
      expect(text).not.toContain('postgres://');
    });

    it("sends queries to the replica, and a mutation's payload to the primary", async () => {
      await eventually(count, (n) => n === 0);
      await pause();
      try {
        const result = await ingest(`Read your writes ${marker}`);
        // The payload shows its own write at once, though the replica has not replayed it.
        expect(result.created).toBe(1);
        expect(result.citations).toEqual([
          { title: `Read your writes ${marker}`, authors: [{ name: 'Rita Replica' }] },
        ]);
        // A query does not see it: it ran on the paused replica, not on the primary.
        expect(await count()).toBe(0);
        // And the server holds read connections there.
        const sessions = await onReplica()`
          select count(*)::int as n from pg_stat_activity where application_name = 'bibgraph'`;
        expect(sessions[0]?.n).toBeGreaterThan(0);
      } finally {
        await resume();
      }
      // Replay resumed: the replica catches up and the query sees the write.
      expect(await eventually(count, (n) => n === 1)).toBe(1);
    });

    it('skips a replica that stops, reports it down, and uses it again once it is back', async () => {
      replicaSql?.end({ timeout: 0 }).catch(() => {});
      replicaSql = undefined;
      replica?.halt();
      // Queries keep answering, from the primary, without an error, from the first one on.
      expect(await count()).toBe(1);
      await ingest(`While the replica is down ${marker}`);
      expect(await count()).toBe(2);
      const down = await health();
      expect(down.status).toBe(200);
      const body = JSON.parse(down.text);
      expect(body).toMatchObject({ status: 'degraded', replicas: [{ replica: 1, status: 'down' }] });
      // Found by the failed read itself (the periodic probe is off here), and retried on the primary.
      expect(body.replicas[0].reason).toMatch(
        /^replica 1 failed a read \((ECONNREFUSED|57P01|CONNECTION_\w+)\)$/,
      );
      expect(down.text).not.toContain(String(replica?.port));
      expect(server?.output()).toMatch(/replica 1 is skipped/);

      replica?.start();
      const up = await eventually(health, (h) => JSON.parse(h.text).status === 'ok');
      expect(JSON.parse(up.text)).toMatchObject({ status: 'ok', replicas: [{ replica: 1, status: 'up' }] });
      expect(server?.output()).toMatch(/replica 1 answers again/);
      // It caught up, and queries go to it again: with replay paused, a new write stays unseen.
      expect(await eventually(count, (n) => n === 2)).toBe(2);
      await pause();
      try {
        expect((await ingest(`After the restart ${marker}`)).created).toBe(1);
        expect(await count()).toBe(2);
      } finally {
        await resume();
      }
      expect(await eventually(count, (n) => n === 3)).toBe(3);
    });
  },
);
