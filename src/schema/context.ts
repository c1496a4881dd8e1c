import type { Caller } from '../auth/caller.ts';
import type { Database, DatabaseKind } from '../db/client.ts';
import type { IngestionQueue } from '../ingest/background.ts';
import type { LiveEvents } from '../live/events.ts';
import type { CountCache } from '../query/count-cache.ts';

/** What the request is allowed to do, decided once per request. */
export interface RequestAuth {
  caller: Caller;
  /** Resolves to null when the caller may change data, else to the reason in words. Memoised. */
  writeDenial(): Promise<string | null>;
  /** The last reason `writeDenial` gave, for error messages built synchronously. */
  deniedBecause: string | null;
  /** Who the audit log names for this request's changes. */
  actor: string;
}

/** What every resolver receives. The database arrives here and nowhere else. */
export interface Context {
  db: Database;
  dbKind: DatabaseKind;
  /** Largest RIS input one ingest call accepts, in bytes. */
  maxIngestBytes: number;
  auth: RequestAuth;
  /**
   * Exact citation counts and facets cached under the database's write generation, shared by the
   * server's requests (and through Redis by its instances): src/query/count-cache.ts.
   */
  counts: CountCache;
  /** Subscriptions' events and background ingestion (src/live/events.ts, src/ingest/background.ts). */
  live: {
    events: LiveEvents;
    /** Null where no queue runs (a server built without one, such as most tests). */
    queue: IngestionQueue | null;
    /** Largest input `startIngestion` accepts, in bytes. */
    maxBackgroundIngestBytes: number;
  };
  /**
   * Aborted when a query runs out of time or its client goes away (set by the request time limit,
   * src/server/limits.ts). Long work outside SQL — formatting a bibliography — stops on it.
   */
  signal?: AbortSignal;
}
