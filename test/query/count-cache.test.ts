import { sql } from 'drizzle-orm';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database, DatabaseHandle } from '../../src/db/client.ts';
import { ingestRis } from '../../src/ingest/ingest.ts';
import { type BibgraphServer, createServer, type ServerOptions } from '../../src/server/server.ts';
import { redisStore, type SharedStore } from '../../src/server/shared-store.ts';
import { cli } from '../support/cli.ts';
import { databaseTargets, openTestDatabase } from '../support/db.ts';
import { gql } from '../support/graphql.ts';
import { redisAnswers, testRedisUrl, uniqueRedisPrefix } from '../support/redis.ts';
import { createScratchDatabase } from '../support/scratch-db.ts';

/*
 * The count cache (src/query/count-cache.ts) against every kind of write: counts and facets stay
 * exact, and a warm cache answers without counting. Writes here commit, so the file has a
 * database of its own (a PGlite copy, or a scratch PostgreSQL database).
 */

const TAG = 'zqxcountcache';
const rec = (lines: string[]) => `${lines.join('\n')}\nER  - \n\n`;
const paper = (n: number, year: number, authors: string[], keywords: string[], address: string) =>
  rec([
    'TY  - JOUR',
    `TI  - Counting paper ${n} ${TAG}`,
    ...authors.map((a) => `AU  - ${a}`),
    `AD  - ${address}`,
    `PY  - ${year}`,
    ...keywords.map((k) => `KW  - ${k}`),
    'JO  - Journal of Counting',
    `DO  - 10.9999/${TAG}.${n}`,
  ]);

const batch = (from: number, count: number) =>
  Array.from({ length: count }, (_, i) =>
    paper(
      from + i,
      2015 + ((from + i) % 4),
      [`Counter, Ann${(from + i) % 3}`, `Tally, Bo${(from + i) % 2}`],
      [`Zqxterm${(from + i) % 3}`, 'Zqxshared'],
      (from + i) % 2 ? 'University of Oslo, Oslo, Norway' : 'Karolinska Institutet, Stockholm, Sweden',
    ),
  ).join('');

const COUNTS = `query Counts($f: CitationFilter) {
  citations(first: 3, filter: $f) {
    totalCount
    nodes { id }
    facets {
      years(size: 20) { value count }
      types { value count }
      containerTitles { value count }
      keywords(size: 20) { label count }
      authors(size: 20) { label count }
      affiliations(size: 20) { label count }
      countries { value count }
    }
  }
  total: citations(filter: $f) { totalCount }
}`;

const FILTERS: Array<Record<string, unknown>> = [
  {},
  { search: TAG },
  { yearFrom: 2016 },
  { keywords: ['Zqxshared'] },
];

const serverOptions = {
  maxIngestBytes: 10 * 1024 * 1024,
  maskErrors: false,
  limits: { rateLimitIpBurst: 1_000_000, rateLimitPerIp: 100_000_000, maxCost: 1_000_000 },
} satisfies Partial<ServerOptions>;

