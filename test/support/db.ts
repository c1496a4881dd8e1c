import { readFileSync } from 'node:fs';
import { sql } from 'drizzle-orm';
import { inject } from 'vitest';
import type { Database } from '../../src/db/client.ts';
import { type DatabaseHandle, openDatabase } from '../../src/db/client.ts';
import { INGEST_LOCK } from '../../src/ingest/ingest.ts';

/**
 * The databases every database test runs on: embedded PGlite always, and the PostgreSQL at
 * TEST_DATABASE_URL when it is set.
 */
export const databaseTargets: Array<{ name: 'pglite' | 'postgres'; url: string | null }> = [
  { name: 'pglite', url: null },
  ...(process.env.TEST_DATABASE_URL
    ? [{ name: 'postgres' as const, url: process.env.TEST_DATABASE_URL }]
    : []),
];

let snapshot: Blob | undefined;

/** The migrated PGlite data directory the global setup made (test/support/pglite-snapshot.ts). */
function pgliteSnapshot(): Blob {
  snapshot ??= new Blob([readFileSync(inject('pgliteSnapshot'))]);
  return snapshot;
}

export async function openTestDatabase(url: string | null): Promise<DatabaseHandle> {
  return openDatabase({
    databaseUrl: url,
    dataDir: 'memory://',
    maxConnections: 4,
    ...(url ? {} : { pgliteSnapshot: pgliteSnapshot() }),
  });
}

/**
 * Makes inserting a citation with this title fail inside `tx`, as a database failure would. The
 * writers' lock is taken first, in the order an ingest takes its locks: the trigger's DDL lock on
 * citations, taken first, could deadlock with an ingest running in another test file.
 */
export async function failCitationInsert(tx: Database, title: string, message: string): Promise<void> {
  await tx.execute(sql`select pg_advisory_xact_lock(${INGEST_LOCK})`);
  const quoted = (s: string) => `'${s.replaceAll("'", "''")}'`;
  await tx.execute(
    sql.raw(`create function bibgraph_test_fail() returns trigger language plpgsql as $$
      begin if new.title = ${quoted(title)} then raise exception ${quoted(message)}; end if; return new; end $$`),
  );
  await tx.execute(
    sql.raw(
      'create trigger bibgraph_test_fail before insert on citations for each row execute function bibgraph_test_fail()',
    ),
  );
}

class Rollback extends Error {}

/** Runs `fn` inside a transaction that is always rolled back, so tests leave no rows behind. */
export async function inRolledBackTransaction<T>(
  handle: DatabaseHandle,
  fn: (tx: Database) => Promise<T>,
): Promise<T> {
  let result: T | undefined;
  try {
    await handle.db.transaction(async (tx) => {
      result = await fn(tx);
      throw new Rollback();
    });
  } catch (error) {
    if (!(error instanceof Rollback)) throw error;
  }
  return result as T;
}
