import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type PrivateCluster,
  privateClusterUnavailable,
  startPrivateCluster,
} from '../support/private-cluster.ts';
import { startServer, stopServer } from '../support/process.ts';

/*
 * A stopping server whose database does not answer (PostgreSQL stopped with SIGSTOP) must still
 * exit, naming what it waited for, instead of staying alive until something kills it unannounced.
 */
const unavailable = privateClusterUnavailable();

describe('shutdown with a database that does not answer', () => {
  let cluster: PrivateCluster | null = null;
  beforeAll(async () => {
    if (!unavailable) cluster = await startPrivateCluster();
  }, 60_000);
  afterAll(async () => {
    cluster?.thaw();
    await cluster?.stop();
  });

  it('exits within BIBGRAPH_SHUTDOWN_TIMEOUT and says which step was stuck', async (ctx) => {
    if (unavailable || !cluster) {
      ctx.skip(`skipped: ${unavailable}`);
      return;
    }
    const server = await startServer({
      DATABASE_URL: cluster.url,
      BIBGRAPH_SHUTDOWN_TIMEOUT: '2000',
      LOG_LEVEL: 'silent',
    });
    // A query in flight when the database freezes: its connection now waits forever.
    const pending = fetch(`${server.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ citations(first: 1) { totalCount } }' }),
    }).catch(() => null);
    cluster.freeze();
    try {
      await new Promise((r) => setTimeout(r, 300));
      // stopServer kills with SIGKILL after 20 s; that would leave the exit code null.
      const code = await stopServer(server.child, 'SIGTERM');
      expect(server.output()).toMatch(/SIGTERM received, shutting down/);
      expect(server.output()).toMatch(
        /shutdown still waiting for .+ after 2000 ms \(BIBGRAPH_SHUTDOWN_TIMEOUT\); exiting now/,
      );
      expect(code).toBe(1);
    } finally {
      cluster.thaw();
      await pending;
    }
  }, 60_000);
});
