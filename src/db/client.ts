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
import { DEFAULT_HEALTH_TIMEOUT_MS, DEFAULT_REPLICA_CHECK_MS, DEFAULT_WRITE_WAIT_MS } from '../config.ts';
import { SharedSession } from './embedded-session.ts';
import { lockFolder } from './folder-lock.ts';
import { preparedStatements } from './prepared.ts';
import { PostgresProbe, withTimeout } from './probe.ts';
import { RANDOM_PAGE_COST, readSessionSettings } from './read-session.ts';
import { relations } from './relations.ts';
import { ReplicaSet } from './replicas.ts';
import { registerWriteGate, WriteGate } from './writers.ts';

export type Relations = typeof relations;
/** Either driver, or a transaction on either: what resolvers and services receive. */
export type Database =
  | PgAsyncDatabase<PgQueryResultHKT, Relations>
  | PgAsyncTransaction<PgQueryResultHKT, Relations>;

export type DatabaseKind = 'pglite' | 'postgres';

/** What /health reports: whether the database answered a trivial query in time, and if not, why. */
export type DatabaseHealth = { ok: true } | { ok: false; reason: string };

export interface DatabaseHandle {
  kind: DatabaseKind;
  /**
   * Reads, and the services' entry point for writes: a write service given this database runs its
   * transaction through the writers' gate (src/db/writers.ts), on PostgreSQL in a pool of its own.
   */
  db: PgAsyncDatabase<PgQueryResultHKT, Relations>;
  close(): Promise<void>;
  /**
   * PGlite only: the whole data directory as a tarball, which `pgliteSnapshot` opens again as an
   * independent copy (the test suite migrates once and clones the result per file).
   */
  dumpDataDir?: () => Promise<Blob>;
  /**
   * Whether the database answers `select 1` within the health timeout. On PostgreSQL it asks on a
   * connection of its own, so busy pools cannot starve it and a frozen server cannot hang it.
   */
  ping(): Promise<DatabaseHealth>;
  /**
   * Streaming replicas that serve queries (DATABASE_REPLICA_URLS), or null without any. `db`
   * stays the primary: a request is routed to a replica explicitly (src/server/read-routing.ts).
   */
  replicas: ReplicaSet | null;
}

export interface OpenDatabaseOptions {
  databaseUrl: string | null;
  dataDir: string;
  logger?: Logger;
  /** Apply the committed migrations (default true). */
  migrate?: boolean;
  /** postgres.js pool size for reads (writers and /health have connections of their own). */
  maxConnections?: number;
  /**
   * PostgreSQL only: the longest any one statement may run, in ms. The server sets its request
   * timeout here, since answering TIMEOUT does not stop a statement already running. Writers have
   * their own pool without it (mutations are never cut off), and their wait for the writers' lock
   * is bounded by `writeWaitMs` instead.
   */
  statementTimeoutMs?: number;
  /**
   * PGlite only: what this process is, as the error names it to another process that tries to
   * open the same folder meanwhile ("bibgraph server on port 4000").
   */
  lockHolder?: string;
  /** Longest a writer waits for its turn before BUSY, in ms (default 10 minutes). */
  writeWaitMs?: number;
  /** Longest `ping()` waits for an answer, in ms (default 2 s). */
  healthTimeoutMs?: number;
  /** PGlite only, for a server: the URL it answers on, recorded in the lock for CLI commands. */
  lockUrl?: string;
  /**
   * PGlite only, in memory: start from this data directory (`dumpDataDir()` of a migrated
   * database) instead of an empty one; the migrations then find nothing left to apply.
   */
  pgliteSnapshot?: Blob;
  /** PostgreSQL only: streaming replicas of `databaseUrl` for queries (DATABASE_REPLICA_URLS). */
  replicaUrls?: readonly string[];
  /** How often replicas are probed, in ms (default 5 s). */
  replicaCheckMs?: number;
}

export const migrationsFolder = resolve(dirname(fileURLToPath(import.meta.url)), '../../migrations');

// Extensions are created outside the generated migrations because PGlite needs them loaded into
// the WASM build first and drizzle-kit does not model extensions.
const MIGRATION_LOCK = 4_242_017;

const extensionsSql = 'create extension if not exists pg_trgm; create extension if not exists unaccent;';

