import type { DatabaseHandle } from '../db/client.ts';
import type { IngestionQueue, IngestionUpdate } from './background.ts';
import { openGraphileQueue } from './graphile-queue.ts';
import { openLocalQueue } from './local-queue.ts';

/** The queue for this database: graphile-worker on PostgreSQL, in-process on PGlite. */
export function openIngestionQueue(
  database: DatabaseHandle,
  options: {
    databaseUrl: string | null;
    maxBytes: number;
    publish: (update: IngestionUpdate) => void;
    log?: (line: string) => void;
    reapEveryMs?: number;
  },
): Promise<IngestionQueue> {
  if (database.kind === 'postgres' && options.databaseUrl) {
    return openGraphileQueue({ ...options, db: database.db, databaseUrl: options.databaseUrl });
  }
  return openLocalQueue({ db: database.db, maxBytes: options.maxBytes, publish: options.publish });
}