describe.each(databaseTargets)('count cache on $name', { timeout: 120_000 }, ({ name, url }) => {
  let scratch: { url: string; drop(): Promise<void> } | null = null;
  let handle: DatabaseHandle;
  /** The server under test, with the count cache on. */
  let cached: BibgraphServer;
  /** The same database without the cache: what an exact answer is. */
  let plain: BibgraphServer;
  const statements: string[] = [];

  beforeAll(async () => {
    scratch = url ? await createScratchDatabase(url, 'counts') : null;
    handle = await openTestDatabase(scratch?.url ?? null, {
      logger: { logQuery: (query) => statements.push(query) },
    });
    cached = createServer({ database: handle, ...serverOptions });
    plain = createServer({ database: handle, ...serverOptions, countCache: { maxEntries: 0 } });
  });
  afterAll(async () => {
    await handle?.close();
    await scratch?.drop();
  });

  async function answer(server: BibgraphServer, filter: Record<string, unknown>, db: Database = handle.db) {
    const r = await gql(server, db, COUNTS, { f: filter });
    expect(r.errors, JSON.stringify(r.errors)).toBeUndefined();
    return r.data as { citations: { totalCount: number; facets: unknown }; total: { totalCount: number } };
  }

  /** Statements that count: the page's InitPlan, a count of its own, or a facets statement. */
  const counting = (list: string[]) => list.filter((q) => /count\(/.test(q));

  /** Every filter: the cached server answers what the uncached one does, then again without counting. */
  async function expectExact(label: string) {
    for (const filter of FILTERS) {
      const truth = await answer(plain, filter);
      const first = await answer(cached, filter);
      expect(first, `${label}, ${JSON.stringify(filter)}`).toEqual(truth);
      expect(first.total.totalCount).toBe(first.citations.totalCount);
      statements.length = 0;
      const warm = await answer(cached, filter);
      expect(warm, `${label}, warm, ${JSON.stringify(filter)}`).toEqual(truth);
      expect(counting(statements), `${label}: a warm answer counts nothing`).toEqual([]);
    }
  }

  async function mutate(server: BibgraphServer, query: string, variables: Record<string, unknown>) {
    const r = await gql(server, handle.db, query, variables);
    expect(r.errors, JSON.stringify(r.errors)).toBeUndefined();
    return r.data as Record<string, { __typename: string } & Record<string, unknown>>;
  }

  async function taggedIds() {
    const r = await gql(
      plain,
      handle.db,
      `{ citations(first: 50, filter: { search: "${TAG}" }, orderBy: TITLE) { nodes { id title year authors { id name } } } }`,
    );
    expect(r.errors, JSON.stringify(r.errors)).toBeUndefined();
    return (
      r.data as {
        citations: {
          nodes: Array<{ id: string; year: number; authors: Array<{ id: string; name: string }> }>;
        };
      }
    ).citations.nodes;
  }

  it('stays exact after every kind of write, with a warm cache in between', async () => {
    await expectExact('empty');

    // 1. An ingest through GraphQL, on the server that caches.
    const ingested = await mutate(
      cached,
      'mutation($ris: String!) { ingestRis(input: { ris: $ris }) { created } }',
      {
        ris: batch(1, 6),
      },
    );
    expect(ingested.ingestRis?.created).toBe(6);
    await expectExact('after ingestRis');

    // 2. An ingest past every server: the CLI straight into PostgreSQL, or on PGlite the ingestion
    //    service the CLI runs, on the database directly.
    if (scratch) {
      const run = await cli(['ingest', '-'], { DATABASE_URL: scratch.url }, batch(7, 4));
      expect(run.code, run.stderr).toBe(0);
    } else {
      const report = await ingestRis(handle.db, batch(7, 4));
      expect(report.created).toBe(4);
    }
    await expectExact('after an ingest past the server');

    // 3. Curation through the other server: the cached one hears of it only from the database.
    const [first, second, third] = await taggedIds();
    const updated = await mutate(
      plain,
      'mutation($id: ID!) { updateCitation(id: $id, input: { year: 1999 }) { __typename } }',
      { id: first?.id },
    );
    expect(updated.updateCitation?.__typename).toBe('UpdateCitationPayload');
    await expectExact('after updateCitation');

    const ann0 = second?.authors.find((a) => a.name.startsWith('Counter'));
    const ann1 = third?.authors.find((a) => a.name.startsWith('Counter') && a.id !== ann0?.id);
    expect(ann0 && ann1).toBeTruthy();
    const merged = await mutate(
      plain,
      'mutation($into: ID!, $from: [ID!]!) { mergeAuthors(into: $into, from: $from) { __typename } }',
      { into: ann0?.id, from: [ann1?.id] },
    );
    expect(merged.mergeAuthors?.__typename).toBe('MergeAuthorsPayload');
    await expectExact('after mergeAuthors');

    const deleted = await mutate(plain, 'mutation($id: ID!) { deleteCitation(id: $id) { __typename } }', {
      id: second?.id,
    });
    expect(deleted.deleteCitation?.__typename).toBe('DeleteCitationPayload');
    await expectExact('after deleteCitation');

    // 4. Hand-written SQL: a label a facet shows.
    await handle.db.execute(sql`update keywords set term = 'Zqxrenamed' where term = 'Zqxterm1'`);
    await expectExact('after an UPDATE by hand');
  });

  it('never caches what a transaction sees of its own uncommitted writes', async () => {
    const filter = { search: TAG };
    const before = await answer(cached, filter);
    class Rollback extends Error {}
    await expect(
      handle.db.transaction(async (tx) => {
        await tx.execute(
          sql`update citations set year = 1901 where id in (select id from citations where title like ${`%${TAG}%`} limit 2)`,
        );
        // Inside the writing transaction (as a test's or, on PGlite, any read during an ingest):
        // it sees its own rows, and must not file them under the generation, which has not moved.
        const inside = await answer(cached, filter, tx);
        expect(JSON.stringify(inside.citations.facets)).toContain('"1901"');
        // From outside: on PGlite this runs inside the same open transaction too.
        await answer(cached, filter);
        throw new Rollback();
      }),
    ).rejects.toBeInstanceOf(Rollback);
    const after = await answer(cached, filter);
    expect(after).toEqual(before);
    expect(after).toEqual(await answer(plain, filter));
  });

  it.runIf(name === 'postgres')(
    'a reader racing a writer files what it saw under the generation it saw',
    async () => {
      const filter = { yearFrom: 2016 };
      const before = await answer(cached, filter);
      const writer = postgres(scratch?.url as string, { max: 1, onnotice: () => {} });
      try {
        const session = await writer.reserve();
        await session`begin`;
        await session`update citations set year = 2030 where title like ${`%${TAG}%`} and year < 2016`;
        // The write is not committed: the reader counts the old rows, at the old generation.
        expect(await answer(cached, filter)).toEqual(before);
        await session`commit`;
        session.release();
        const after = await answer(cached, filter);
        expect(after.citations.totalCount).toBeGreaterThan(before.citations.totalCount);
        expect(after).toEqual(await answer(plain, filter));
      } finally {
        await writer.end();
      }
    },
  );

  describe('two instances sharing Redis', () => {
    let available = false;
    let stores: SharedStore[] = [];
    let prefix = '';
    let a: BibgraphServer;
    let b: BibgraphServer;

    beforeAll(async () => {
      available = await redisAnswers();
      if (!available) return;
      prefix = uniqueRedisPrefix(`counts-${name}`);
      stores = [redisStore(testRedisUrl, prefix), redisStore(testRedisUrl, prefix)];
      a = createServer({ database: handle, ...serverOptions, store: stores[0] });
      b = createServer({ database: handle, ...serverOptions, store: stores[1] });
    });
    afterAll(async () => {
      const redis = stores[0]?.redis?.client;
      if (redis) {
        const keys = await redis.keys(`${prefix}*`);
        if (keys.length > 0) await redis.del(...keys);
      }
      for (const store of stores) await store.close();
    });

    it("see each other's counts and each other's writes", async (context) => {
      if (!available) context.skip(`no Redis at ${testRedisUrl}`);
      const filter = { search: TAG };
      const truth = await answer(plain, filter);
      expect(await answer(a, filter)).toEqual(truth);
      // b's first request shows it the generation (a process that has seen none counts once).
      await answer(b, { yearFrom: 1 });
      // Let a's writes to Redis land (they are not awaited by the request).
      await new Promise((r) => setTimeout(r, 100));
      statements.length = 0;
      expect(await answer(b, filter)).toEqual(truth);
      expect(counting(statements), 'b answers from what a counted').toEqual([]);

      const [first] = await taggedIds();
      await mutate(
        a,
        'mutation($id: ID!) { updateCitation(id: $id, input: { year: 1888 }) { __typename } }',
        {
          id: first?.id,
        },
      );
      const fresh = await answer(plain, filter);
      expect(fresh).not.toEqual(truth);
      expect(await answer(b, filter)).toEqual(fresh);
      expect(await answer(a, filter)).toEqual(fresh);
    });
  });
});
