import { createServer as createHttpServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateRis } from '../../bench/lib/generate-ris.ts';
import { type DatabaseHandle, openDatabase } from '../../src/db/client.ts';
import { ingestRis } from '../../src/ingest/ingest.ts';
import { type BibgraphServer, createServer } from '../../src/server/server.ts';
import { createScratchDatabase } from '../support/scratch-db.ts';

const url = process.env.TEST_DATABASE_URL;

type Answer = {
  data?: { citations?: { totalCount: number; nodes: Array<{ id: string }> } };
  errors?: unknown;
};

const PAGE = JSON.stringify({
  query: '{ citations(first: 20) { totalCount nodes { id title authors { id name } keywords { term } } } }',
});

/**
 * Clients that hang up mid-request (a browser leaving the page, a typeahead dropping its last
 * keystroke's request) must cost nobody else anything. Cancelling their statements did: a cancel
 * request names a backend, not a statement, so one that arrived after its statement finished hit
 * the next statement on that pooled connection — another client's — which then failed, or got
 * another statement's rows ("0 entries", "Cannot read properties of undefined"): a third of the
 * other requests in a bench run with clients hanging up. PostgreSQL only: PGlite cancels nothing.
 */
describe.skipIf(!url)('clients that hang up on PostgreSQL', () => {
  let scratch: Awaited<ReturnType<typeof createScratchDatabase>>;
  let handle: DatabaseHandle;
  let yoga: BibgraphServer;
  let server: ReturnType<typeof createHttpServer>;
  let port = 0;
  let expected: { totalCount: number; ids: string[] };

  beforeAll(async () => {
    scratch = await createScratchDatabase(url as string, 'clientgone');
    handle = await openDatabase({
      databaseUrl: scratch.url,
      dataDir: '',
      maxConnections: 3,
      statementTimeoutMs: 10_000,
    });
    await ingestRis(handle.db, generateRis(120, 7301));
    yoga = createServer({
      database: handle,
      maxIngestBytes: 1024,
      maskErrors: false,
      limits: { rateLimitIpBurst: 1_000_000, rateLimitPerIp: 100_000_000 },
    });
    server = createHttpServer(yoga as never);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  }, 60_000);
  afterAll(async () => {
    await new Promise((resolve) => server?.close(resolve));
    await handle?.close();
    await scratch?.drop();
  });

  /** One POST of the page; `hangUpAfterMs` destroys the socket that long after sending. */
  const post = (hangUpAfterMs?: number) =>
    new Promise<Answer | null>((resolve) => {
      const req = request(
        {
          host: '127.0.0.1',
          port,
          path: '/graphql',
          method: 'POST',
          headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(PAGE) },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve(JSON.parse(Buffer.concat(chunks).toString())));
          res.on('error', () => resolve(null));
        },
      );
      req.on('error', () => resolve(null));
      req.end(PAGE);
      if (hangUpAfterMs !== undefined) setTimeout(() => req.destroy(), hangUpAfterMs);
    });

  it('answers every other client right while clients hang up mid-request', async () => {
    const first = await post();
    expect(first?.errors).toBeUndefined();
    expected = {
      totalCount: first?.data?.citations?.totalCount ?? -1,
      ids: first?.data?.citations?.nodes.map((n) => n.id) ?? [],
    };
    expect(expected.ids).toHaveLength(20);
    let stop = false;
    let hungUp = 0;
    const rude = Array.from({ length: 6 }, async () => {
      while (!stop) {
        await post(Math.random() * 8);
        hungUp++;
      }
    });
    const wrong: string[] = [];
    let checked = 0;
    const until = Date.now() + 4_000;
    while (Date.now() < until || checked < 40) {
      const answer = await post();
      checked++;
      const ids = answer?.data?.citations?.nodes?.map((n) => n.id);
      if (
        answer?.errors ||
        answer?.data?.citations?.totalCount !== expected.totalCount ||
        JSON.stringify(ids) !== JSON.stringify(expected.ids)
      )
        wrong.push(JSON.stringify(answer).slice(0, 300));
    }
    stop = true;
    await Promise.all(rude);
    expect(hungUp).toBeGreaterThan(50);
    expect(wrong, `${wrong.length} of ${checked} answers wrong`).toEqual([]);
  }, 60_000);
});
