import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import type { Logger } from 'drizzle-orm';
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

export async function openTestDatabase(
  url: string | null,
  options: { logger?: Logger } = {},
): Promise<DatabaseHandle> {
  return openDatabase({
    databaseUrl: url,
    dataDir: 'memory://',
    maxConnections: 4,
    logger: options.logger,
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

/**
 * Fills `dir` (which must not hold a database yet) with the migrated PGlite data directory the
 * global setup made, and returns it: a folder for a server or CLI process that opens it as a
 * user's `./data` after its first start, without creating and migrating a database first (seconds
 * of WASM per folder). The snapshot is PGlite's own dump, a gzipped ustar archive.
 */
export function migratedPgliteFolder(dir: string): string {
  const archive = gunzipSync(readFileSync(inject('pgliteSnapshot')));
  const text = (at: number, length: number) =>
    archive.toString('utf8', at, at + length).replace(/\0.*$/s, '');
  for (let at = 0; at + 512 <= archive.length; ) {
    const name = text(at, 100);
    if (name === '') break;
    const prefix = text(at + 345, 155);
    const size = Number.parseInt(text(at + 124, 12).trim() || '0', 8);
    const type = text(at + 156, 1);
    const path = join(dir, `${prefix ? `${prefix}/` : ''}${name}`.replace(/^\/+/, ''));
    if (!path.startsWith(dir)) throw new Error(`the PGlite snapshot names a path outside it: ${name}`);
    if (type === '5') mkdirSync(path, { recursive: true });
    else if (type === '0' || type === '') {
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, archive.subarray(at + 512, at + 512 + size));
    }
    at += 512 + Math.ceil(size / 512) * 512;
  }
  return dir;
}
