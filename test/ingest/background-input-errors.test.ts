import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatabaseHandle } from '../../src/db/client.ts';
import { ingestions } from '../../src/db/schema.ts';
import { runIngestion, storeSubmission } from '../../src/ingest/background.ts';
import { databaseIngestError, IngestError, isInputFailure } from '../../src/ingest/errors.ts';
import { INGEST_LOCK } from '../../src/ingest/ingest.ts';
import { databaseTargets, openTestDatabase } from '../support/db.ts';

/**
 * A background job whose input the database refuses fails at once with the reason; one that meets
 * a failure of the database itself is retried. The refusals come from a trigger raising the
 * SQLSTATE a bad value raises (22…: data exception) or a plain exception (P0001), for one title.
 */
describe.each(databaseTargets)('background jobs on $name', ({ url }) => {
  let handle: DatabaseHandle;
  beforeAll(async () => {
    handle = await openTestDatabase(url);
  });
  afterAll(async () => handle?.close());

  // DDL on citations in the order an ingest takes its locks (the writers' lock first), so it cannot
  // deadlock with an ingest of another test file on a shared PostgreSQL.
  const ddl = (statements: string[]) =>
    handle.db.transaction(async (tx) => {
      await tx.execute(sql`select pg_advisory_xact_lock(${INGEST_LOCK})`);
      for (const statement of statements) await tx.execute(sql.raw(statement));
    });
  const failInsert = (title: string, errcode: string) =>
    ddl([
      `create or replace function bibgraph_test_refuse() returns trigger language plpgsql as $$
        begin if new.title = '${title}' then raise exception 'refused %', new.title using errcode = '${errcode}'; end if;
        return new; end $$`,
      'drop trigger if exists bibgraph_test_refuse on citations',
      'create trigger bibgraph_test_refuse before insert on citations for each row execute function bibgraph_test_refuse()',
    ]);
  const cleanUp = () =>
    ddl([
      'drop trigger if exists bibgraph_test_refuse on citations',
      'drop function if exists bibgraph_test_refuse()',
    ]);

  const run = async (title: string) => {
    const id = await storeSubmission(
      handle.db,
      { content: `TY  - JOUR\nTI  - ${title}\nER  - \n`, source: 'job test', dryRun: false, actor: 'test' },
      1024 * 1024,
    );
    const outcome = await runIngestion(id, {
      db: handle.db,
      dbKind: handle.kind,
      maxBytes: 1024 * 1024,
      finalAttempt: false,
      publish: () => {},
      live: new Map(),
    });
    const [row] = await handle.db
      .select({ status: ingestions.status, error: ingestions.error })
      .from(ingestions)
      .where(eq(ingestions.id, id));
    // Other test files count the ingestions of a shared database.
    await handle.db.delete(ingestions).where(eq(ingestions.id, id));
    return { outcome, row };
  };

  it('a value the database refuses fails the job at once, with the reason and no retry', async () => {
    try {
      await failInsert('zqxrefusedvalue', '22P02');
      const { outcome, row } = await run('zqxrefusedvalue');
      expect(outcome).toEqual({ retry: false, status: 'failed' });
      expect(row?.status).toBe('failed');
      expect(row?.error).toMatch(/^Database error while storing records.*refused zqxrefusedvalue$/);
      expect(row?.error).not.toMatch(/attempt/);
    } finally {
      await cleanUp();
    }
  });

  it('a failure of the database itself is retried', async () => {
    try {
      await failInsert('zqxdatabasefault', 'P0001');
      const { outcome, row } = await run('zqxdatabasefault');
      expect(outcome).toMatchObject({
        retry: true,
        reason: expect.stringMatching(/refused zqxdatabasefault/),
      });
      expect(row?.status).toBe('queued');
    } finally {
      await cleanUp();
    }
  });

  it('tells input failures from the others by the error the driver gives', async () => {
    const refused = await handle.db.execute(sql`select '{'::jsonb`).catch((e: unknown) => e);
    expect(isInputFailure(databaseIngestError(refused))).toBe(true);
    const missing = await handle.db
      .execute(sql`select * from bibgraph_no_such_table`)
      .catch((e: unknown) => e);
    expect(isInputFailure(databaseIngestError(missing))).toBe(false);
    expect(isInputFailure(new IngestError('not a format', 'UNSUPPORTED_FORMAT'))).toBe(true);
    expect(isInputFailure(new Error('connection lost'))).toBe(false);
  });
});
