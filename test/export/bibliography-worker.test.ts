import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { DatabaseHandle } from '../../src/db/client.ts';
import { formatPool } from '../../src/export/format-pool.ts';
import { bibliographyOf, exportRecordBatches } from '../../src/export/service.ts';
import { ingestRis } from '../../src/ingest/ingest.ts';
import { createServer } from '../../src/server/server.ts';
import { databaseTargets, inRolledBackTransaction, openTestDatabase } from '../support/db.ts';
import { gql, LOOPBACK } from '../support/graphql.ts';

const TAG = 'zqxbibworker';
const SIZE = 600;

const ris = Array.from(
  { length: SIZE },
  (_, i) =>
    `TY  - JOUR\nTI  - Worker formatting ${TAG} number ${i}\nAU  - Family${i % 97}, Given\nAU  - Second${i % 31}, Ann\nPY  - ${1980 + (i % 40)}\nT2  - Journal of Tests\nVL  - ${i % 50}\nSP  - ${i}\nEP  - ${i + 9}\nER  - \n`,
).join('');

const query = `{ bibliography(filter: { search: "${TAG}" }, style: "apa") { count content } }`;

describe.each(databaseTargets)(
  'large bibliographies are formatted off the event loop on $name',
  ({ url }) => {
    let handle: DatabaseHandle;
    beforeAll(async () => {
      handle = await openTestDatabase(url);
    });
    afterAll(() => handle.close());

    it('formats in a worker while cheap queries keep being answered, with the same result as in place', async () => {
      // Time enough for a loaded machine: this test is about where the work runs, not how long.
      const yoga = createServer({
        database: handle,
        maxIngestBytes: 4 * 1024 * 1024,
        limits: { requestTimeoutMs: 600_000 },
      });
      await inRolledBackTransaction(handle, async (tx) => {
        await ingestRis(tx, ris);
        let settled = false;
        const big = gql(yoga, tx, query).finally(() => {
          settled = true;
        });
        await vi.waitFor(() => expect(formatPool.stats().running).toBe(1), { timeout: 60_000, interval: 20 });
        // The event loop is free: a cheap query is answered while the bibliography is still formatting.
        const cheap = await gql(yoga, tx, '{ styles { name } locales }');
        expect(cheap.errors).toBeUndefined();
        expect(settled).toBe(false);
        const r = await big;
        expect(r.errors).toBeUndefined();
        expect(r.data?.bibliography.count).toBe(SIZE);
        const records = [];
        for await (const batch of exportRecordBatches(tx, { filter: { search: TAG } }))
          records.push(...batch);
        expect(r.data?.bibliography.content).toBe(
          bibliographyOf(records, { style: 'apa', locale: 'en-US', format: 'text' }).document,
        );
      });
    }, 180_000);

    it('terminates the worker when the client hangs up, and the next bibliography still works', async () => {
      const yoga = createServer({ database: handle, maxIngestBytes: 4 * 1024 * 1024 });
      await inRolledBackTransaction(handle, async (tx) => {
        await ingestRis(tx, ris);
        const terminated = formatPool.stats().terminated;
        const client = new AbortController();
        const request = new Request('http://localhost/graphql', {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ query }),
          signal: client.signal,
        });
        const pending = Promise.resolve(yoga.fetch(request, { db: tx, clientAddress: LOOPBACK })).catch(
          () => null,
        );
        await vi.waitFor(() => expect(formatPool.stats().running).toBe(1), { timeout: 60_000, interval: 20 });
        client.abort();
        await vi.waitFor(() => expect(formatPool.stats()).toMatchObject({ running: 0, queued: 0 }), {
          timeout: 10_000,
        });
        expect(formatPool.stats().terminated).toBe(terminated + 1);
        await pending;
        const again = await gql(yoga, tx, query);
        expect(again.errors, JSON.stringify(again.errors)).toBeUndefined();
        expect(again.data?.bibliography.count).toBe(SIZE);
      });
    }, 180_000);

    it('answers TIMEOUT for a bibliography past the time limit and leaves no formatting running', async () => {
      const slow = createServer({
        database: handle,
        maxIngestBytes: 4 * 1024 * 1024,
        // Far below what reading and formatting 600 entries takes on any machine, idle or loaded.
        limits: { requestTimeoutMs: 200 },
      });
      await inRolledBackTransaction(handle, async (tx) => {
        await ingestRis(tx, ris);
        const terminated = formatPool.stats().terminated;
        let formatting = false;
        const watch = setInterval(() => {
          formatting ||= formatPool.stats().running > 0;
        }, 10);
        const r = await gql(slow, tx, query).finally(() => clearInterval(watch));
        expect(r.errors?.[0]?.extensions?.code).toBe('TIMEOUT');
        await vi.waitFor(() => expect(formatPool.stats()).toMatchObject({ running: 0, queued: 0 }), {
          timeout: 10_000,
        });
        // On a loaded machine the time may run out while the citations are still being read.
        if (formatting) expect(formatPool.stats().terminated).toBe(terminated + 1);
      });
    }, 180_000);

    it('costs formatted citations by the page: 30 pages of 100 are refused', async () => {
      const yoga = createServer({ database: handle, maxIngestBytes: 1024 });
      const pages = Array.from(
        { length: 30 },
        (_, i) => `p${i}: citations(first: 100, filter: { yearTo: ${3000 + i} }) { nodes { formatted } }`,
      );
      await inRolledBackTransaction(handle, async (tx) => {
        const r = await gql(yoga, tx, `{ ${pages.join(' ')} }`);
        expect(r.errors?.[0]?.extensions?.code).toBe('COST_LIMIT');
        const one = await gql(yoga, tx, `{ ${pages[0]} }`);
        expect(one.errors).toBeUndefined();
      });
    });

    it('costs a bibliography by its entries: what each entry selects is multiplied by them', async () => {
      const yoga = createServer({ database: handle, maxIngestBytes: 1024 });
      await inRolledBackTransaction(handle, async (tx) => {
        const perEntry = await gql(
          yoga,
          tx,
          '{ bibliography { entries { formatted citation { title authors { name affiliations { affiliation { name } } } } } } }',
        );
        expect(perEntry.errors?.[0]?.extensions?.code).toBe('COST_LIMIT');
        const whole = await gql(yoga, tx, '{ bibliography { count content } }');
        expect(whole.errors).toBeUndefined();
      });
    });
  },
);
