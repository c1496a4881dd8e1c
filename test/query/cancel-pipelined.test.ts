import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/client.ts';
import { type DatabaseHandle, openDatabase, rowsOf } from '../../src/db/client.ts';
import {
  guardDatabase,
  requestDatabase,
  requestScope,
  runInRequestScope,
} from '../../src/server/cancellation.ts';

const url = process.env.TEST_DATABASE_URL;

/**
 * A request cancelled while its statement waits in postgres.js's pipeline (written to a busy
 * connection, behind another request's statement) must not hand its result to the statement after
 * it. postgres.js 3.4 cancels such a statement when its turn comes and then gives the next one the
 * cancelled one's rows: under load, a client that hung up made the following request's query map
 * rows of another shape — the author page's INTERNAL "Cannot read properties of undefined (reading
 * '0')" after a burst. PostgreSQL only: PGlite runs one statement at a time and has no pipeline.
 */
describe.skipIf(!url)('cancelling a pipelined statement on PostgreSQL', () => {
  let handle: DatabaseHandle;
  beforeAll(async () => {
    // One connection, so the statements below queue up on it in the order they are sent.
    // The statement timeout as the server sets it: its request timeout (src/main.ts).
    handle = await openDatabase({
      databaseUrl: url ?? null,
      dataDir: 'memory://',
      maxConnections: 1,
      statementTimeoutMs: 1_000,
    });
    guardDatabase(handle.db);
  });
  afterAll(() => handle.close());

  /** Runs `fn` as the work of a request with this signal, by either way a request is scoped. */
  const asRequest = {
    'its own session': <T>(signal: AbortSignal, fn: (db: Database) => Promise<T>) => {
      const own = requestDatabase(handle.db, requestScope(signal));
      if (!own) throw new Error('the pool database should get a session of its own');
      return fn(own);
    },
    AsyncLocalStorage: <T>(signal: AbortSignal, fn: (db: Database) => Promise<T>) =>
      runInRequestScope(requestScope(signal), () => fn(handle.db)),
  };

  it.each(Object.keys(asRequest) as Array<keyof typeof asRequest>)(
    "leaves the next request's statement its own result (scoped by %s)",
    async (way) => {
      for (let round = 0; round < 3; round++) {
        const db = handle.db;
        // Another request's slow statement holds the connection.
        const slow = db.execute(sql`select 'slow' as a from pg_sleep(0.3)`).then((r) => rowsOf(r));
        // This request's statement is written behind it...
        const controller = new AbortController();
        const doomed = asRequest[way](controller.signal, (own) =>
          own.execute(sql`select 'doomed' as b, 2 as two`).then((r) => rowsOf(r)),
        );
        doomed.catch(() => {});
        // ...and a third request's behind that.
        const innocent = db.execute(sql`select 'innocent' as c`).then((r) => rowsOf(r));
        await new Promise((resolve) => setTimeout(resolve, 100));
        // The client of the middle request goes away while its statement waits in the pipeline.
        controller.abort();
        expect(await slow).toEqual([{ a: 'slow' }]);
        expect(await innocent).toEqual([{ c: 'innocent' }]);
        // The cancelled request's own statement ran to its end or was refused; its rows are its own.
        const own = await doomed.catch(() => null);
        if (own) expect(own).toEqual([{ b: 'doomed', two: 2 }]);
      }
    },
  );

  it.each(Object.keys(asRequest) as Array<keyof typeof asRequest>)(
    'leaves a running statement to the statement timeout, not to a cancel that could hit the next one (scoped by %s)',
    async (way) => {
      const controller = new AbortController();
      const started = Date.now();
      const running = asRequest[way](controller.signal, (own) =>
        own.execute(sql`select pg_sleep(5)`).then((r) => rowsOf(r)),
      );
      await new Promise((resolve) => setTimeout(resolve, 200));
      controller.abort();
      const error = (await running.then(
        () => null,
        (e: Error & { cause?: Error }) => e,
      )) as (Error & { cause?: Error }) | null;
      // drizzle reports "Failed query: …" with PostgreSQL's refusal as the cause: the session's
      // statement_timeout, about a second after it started, not a cancel at the abort.
      expect(error?.cause?.message ?? error?.message).toMatch(/canceling statement due to statement timeout/);
      expect(Date.now() - started).toBeLessThan(4_000);
      expect(rowsOf(await handle.db.execute(sql`select 1 as one`))).toEqual([{ one: 1 }]);
    },
  );
});
