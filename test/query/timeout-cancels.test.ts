import { sql } from 'drizzle-orm';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type Database, type DatabaseHandle, openDatabase, rowsOf } from '../../src/db/client.ts';
import { ingestRis } from '../../src/ingest/ingest.ts';
import { RequestAbortedError, requestDatabase, requestScope } from '../../src/server/cancellation.ts';
import { type BibgraphServer, createServer } from '../../src/server/server.ts';
import { databaseTargets, inRolledBackTransaction } from '../support/db.ts';
import { gql, LOOPBACK } from '../support/graphql.ts';

const TIMEOUT_MESSAGE = /^Query exceeded the request time limit of \d+ ms \(BIBGRAPH_REQUEST_TIMEOUT\)$/;

// Several rounds of statements: the page, then each level of nested lists and the facets.
const nested = `{ citations(first: 60, filter: { search: "zqxtimeout" }) {
  totalCount
  nodes { id title keywords { term } authors { name affiliations { affiliation { name } }
    citations(first: 5) { nodes { title authors { name } } } } }
  facets { years { value count } keywords { value count } authors { value count } } } }`;

const records = Array.from(
  { length: 60 },
  (_, i) =>
    `TY  - JOUR\nTI  - Timeout zqxtimeout ${i}\nAU  - Person${i % 13}, A.\nAU  - Other${i % 7}, B.\nAD  - Institute ${i % 5}, Berlin, Germany\nKW  - k${i % 7}\nPY  - ${1990 + (i % 30)}\nER  - \n`,
).join('');

/** Counts the statements drizzle sends, as a reviewer would with a logger. */
function statementLog() {
  const statements: string[] = [];
  return { statements, logger: { logQuery: (query: string) => void statements.push(query) } };
}

describe.each(databaseTargets)('a query that times out stops its work on $name', ({ url }) => {
  const log = statementLog();
  let handle: DatabaseHandle;
  beforeAll(async () => {
    handle = await openDatabase({
      databaseUrl: url,
      dataDir: 'memory://',
      maxConnections: 4,
      logger: log.logger,
    });
  });
  afterAll(() => handle.close());

  it('issues no statement after answering TIMEOUT, and fewer than the whole query needs', async () => {
    await inRolledBackTransaction(handle, async (tx) => {
      await ingestRis(tx, records);
      const unlimited = createServer({ database: handle, maxIngestBytes: 1024 });
      const before = log.statements.length;
      const whole = await gql(unlimited, tx, nested);
      expect(whole.errors).toBeUndefined();
      expect(whole.data?.citations.totalCount).toBe(60);
      const needed = log.statements.length - before;
      expect(needed).toBeGreaterThan(2);

      const slow = createServer({ database: handle, maxIngestBytes: 1024, limits: { requestTimeoutMs: 1 } });
      const start = log.statements.length;
      const cut = await gql(slow, tx, nested);
      expect(cut.errors?.[0]?.message).toMatch(TIMEOUT_MESSAGE);
      expect(cut.errors?.[0]?.extensions?.code).toBe('TIMEOUT');
      const atAnswer = log.statements.length;
      expect(atAnswer - start).toBeLessThan(needed);
      // Give anything left running every chance to issue its next statement.
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      expect(log.statements.length).toBe(atAnswer);
    });
  });

  it('still answers a cheap query afterwards, and mutations are not cut off', async () => {
    const slow = createServer({
      database: handle,
      maxIngestBytes: 4096,
      limits: { requestTimeoutMs: 5_000 },
    });
    await inRolledBackTransaction(handle, async (tx) => {
      const r = await gql(slow, tx, '{ citations(first: 1) { totalCount } styles { name } }');
      expect(r.errors).toBeUndefined();
      expect(r.data?.styles.length).toBeGreaterThan(0);
      const m = await gql(
        slow,
        tx,
        'mutation($ris: String!) { ingestRis(input: { ris: $ris }) { created } }',
        {
          ris: 'TY  - JOUR\nTI  - After a timeout zqxtimeout\nER  - \n',
        },
      );
      expect(m.data?.ingestRis.created).toBe(1);
    });
  });
});