export async function openDatabase(options: OpenDatabaseOptions): Promise<DatabaseHandle> {
  const shouldMigrate = options.migrate ?? true;
  const writeWaitMs = options.writeWaitMs ?? DEFAULT_WRITE_WAIT_MS;
  const healthTimeoutMs = options.healthTimeoutMs ?? DEFAULT_HEALTH_TIMEOUT_MS;
  if (options.databaseUrl) {
    const url = options.databaseUrl;
    const client = postgres(url, {
      max: options.maxConnections ?? 10,
      onnotice: () => {},
      connection: readSessionSettings(options.statementTimeoutMs),
    });
    // Writers take turns (one per process at a time), so two connections are enough: one for the
    // running write, one spare. Reads never wait for them, nor they for reads. The statement
    // timeout is the read timeout and stays off here: a mutation is never cut off, since its client
    // must learn truthfully whether it committed (and a large batch on a busy server may take a while).
    const writers = postgres(url, {
      max: 2,
      onnotice: () => {},
      connection: { application_name: 'bibgraph writer' },
    });
    const db = drizzlePostgres({ client: preparedStatements(client), relations, logger: options.logger });
    const writerDb = drizzlePostgres({ client: writers, relations, logger: options.logger });
    if (shouldMigrate) {
      // Migrations may build indexes on large tables: they run on the writers' connections, which
      // have no statement timeout. Several instances (or test workers) may start at once: one
      // migrates while the others wait.
      const lock = await writers.reserve();
      try {
        await lock`select pg_advisory_lock(${MIGRATION_LOCK})`;
        await writers.unsafe(extensionsSql);
        await migratePostgres(drizzlePostgres({ client: writers, relations }), { migrationsFolder });
      } finally {
        await lock`select pg_advisory_unlock(${MIGRATION_LOCK})`.catch(() => {});
        lock.release();
      }
    }
    const typed = db as unknown as PgAsyncDatabase<PgQueryResultHKT, Relations>;
    registerWriteGate(
      typed,
      new WriteGate(writerDb as unknown as PgAsyncDatabase<PgQueryResultHKT, Relations>, writeWaitMs),
    );
    const health = new PostgresProbe(url, healthTimeoutMs);
    const replicas = options.replicaUrls?.length
      ? new ReplicaSet(options.replicaUrls, {
          maxConnections: options.maxConnections ?? 10,
          statementTimeoutMs: options.statementTimeoutMs,
          healthTimeoutMs,
          checkMs: options.replicaCheckMs ?? DEFAULT_REPLICA_CHECK_MS,
          logger: options.logger,
        })
      : null;
    // Known before the first request, so a replica that is down at start-up is skipped from the start.
    await replicas?.check();
    return {
      kind: 'postgres',
      db: typed,
      replicas,
      close: async () => {
        await Promise.all([
          client.end({ timeout: 5 }),
          writers.end({ timeout: 5 }),
          health.close(),
          replicas?.close(),
        ]);
      },
      ping: () => health.ping(),
    };
  }
  const memory = options.dataDir === 'memory://' || options.dataDir === '';
  if (!memory) mkdirSync(options.dataDir, { recursive: true });
  const lock = memory
    ? null
    : lockFolder(options.dataDir, options.lockHolder ?? 'a bibgraph process', {
        url: options.lockUrl,
      });
  let pglite: PGlite;
  try {
    pglite = await PGlite.create({
      dataDir: memory ? undefined : options.dataDir,
      extensions: { pg_trgm, unaccent },
      ...(memory && options.pgliteSnapshot ? { loadDataDir: options.pgliteSnapshot } : {}),
    });
  } catch (error) {
    lock?.release();
    throw error;
  }
  // One embedded session shared so that reads run between an ingest's statements (embedded-session.ts).
  const session = new SharedSession(pglite);
  const db = drizzlePglite({ client: session as unknown as PGlite, relations, logger: options.logger });
  try {
    if (shouldMigrate) {
      await session.exec(extensionsSql);
      await migratePglite(db, { migrationsFolder });
    }
    // Reads and writes share this session; its pages are all in memory (read-session.ts).
    await session.exec(`set random_page_cost = ${RANDOM_PAGE_COST}`);
  } catch (error) {
    await pglite.close().catch(() => {});
    lock?.release();
    throw error;
  }
  const typed = db as unknown as PgAsyncDatabase<PgQueryResultHKT, Relations>;
  registerWriteGate(typed, new WriteGate(typed, writeWaitMs));
  let closed = false;
  return {
    kind: 'pglite',
    db: typed,
    dumpDataDir: () => pglite.dumpDataDir('gzip'),
    replicas: null,
    close: async () => {
      if (closed) return;
      closed = true;
      try {
        await pglite.close();
      } finally {
        lock?.release();
      }
    },
    ping: async () => {
      if (closed) return { ok: false, reason: 'the database is closed' };
      return withTimeout(
        session.query('select 1').then(
          (): DatabaseHealth => ({ ok: true }),
          (error: Error): DatabaseHealth => ({ ok: false, reason: `PGlite failed: ${error.message}` }),
        ),
        healthTimeoutMs,
        () => ({
          ok: false,
          reason: `PGlite did not answer within ${healthTimeoutMs} ms (BIBGRAPH_HEALTH_TIMEOUT)`,
        }),
      );
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
