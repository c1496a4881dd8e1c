import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
import { unaccent } from '@electric-sql/pglite/contrib/unaccent';
import type { Logger } from 'drizzle-orm';
import type { PgAsyncDatabase, PgAsyncTransaction, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js';
import { migrate as migratePostgres } from 'drizzle-orm/postgres-js/migrator';
import postgres from 'postgres';
import { lockFolder } from './folder-lock.ts';
import { relations } from './relations.ts';

export type Relations = typeof relations;
/** Either driver, or a transaction on either: what resolvers and services receive. */
export type Database =
  | PgAsyncDatabase<PgQueryResultHKT, Relations>
  | PgAsyncTransaction<PgQueryResultHKT, Relations>;

export type DatabaseKind = 'pglite' | 'postgres';

export interface DatabaseHandle {
  kind: DatabaseKind;
  db: PgAsyncDatabase<PgQueryResultHKT, Relations>;
  /** Runs raw SQL and returns rows the same way on both drivers. */
  close(): Promise<void>;
  /** True when the database answers a trivial query. */
  ping(): Promise<boolean>;
}

export interface OpenDatabaseOptions {
  databaseUrl: string | null;
  dataDir: string;
  logger?: Logger;
  /** Apply the committed migrations (default true). */
  migrate?: boolean;
  /** postgres.js pool size. */
  maxConnections?: number;
  /**
   * PostgreSQL only: the longest any one statement may run, in ms. The server sets its request
   * timeout here, since answering TIMEOUT does not stop a statement already running. Ingestion
   * is unaffected: it writes in batches of short statements.
   */
  statementTimeoutMs?: number;
  /**
   * PGlite only: what this process is, as the error names it to another process that tries to
   * open the same folder meanwhile ("bibgraph server on port 4000").
   */
  lockHolder?: string;
  /** PGlite only, for a server: the URL it answers on, recorded in the lock for CLI commands. */
  lockUrl?: string;
}

export const migrationsFolder = resolve(dirname(fileURLToPath(import.meta.url)), '../../migrations');

// Extensions are created outside the generated migrations because PGlite needs them loaded into
// the WASM build first and drizzle-kit does not model extensions.
const MIGRATION_LOCK = 4_242_017;

const extensionsSql = 'create extension if not exists pg_trgm; create extension if not exists unaccent;';

export async function openDatabase(options: OpenDatabaseOptions): Promise<DatabaseHandle> {
  const shouldMigrate = options.migrate ?? true;
  if (options.databaseUrl) {
    const client = postgres(options.databaseUrl, {
      max: options.maxConnections ?? 10,
      onnotice: () => {},
      connection: {
        application_name: 'bibgraph',
        ...(options.statementTimeoutMs ? { statement_timeout: options.statementTimeoutMs } : {}),
      },
    });
    const db = drizzlePostgres({ client, relations, logger: options.logger });
    if (shouldMigrate) {
      // Migrations may build indexes on large tables: they run on a connection of their own,
      // without the statement timeout meant for requests.
      const migrator = options.statementTimeoutMs
        ? postgres(options.databaseUrl, {
            max: 2,
            onnotice: () => {},
            connection: { application_name: 'bibgraph' },
          })
        : client;
      // Several instances (or test workers) may start at once: one migrates while the others wait.
      const lock = await migrator.reserve();
      try {
        await lock`select pg_advisory_lock(${MIGRATION_LOCK})`;
        await migrator.unsafe(extensionsSql);
        await migratePostgres(drizzlePostgres({ client: migrator, relations }), { migrationsFolder });
      } finally {
        await lock`select pg_advisory_unlock(${MIGRATION_LOCK})`.catch(() => {});
        lock.release();
        if (migrator !== client) await migrator.end({ timeout: 5 });
      }
    }
    return {
      kind: 'postgres',
      db: db as unknown as PgAsyncDatabase<PgQueryResultHKT, Relations>,
      close: () => client.end({ timeout: 5 }),
      ping: async () => {
        try {
          await client`select 1`;
          return true;
        } catch {
          return false;
        }
      },
    };
  }
  const memory = options.dataDir === 'memory://' || options.dataDir === '';
  if (!memory) mkdirSync(options.dataDir, { recursive: true });
  const lock = memory
    ? null
    : lockFolder(options.dataDir, options.lockHolder ?? 'a bibgraph process', {
        url: options.lockUrl,
      });
  let client: PGlite;
  try {
    client = await PGlite.create({
      dataDir: memory ? undefined : options.dataDir,
      extensions: { pg_trgm, unaccent },
    });
  } catch (error) {
    lock?.release();
    throw error;
  }
  const db = drizzlePglite({ client, relations, logger: options.logger });
  if (shouldMigrate) {
    try {
      await client.exec(extensionsSql);
      await migratePglite(db, { migrationsFolder });
    } catch (error) {
      await client.close().catch(() => {});
      lock?.release();
      throw error;
    }
  }
  let closed = false;
  return {
    kind: 'pglite',
    db: db as unknown as PgAsyncDatabase<PgQueryResultHKT, Relations>,
    close: async () => {
      if (closed) return;
      closed = true;
      try {
        await client.close();
      } finally {
        lock?.release();
      }
    },
    ping: async () => {
      if (closed) return false;
      try {
        await client.query('select 1');
        return true;
      } catch {
        return false;
      }
    },
  };
}

/** Rows of a raw `db.execute()` on either driver (PGlite wraps them, postgres.js does not). */
export function rowsOf<T>(result: unknown): T[] {
  if (Array.isArray(result)) return result as T[];
  return ((result as { rows?: T[] }).rows ?? []) as T[];
}

/** Rows grouped by a key, in their order (Node 20 has no Map.groupBy). */
export function groupBy<T, K>(rows: readonly T[], key: (row: T) => K): Map<K, T[]> {
  const out = new Map<K, T[]>();
  for (const row of rows) {
    const k = key(row);
    const list = out.get(k);
    if (list) list.push(row);
    else out.set(k, [row]);
  }
  return out;
}
