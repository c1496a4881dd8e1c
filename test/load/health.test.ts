import { createServer as createHttpServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { sql } from 'drizzle-orm';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DatabaseHandle, openDatabase } from '../../src/db/client.ts';
import { createServer } from '../../src/server/server.ts';
import {
  type PrivateCluster,
  privateClusterUnavailable,
  startPrivateCluster,
} from '../support/private-cluster.ts';

const url = process.env.TEST_DATABASE_URL;

async function listen(handle: DatabaseHandle): Promise<{ http: Server; base: string }> {
  const yoga = createServer({ database: handle, maxIngestBytes: 1024 * 1024 });
  const http = createHttpServer(yoga);
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  return { http, base: `http://127.0.0.1:${(http.address() as AddressInfo).port}` };
}

async function health(base: string): Promise<{ status: number; body: unknown }> {
  const response = await fetch(`${base}/health`);
  return { status: response.status, body: await response.json() };
}

describe.skipIf(!url)('/health while every pooled connection is busy', () => {
  let handle: DatabaseHandle;
  let server: { http: Server; base: string };
  let holder: postgres.Sql;
  beforeAll(async () => {
    handle = await openDatabase({ databaseUrl: url as string, dataDir: '', maxConnections: 2 });
    server = await listen(handle);
    holder = postgres(url as string, { max: 1, onnotice: () => {} });
  });
  afterAll(async () => {
    server.http.close();
    await holder.end();
    await handle.close();
  });

  it('answers 200 from a connection of its own', async () => {
    const key = 4_242_099 + (process.pid % 1000);
    await holder`select pg_advisory_lock(${key})`;
    // Both pooled connections now wait on a lock only this test releases.
    // (then() sends them: drizzle queries are lazy.)
    const stuck = [0, 1].map(() =>
      handle.db.execute(sql`select pg_advisory_lock(${key}), pg_advisory_unlock(${key})`).then(() => {}),
    );
    try {
      for (;;) {
        const [row] = await holder<{ n: number }[]>`select count(*)::int as n from pg_locks
          where locktype = 'advisory' and objid = ${key} and not granted`;
        if ((row?.n ?? 0) >= 2) break;
        await new Promise((r) => setTimeout(r, 20));
      }
      expect(await health(server.base)).toEqual({
        status: 200,
        body: { status: 'ok', database: 'postgres' },
      });
    } finally {
      await holder`select pg_advisory_unlock(${key})`;
      await Promise.all(stuck);
    }
  });
});

const unavailable = privateClusterUnavailable();

describe('/health against a frozen PostgreSQL', () => {
  let cluster: PrivateCluster | null = null;
  let handle: DatabaseHandle | null = null;
  let server: { http: Server; base: string } | null = null;
  beforeAll(async () => {
    if (unavailable) return;
    cluster = await startPrivateCluster();
    handle = await openDatabase({ databaseUrl: cluster.url, dataDir: '', healthTimeoutMs: 500 });
    server = await listen(handle);
  }, 60_000);
  afterAll(async () => {
    server?.http.close();
    server?.http.closeAllConnections();
    cluster?.thaw();
    await handle?.close();
    await cluster?.stop();
  });

  it('answers 503 within its own timeout while the server is stopped, and 200 once it runs again', async (ctx) => {
    if (unavailable) {
      ctx.skip(`skipped: ${unavailable}`);
      return;
    }
    if (!cluster || !server) throw new Error('no cluster');
    expect((await health(server.base)).status).toBe(200);
    cluster.freeze();
    try {
      expect(await health(server.base)).toEqual({
        status: 503,
        body: { status: 'unavailable', database: 'postgres', reason: expect.stringMatching(/500 ms/) },
      });
      // A second probe while it is still frozen answers too (the stuck connection is not reused).
      expect((await health(server.base)).status).toBe(503);
    } finally {
      cluster.thaw();
    }
    let status = 0;
    while (status !== 200) {
      status = (await health(server.base)).status;
      if (status !== 200) await new Promise((r) => setTimeout(r, 100));
    }
    expect(status).toBe(200);
  }, 60_000);
});
