import type { Database } from '../../src/db/client.ts';
import { type DatabaseHandle, openDatabase } from '../../src/db/client.ts';

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

export async function openTestDatabase(url: string | null): Promise<DatabaseHandle> {
  return openDatabase({ databaseUrl: url, dataDir: 'memory://', maxConnections: 4 });
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
