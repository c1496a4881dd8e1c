import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatabaseHandle } from '../../src/db/client.ts';
import { ingestions } from '../../src/db/schema.ts';
import type { IngestionQueue } from '../../src/ingest/background.ts';
import { ingestRis } from '../../src/ingest/ingest.ts';
import { openIngestionQueue } from '../../src/ingest/queue.ts';
import { type BibgraphServer, createServer } from '../../src/server/server.ts';
import { listen } from '../access/http.ts';
import { cli } from '../support/cli.ts';
import { databaseTargets, openTestDatabase } from '../support/db.ts';
import { startIngestion } from '../support/live.ts';
import { createScratchDatabase } from '../support/scratch-db.ts';

/**
 * The anonymous response cache must not keep serving what was true before a write that did not
 * come through the server's GraphQL: a background ingestion committing in the server's process,
 * or `bibgraph ingest` (any other process) writing straight into the same PostgreSQL database.
 * Each test waits for the write to show (generously, never asserting how fast): with the cache
 * left stale, the answer would only change when BIBGRAPH_CACHE_TTL (60 s here) ran out.
 */

const DEADLINE_MS = 15_000;

function ris(title: string): string {
  return `TY  - JOUR\nTI  - ${title}\nAU  - Fresh, Frieda\nPY  - 2021\nER  - \n`;
}

/** The server over real HTTP (test/access/http.ts), and its GraphQL URL. */
async function serve(yoga: BibgraphServer): Promise<{ close: () => Promise<void>; url: string }> {
  const { port, close } = await listen(yoga);
  return { close, url: `http://127.0.0.1:${port}/graphql` };
}

/** An anonymous GET counting the citations that match `marker`, and its answer. */
async function countOf(url: string, marker: string, etag?: string) {
  const address = `${url}?query=${encodeURIComponent(`{ citations(first: 1, filter: { search: "${marker}" }) { totalCount } }`)}`;
  const res = await fetch(address, etag ? { headers: { 'if-none-match': etag } } : {});
  const body =
    res.status === 304
      ? null
      : ((await res.json()) as { data?: { citations: { totalCount: number } }; errors?: unknown[] });
  expect(body?.errors, JSON.stringify(body?.errors)).toBeUndefined();
  return {
    status: res.status,
    etag: res.headers.get('etag'),
    count: body?.data ? body.data.citations.totalCount : null,
  };
}