describe.each(databaseTargets)("a request's own database session on $name", ({ url }) => {
  let handle: DatabaseHandle;
  beforeAll(async () => {
    handle = await openDatabase({ databaseUrl: url, dataDir: 'memory://', maxConnections: 2 });
  });
  afterAll(() => handle.close());

  it('refuses statements once its request is aborted, and leaves the shared database alone', async () => {
    const controller = new AbortController();
    const own = requestDatabase(handle.db, requestScope(controller.signal));
    expect(own).not.toBeNull();
    const one = sql`select 1 as one`;
    expect(rowsOf(await (own as Database).execute(one))).toEqual([{ one: 1 }]);
    expect(await (own as Database).query.citations.findMany({ columns: { id: true }, limit: 1 })).toEqual([]);
    controller.abort();
    await expect((own as Database).execute(one)).rejects.toThrow(RequestAbortedError);
    await expect((own as Database).query.citations.findMany({ limit: 1 })).rejects.toThrow(
      RequestAbortedError,
    );
    expect(rowsOf(await handle.db.execute(one))).toEqual([{ one: 1 }]);
    // A transaction keeps AsyncLocalStorage: it cannot get a session of its own.
    await inRolledBackTransaction(handle, async (tx) => {
      expect(requestDatabase(tx, requestScope(new AbortController().signal))).toBeNull();
    });
  });
});

const url = process.env.TEST_DATABASE_URL;

describe.skipIf(!url)('on PostgreSQL a timed-out statement ends', () => {
  const log = statementLog();
  let handle: DatabaseHandle;
  let yoga: BibgraphServer;
  let locker: postgres.Sql;
  beforeAll(async () => {
    // Migrated first: the migrator needs more than the one connection used below.
    await (await openDatabase({ databaseUrl: url as string, dataDir: '' })).close();
    // Two connections (the query below runs two statements at once), so the backends the
    // request's statements run on are known.
    handle = await openDatabase({
      databaseUrl: url as string,
      dataDir: '',
      maxConnections: 2,
      migrate: false,
      logger: log.logger,
      // As src/main.ts sets it: the statement timeout is the request timeout.
      statementTimeoutMs: 500,
    });
    yoga = createServer({ database: handle, maxIngestBytes: 1024, limits: { requestTimeoutMs: 500 } });
    // Two connections: one holds the lock, the other watches pg_stat_activity.
    locker = postgres(url as string, { max: 2, onnotice: () => {} });
  });
  afterAll(async () => {
    await locker.end({ timeout: 5 });
    await handle.close();
  });

  it('ends the statement still waiting in PostgreSQL when the client gets TIMEOUT, and starts no other', async () => {
    // Both connections at once: each answers with its backend's pid.
    const pids = (
      await Promise.all(
        [0, 1].map(async () =>
          rowsOf<{ pid: number }>(
            await handle.db.execute(sql`select pg_backend_pid() as pid, pg_sleep(0.2)`),
          ),
        ),
      )
    ).map((rows) => Number(rows[0]?.pid));
    expect(new Set(pids).size).toBe(2);
    const active = async () =>
      (
        await locker`select count(*)::int as n from pg_stat_activity where pid in ${locker(pids)} and state = 'active'`
      )[0]?.n;
    // A statement that cannot finish on its own: the table is locked by another session.
    const lock = await locker.reserve();
    try {
      await lock`begin`;
      await lock`lock table citations in access exclusive mode`;
      const response = await yoga.fetch(
        'http://localhost/graphql',
        {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({
            query: '{ citations(first: 5) { totalCount nodes { id authors { name } } } }',
          }),
        },
        { clientAddress: LOOPBACK },
      );
      const body = (await response.json()) as { errors?: Array<{ message: string }> };
      expect(body.errors?.[0]?.message).toMatch(TIMEOUT_MESSAGE);
      const atAnswer = log.statements.length;
      // Without the statement timeout the statement would wait for the lock as long as it is held.
      await vi.waitFor(
        async () => {
          expect(await active()).toBe(0);
        },
        { timeout: 10_000, interval: 100 },
      );
      await lock`rollback`;
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      expect(log.statements.length).toBe(atAnswer);
    } finally {
      lock.release();
    }
    // The connection the cancelled statement ran on serves the next request.
    const cheap = await gql(yoga, handle.db, '{ citations(first: 1) { totalCount } }');
    expect(cheap.errors).toBeUndefined();
  });
});
