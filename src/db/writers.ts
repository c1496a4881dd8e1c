import { sql } from 'drizzle-orm';
import type { PgAsyncDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { DEFAULT_WRITE_WAIT_MS } from '../config.ts';
import { BusyError } from '../errors.ts';
import { type GraphChange, openJournal } from './changes.ts';
import { type Database, type Relations, rowsOf } from './client.ts';
import { sqlState } from './driver-errors.ts';
import { Turns } from './turns.ts';

/** Advisory lock held by every writer of the graph (ingests and curation), one at a time. */
export const WRITERS_LOCK = 4_242_018;

/**
 * How one database handle lets writers take turns. Writers of this process queue here, holding
 * no connection while they wait, so waiting writers can never use up connections that reads need;
 * the one whose turn it is then takes the advisory lock that queues it behind other instances.
 */
export class WriteGate {
  readonly turns = new Turns();
  /** The writer whose turn it is, for the BUSY message of the ones behind it. */
  current: { label: string; since: number } | null = null;
  /** Told what each committed write changed (the server publishes it to subscribers). */
  readonly commitListeners = new Set<(label: string, changes: GraphChange[]) => void>();
  constructor(
    /** Where write transactions run: the writers' pool on PostgreSQL. */
    readonly db: PgAsyncDatabase<PgQueryResultHKT, Relations>,
    /** Longest a writer waits for its turn, queue and lock together (BIBGRAPH_WRITE_WAIT). */
    readonly waitMs: number,
  ) {}
}

// Services receive whatever database the request context carries: the handle's own (then the gate
// applies) or a transaction a test or another service opened (then they join it, lock and all).
const gates = new WeakMap<object, WriteGate>();

export function registerWriteGate(db: object, gate: WriteGate): void {
  gates.set(db, gate);
}

/**
 * Runs `work` in a transaction of its own once it is this writer's turn: first in this process,
 * then across instances (the advisory lock). Waiting longer than the write wait is a BusyError;
 * nothing has been written then. `label` names the writer in other writers' BUSY messages and in
 * `pg_stat_activity.application_name` while it holds the lock.
 */
export async function writeTransaction<T>(
  db: Database,
  label: string,
  work: (tx: Database) => Promise<T>,
): Promise<T> {
  const gate = gates.get(db);
  const started = performance.now();
  if (!gate) {
    return db.transaction(async (tx) => {
      await takeWritersLock(tx, label, DEFAULT_WRITE_WAIT_MS, started);
      return work(tx);
    });
  }
  const release = await gate.turns.acquire(gate.waitMs);
  if (!release) {
    const holder = gate.current;
    throw busy(
      gate.waitMs,
      performance.now() - started,
      holder
        ? `"${holder.label}" in this process (writing for ${duration(performance.now() - holder.since)})`
        : null,
    );
  }
  gate.current = { label, since: performance.now() };
  let changes: GraphChange[] = [];
  let result: T;
  try {
    result = await gate.db.transaction(async (tx) => {
      // A journal only for someone to tell: it holds an entry per row an ingest creates, which
      // without a listener (the CLI) only grew with the input until the commit dropped it.
      if (gate.commitListeners.size > 0) changes = openJournal(tx);
      await takeWritersLock(tx, label, gate.waitMs, started);
      return work(tx);
    });
  } finally {
    gate.current = null;
    release();
  }
  // Only here has the transaction committed: a subscriber told earlier could read the database and
  // not find what it was told about (or find it gone after a rollback).
  if (changes.length > 0) {
    for (const listener of gate.commitListeners) {
      try {
        listener(label, changes);
      } catch {
        // A listener's failure is the listener's; the write has committed and stays a success.
      }
    }
  }
  return result;
}

/**
 * Calls `listener` after every write through this database's gate commits, with what it changed.
 * Returns the function that removes it. A database without a gate (a transaction) has no commits
 * of its own to announce, so nothing is registered.
 */
export function onCommit(db: object, listener: (label: string, changes: GraphChange[]) => void): () => void {
  const gate = gates.get(db);
  if (!gate) return () => {};
  gate.commitListeners.add(listener);
  return () => gate.commitListeners.delete(listener);
}

/**
 * Takes the writers' advisory lock for the rest of `tx`. The wait is bounded by the write wait,
 * not by `statement_timeout`: that one is the read timeout, and a writer queued behind a long
 * ingest is not a runaway statement.
 */
async function takeWritersLock(tx: Database, label: string, limitMs: number, started: number): Promise<void> {
  const [first] = rowsOf<{ ok: boolean; statement_timeout: string; lock_timeout: string }>(
    await tx.execute(
      sql`select pg_try_advisory_xact_lock(${WRITERS_LOCK}) as ok, current_setting('statement_timeout') as statement_timeout, current_setting('lock_timeout') as lock_timeout`,
    ),
  );
  if (!first?.ok) {
    const limit = `${Math.max(1, Math.round(limitMs - (performance.now() - started)))}ms`;
    try {
      // In a savepoint: when the wait times out, the transaction stays usable to ask who holds the lock.
      await tx.transaction(async (sp) => {
        await sp.execute(
          sql`select set_config('statement_timeout', '0', true), set_config('lock_timeout', ${limit}, true)`,
        );
        await sp.execute(sql`select pg_advisory_xact_lock(${WRITERS_LOCK})`);
      });
    } catch (error) {
      if (sqlState(error) !== '55P03') throw error;
      throw busy(limitMs, performance.now() - started, await lockHolder(tx));
    }
  }
  await tx.execute(
    sql`select set_config('statement_timeout', ${first?.statement_timeout ?? '0'}, true), set_config('lock_timeout', ${first?.lock_timeout ?? '0'}, true), set_config('application_name', ${applicationName(label)}, true)`,
  );
}

/**
 * Who holds the writers' lock, in words; null when nobody does (any more) or it cannot be seen.
 * Advisory locks belong to one database: the same key held in another database on the same server
 * (another bibgraph) is not this one's holder.
 */
async function lockHolder(tx: Database): Promise<string | null> {
  const rows = rowsOf<{
    pid: number;
    application_name: string | null;
    client: string | null;
    seconds: number | null;
  }>(
    await tx.execute(sql`
      select l.pid, a.application_name, host(a.client_addr) as client,
             extract(epoch from clock_timestamp() - a.xact_start)::float8 as seconds
      from pg_locks l left join pg_stat_activity a on a.pid = l.pid
      where l.locktype = 'advisory' and l.granted and l.classid = 0 and l.objid = ${WRITERS_LOCK} and l.objsubid = 1
        and l.database = (select oid from pg_database where datname = current_database())`),
  );
  const row = rows[0];
  if (!row) return null;
  const name = row.application_name ? `"${row.application_name}"` : 'a session';
  const from = row.client ? ` from ${row.client}` : '';
  const since = row.seconds !== null ? `, in its transaction for ${duration(row.seconds * 1000)}` : '';
  return `${name} (PostgreSQL backend ${row.pid}${from}${since})`;
}

function busy(limitMs: number, waitedMs: number, holder: string | null): BusyError {
  const who = holder ? `the writers' lock is held by ${holder}` : 'other writers held the lock';
  return new BusyError(
    `No turn to write: waited ${duration(limitMs)} (BIBGRAPH_WRITE_WAIT) while ${who}. Nothing was written; send it again later.`,
    Math.round(waitedMs),
    holder,
  );
}

/** `0.3 s`, `42 s`, `10 min`. */
export function duration(ms: number): string {
  if (ms < 10_000) return `${(ms / 1000).toFixed(1)} s`;
  if (ms < 120_000) return `${Math.round(ms / 1000)} s`;
  return `${Math.round(ms / 60_000)} min`;
}

// application_name holds at most 63 bytes of printable ASCII; PostgreSQL would mangle the rest.
function applicationName(label: string): string {
  return `bibgraph: ${label}`.replace(/[^\x20-\x7e]/g, '?').slice(0, 63);
}