/** Asks again until the count is `expected`; fails with the last answer after DEADLINE_MS. */
async function waitForCount(url: string, marker: string, expected: number): Promise<void> {
  const until = Date.now() + DEADLINE_MS;
  let last: number | null = null;
  while (Date.now() < until) {
    last = (await countOf(url, marker)).count;
    if (last === expected) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  expect(last, `the cached answer still said ${last} after ${DEADLINE_MS} ms`).toBe(expected);
}

/** A cached answer that nothing has changed: the revalidation is a 304. */
async function cachedCount(url: string, marker: string): Promise<void> {
  const first = await countOf(url, marker);
  expect(first.count).toBe(0);
  expect(first.etag).toBeTruthy();
  expect((await countOf(url, marker, first.etag as string)).status).toBe(304);
}

function uniqueMarker(label: string): string {
  return `${label}${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`;
}

describe.each(databaseTargets)('response cache after a write outside GraphQL on $name', ({ url }) => {
  let handle: DatabaseHandle;
  let yoga: BibgraphServer;
  let queue: IngestionQueue;
  let server: { close: () => Promise<void>; url: string };
  let scratch: { url: string; drop(): Promise<void> } | null = null;

  beforeAll(async () => {
    // Rows committed for real (by the CLI too): a database of their own on PostgreSQL.
    scratch = url ? await createScratchDatabase(url, 'cachefresh') : null;
    handle = await openTestDatabase(scratch?.url ?? null);
    queue = await openIngestionQueue(handle, {
      databaseUrl: scratch?.url ?? null,
      maxBytes: 1024 * 1024,
      publish: () => {},
    });
    // No API token exists: this test, a loopback client, may write (startIngestion).
    yoga = createServer({
      database: handle,
      maxIngestBytes: 1024 * 1024,
      cacheTtlSeconds: 60,
      live: { queue },
      // One client asking as fast as the server answers; rate limits have tests of their own.
      limits: { rateLimitIpBurst: 1_000_000, rateLimitPerIp: 100_000_000 },
    });
    server = await serve(yoga);
  });
  afterAll(async () => {
    await server.close();
    await yoga.dispose();
    await queue.stop();
    await handle.close();
    await scratch?.drop();
  });

  it('without a write, the cached answer keeps being served (a 304 on revalidation)', async () => {
    const marker = uniqueMarker('quiet');
    const pause = () => new Promise((resolve) => setTimeout(resolve, 2_500));
    // First in the file, before anything is written. The server empties the cache once when it
    // first reads the database's write generation (something may have been cached under an older
    // one meanwhile): the answer is cached after that.
    await pause();
    const first = await countOf(server.url, marker);
    expect(first.count).toBe(0);
    // Long enough for the generation to be read again a few times: reading it when nothing was
    // written must not empty the cache.
    await pause();
    expect((await countOf(server.url, marker, first.etag as string)).status).toBe(304);
  });

  it('a write committed in the server process but not through GraphQL (a background ingestion) shows', async () => {
    const marker = uniqueMarker('inprocess');
    await cachedCount(server.url, marker);
    // What a background ingestion job does: the ingest service on the server's own database handle.
    const report = await ingestRis(handle.db, ris(`Written beside GraphQL ${marker}`), { source: 'job' });
    expect(report.created).toBe(1);
    await waitForCount(server.url, marker, 1);
  });

  it.skipIf(!url)(
    'a write committed through this server empties the cache once: the watch does not empty it again',
    async () => {
      // The server empties the cache at the commit; the database's write generation then shows the
      // same write to the watch, which must not take it for one made elsewhere. Emptied again, an
      // answer cached after the commit (fresh) would be thrown away within the watch's interval.
      for (let round = 0; round < 3; round++) {
        const marker = uniqueMarker(`once${round}`);
        const report = await ingestRis(handle.db, ris(`Written once ${marker}`), { source: 'job' });
        expect(report.created).toBe(1);
        await waitForCount(server.url, marker, 1);
        const fresh = await countOf(server.url, marker);
        expect(fresh.count).toBe(1);
        // Longer than the watch's interval (1 s): it reads the generation again meanwhile.
        await new Promise((resolve) => setTimeout(resolve, 2_500));
        expect((await countOf(server.url, marker, fresh.etag as string)).status).toBe(304);
      }
    },
  );

  it('a background ingestion (startIngestion, as `bibgraph ingest` through a server) shows once it has finished', async () => {
    const marker = uniqueMarker('background');
    await cachedCount(server.url, marker);
    // The mutation ends when the job is queued; the job commits later, through no mutation. Asked
    // meanwhile, as a page that polls would, the answer is cached from before the job's commit.
    const base = server.url.replace(/\/graphql$/, '');
    await startIngestion(base, ris(`Ingested in the background ${marker}`), { source: marker });
    const until = Date.now() + DEADLINE_MS;
    let status: string | undefined;
    while (Date.now() < until) {
      await countOf(server.url, marker);
      const [row] = await handle.db
        .select({ status: ingestions.status })
        .from(ingestions)
        .where(eq(ingestions.source, marker));
      status = row?.status;
      if (status !== undefined && status !== 'queued' && status !== 'running') break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(status).toBe('succeeded');
    await waitForCount(server.url, marker, 1);
  });

  it.skipIf(!url)(
    'a write by another process on the same PostgreSQL database (bibgraph ingest) shows',
    async () => {
      const marker = uniqueMarker('cli');
      await cachedCount(server.url, marker);
      const file = join(mkdtempSync(join(tmpdir(), 'bibgraph-cachefresh-')), 'one.ris');
      writeFileSync(file, ris(`Ingested by the CLI ${marker}`));
      // The CLI opens the database itself (its own connections): the server hears nothing of it.
      const run = await cli(['ingest', file], { DATABASE_URL: scratch?.url ?? '' });
      expect(run.code, run.stderr).toBe(0);
      await waitForCount(server.url, marker, 1);
    },
  );
});
