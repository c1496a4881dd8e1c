import type { Logger } from 'drizzle-orm';
import type { PgAsyncDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js';
import postgres from 'postgres';
import type { DatabaseHealth, Relations } from './client.ts';
import { errorChain } from './driver-errors.ts';
import { preparedStatements } from './prepared.ts';
import { PostgresProbe } from './probe.ts';
import { readSessionSettings } from './read-session.ts';
import { relations } from './relations.ts';

type PgDatabase = PgAsyncDatabase<PgQueryResultHKT, Relations>;

/** What /health says about one replica: its place in DATABASE_REPLICA_URLS, never its URL. */
export interface ReplicaStatus {
  /** 1 for the first URL of DATABASE_REPLICA_URLS, and so on. */
  replica: number;
  status: 'up' | 'down';
  /** Why it is skipped (an error code or the probe's timeout), when down. */
  reason?: string;
  /** When it last went up or down (ISO 8601). */
  since: string;
}

/** One streaming replica: its read pool, its probe and whether queries may go to it. */
export interface Replica {
  readonly index: number;
  readonly db: PgDatabase;
  up: boolean;
  reason: string | null;
  since: Date;
}

interface Member extends Replica {
  client: postgres.Sql;
  probe: PostgresProbe;
}

export interface ReplicaOptions {
  maxConnections: number;
  statementTimeoutMs?: number;
  healthTimeoutMs: number;
  /** How often every replica is probed, in ms (BIBGRAPH_REPLICA_CHECK). */
  checkMs: number;
  logger?: Logger;
  /** Where up/down changes are reported (a line each); stderr by default. */
  log?: (line: string) => void;
}

/**
 * The streaming replicas queries are spread over. A replica that fails a read or a probe is
 * skipped until a probe succeeds again; with none up, reads go to the primary.
 *
 * Why not Drizzle's `withReplicas`: it picks a database per statement, and sends `execute()` (the
 * raw SQL behind search, facets and suggestions) and the session (what request cancellation
 * guards) to the primary. A GraphQL query's statements would then be spread over the primary and
 * replicas at different replay positions, and its timeout could not cancel what runs on a
 * replica. So one database is picked per request instead (`pick()`), and all of that request's
 * statements run there.
 */
export class ReplicaSet {
  readonly #members: Member[];
  readonly #log: (line: string) => void;
  #next = 0;
  #timer: NodeJS.Timeout | null = null;
  #checking: Promise<void> | null = null;

  constructor(urls: readonly string[], options: ReplicaOptions) {
    this.#log = options.log ?? ((line) => console.error(line));
    this.#members = urls.map((url, i) => {
      const client = postgres(url, {
        max: options.maxConnections,
        onnotice: () => {},
        // A replica that is down should fail a request fast, so it can be retried on the primary.
        connect_timeout: Math.max(1, Math.ceil(options.healthTimeoutMs / 1000)),
        connection: readSessionSettings(options.statementTimeoutMs),
      });
      return {
        index: i + 1,
        client,
        db: drizzlePostgres({
          client: preparedStatements(client),
          relations,
          logger: options.logger,
        }) as unknown as PgDatabase,
        probe: new PostgresProbe(url, options.healthTimeoutMs),
        up: true,
        reason: null,
        since: new Date(),
      };
    });
    this.#timer = setInterval(() => void this.check(), options.checkMs);
    this.#timer.unref();
  }

  /** The replica the next query runs on (round robin over those up), or null when none is up. */
  pick(): Replica | null {
    const up = this.#members.filter((m) => m.up);
    if (up.length === 0) return null;
    this.#next = (this.#next + 1) % up.length;
    return up[this.#next] ?? null;
  }

  /** Takes a replica out of rotation after a read on it failed; the next good probe brings it back. */
  markDown(replica: Replica, reason: string): void {
    const member = this.#members.find((m) => m === replica);
    if (member) this.#set(member, { ok: false, reason: `replica ${member.index} ${reason}` });
  }

  /** Probes every replica now (concurrent probes share one round), and updates who is up. */
  check(): Promise<void> {
    this.#checking ??= Promise.all(
      this.#members.map(async (member) => this.#set(member, await member.probe.ping())),
    )
      .then(() => {})
      .finally(() => {
        this.#checking = null;
      });
    return this.#checking;
  }

  status(): ReplicaStatus[] {
    return this.#members.map((m) => ({
      replica: m.index,
      status: m.up ? 'up' : 'down',
      ...(m.reason ? { reason: m.reason } : {}),
      since: m.since.toISOString(),
    }));
  }

  async close(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
    await this.#checking?.catch(() => {});
    await Promise.all(this.#members.flatMap((m) => [m.client.end({ timeout: 5 }), m.probe.close()]));
  }

  #set(member: Member, health: DatabaseHealth): void {
    if (health.ok === member.up) return;
    member.up = health.ok;
    member.reason = health.ok ? null : health.reason.replace('PostgreSQL', `replica ${member.index}`);
    member.since = new Date();
    this.#log(
      health.ok
        ? `bibgraph: replica ${member.index} answers again; queries go to it`
        : `bibgraph: replica ${member.index} is skipped (${member.reason}); its queries go elsewhere until it answers`,
    );
  }
}

/** SQLSTATEs and driver codes that mean the server is gone or going, not that the query was wrong. */
const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EPIPE',
  'CONNECTION_CLOSED',
  'CONNECTION_ENDED',
  'CONNECTION_DESTROYED',
  'CONNECT_TIMEOUT',
  // admin_shutdown, crash_shutdown, cannot_connect_now (starting up or shutting down)
  '57P01',
  '57P02',
  '57P03',
]);

/**
 * Why a failed read on a replica deserves another try on the primary: `down` when the replica is
 * unreachable (it is then skipped), `conflict` when recovery on the replica cancelled the statement
 * (SQLSTATE 40001 on a hot standby: the replica is fine, this query just lost to replay). Null
 * for anything else, which would fail on the primary too.
 */
export function replicaFailure(error: unknown): { kind: 'down' | 'conflict'; code: string } | null {
  for (const e of errorChain(error)) {
    const code = e.code;
    if (typeof code === 'string') {
      if (CONNECTION_CODES.has(code) || code.startsWith('08')) return { kind: 'down', code };
      if (code === '40001' && /recovery/i.test(String(e.message))) return { kind: 'conflict', code };
    }
  }
  return null;
}
