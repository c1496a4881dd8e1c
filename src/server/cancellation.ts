import { AsyncLocalStorage } from 'node:async_hooks';
import type { Logger } from 'drizzle-orm';
import { PgAsyncTransaction } from 'drizzle-orm/pg-core';
import type { Database } from '../db/client.ts';

/**
 * Stopping the work of a query that timed out. Answering TIMEOUT is not enough: the resolvers
 * still running would go on issuing SQL for tens of seconds. A query runs inside a request scope
 * holding its AbortSignal; once it is aborted,
 * - the executor starts no further resolvers (Yoga's executor honours `signal`),
 * - no further statement starts for that request (the session's logger is the one hook every
 *   drizzle statement passes through on both drivers, before the driver is called), and
 * - on PostgreSQL the statements still waiting for a connection are dropped, and those already
 *   running end at the read sessions' `statement_timeout` (the request timeout; see `cancellable`
 *   for why they are not cancelled from here). Embedded PGlite cannot interrupt a statement; it
 *   finishes the one it is in and starts no other.
 */

export interface RequestScope {
  signal: AbortSignal;
  /** PostgreSQL statements the request started; cancelled together when it is aborted. */
  started: PendingQuery[];
  /** performance.now() past which the request is out of time, and what to do then. */
  deadline?: { at: number; expire: () => void };
}

const scope = new AsyncLocalStorage<RequestScope>();

/** The scope of one request with this signal; aborting it cancels what the request started. */
export function requestScope(
  signal: AbortSignal,
  deadline?: { at: number; expire: () => void },
): RequestScope {
  const current: RequestScope = { signal, deadline, started: [] };
  // One listener per request, however many statements it runs.
  signal.addEventListener('abort', () => {
    for (const query of current.started.splice(0)) if (cancellable(query)) void query.cancel();
  });
  return current;
}

/**
 * Runs `fn` (and everything it starts) as the work of one request, for a database that
 * `requestDatabase` cannot give a session of its own. AsyncLocalStorage carries the scope through
 * every promise the request creates, at a price: its promise hooks cost a fifth of the CPU of a
 * page of 50 citations.
 */
export function runInRequestScope<T>(current: RequestScope, fn: () => T): T {
  return scope.run(current, fn);
}

/**
 * True when the request may not start more work. The clock is read too: embedded PGlite runs
 * statements on the event loop, so the timeout's timer may not have had its turn yet.
 */
function stopped(current: RequestScope | undefined = scope.getStore()): boolean {
  if (!current) return false;
  if (!current.signal.aborted && current.deadline && performance.now() > current.deadline.at) {
    current.deadline.expire();
  }
  return current.signal.aborted;
}

export class RequestAbortedError extends Error {
  override name = 'RequestAbortedError';
  constructor() {
    super('The request was cancelled (time limit or client gone); no further statements run for it.');
  }
}

interface PendingQuery {
  cancel(): unknown;
  /** postgres.js: set once the statement was written to a connection. */
  state?: unknown;
}

/**
 * Whether cancelling a statement is safe: only one still waiting for a connection, which
 * postgres.js takes out of its queue without a word to PostgreSQL. Once written to a connection a
 * statement runs to its end, bounded by the read sessions' `statement_timeout` (the request
 * timeout), and its rows are dropped:
 * - a running statement's cancel is a request naming the backend, not the statement, sent on a
 *   connection of its own; arriving after the statement finished, it cancelled the next statement
 *   on that pooled connection — another client's, which failed or, pipelined, was handed other
 *   rows ("0 entries", "Cannot read properties of undefined"): a third of the other requests while
 *   clients hung up mid-request (test/query/client-gone.test.ts);
 * - one pipelined behind another: postgres.js 3.4 sends its cancel when its turn comes and hands
 *   the statement after it the cancelled one's result rows.
 */
function cancellable(query: PendingQuery): boolean {
  return query.state == null;
}

interface DriverSession {
  logger: Logger;
  client: { unsafe?: (...args: unknown[]) => PendingQuery };
}

const guarded = new WeakSet<object>();

function sessionOf(db: Database): DriverSession | null {
  const session = (db as unknown as { session?: DriverSession }).session;
  return session && typeof session === 'object' && 'logger' in session ? session : null;
}

/**
 * Installs the guard on a database (or transaction) once. Drizzle has no per-query hook, so its
 * session's logger and the postgres.js client's `unsafe` — what every drizzle statement calls —
 * are wrapped; outside a request scope (mutations, the CLI) both behave exactly as before.
 */
export function guardDatabase(db: Database): void {
  const session = sessionOf(db);
  if (!session || guarded.has(session)) return;
  guarded.add(session);
  const inner = session.logger;
  session.logger = {
    logQuery(query, params) {
      if (stopped()) throw new RequestAbortedError();
      inner.logQuery(query, params);
    },
  };
  const client = session.client;
  const unsafe = client.unsafe;
  if (typeof unsafe !== 'function' || guarded.has(client)) return;
  guarded.add(client);
  client.unsafe = function guardedUnsafe(this: unknown, ...args: unknown[]) {
    const query = unsafe.apply(this, args);
    scope.getStore()?.started.push(query);
    return query;
  };
}

type DatabaseClass = new (dialect: unknown, session: unknown, relations: unknown) => Database;

/**
 * The database as one request sees it: the same pool, dialect and relations, with a session of its
 * own whose logger refuses statements once the request is aborted and whose postgres.js client
 * records the statements it starts, to cancel them. The scope then travels with `ctx.db` — which
 * every resolver, loader and Pothos' planned queries use — instead of through AsyncLocalStorage.
 * Null for a transaction (a test hands one in as the database), which keeps `runInRequestScope`.
 * Queries only read, so the writers' gate, registered for the shared database, is never missed.
 */
export function requestDatabase(db: Database, current: RequestScope): Database | null {
  const session = sessionOf(db);
  const parts = db as unknown as { dialect?: unknown; _?: { relations?: unknown } };
  if (!session || db instanceof PgAsyncTransaction || !parts.dialect || !parts._?.relations) return null;
  const inner = session.logger;
  const own = Object.assign(Object.create(Object.getPrototypeOf(session)) as DriverSession, session, {
    logger: {
      logQuery(query: string, params: unknown[]) {
        if (stopped(current)) throw new RequestAbortedError();
        inner.logQuery(query, params);
      },
    },
  });
  const client = session.client;
  const unsafe = client.unsafe;
  if (typeof unsafe === 'function') {
    own.client = new Proxy(client, {
      get(target, property, receiver) {
        if (property !== 'unsafe') return Reflect.get(target, property, receiver);
        return (...args: unknown[]) => {
          const query = unsafe.apply(target, args);
          current.started.push(query);
          return query;
        };
      },
    });
  }
  const scoped = new (db.constructor as DatabaseClass)(parts.dialect, own, parts._.relations);
  (scoped as unknown as { $client: unknown }).$client = own.client;
  scopes.set(scoped, current);
  return scoped;
}

const scopes = new WeakMap<Database, RequestScope>();

/**
 * `target` for the rest of the request that `current` belongs to: a request's own session on it
 * when `current` is one (a query retried on the primary after its replica failed stays
 * cancellable), else `target` as it is.
 */
export function sameRequestOn(current: Database, target: Database): Database {
  const scope = scopes.get(current);
  return (scope && requestDatabase(target, scope)) || target;
}
