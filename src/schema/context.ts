import type { Database, DatabaseKind } from '../db/client.ts';

/** What every resolver receives. The database arrives here and nowhere else. */
export interface Context {
  db: Database;
  dbKind: DatabaseKind;
  /** Largest RIS input one ingest call accepts, in bytes. */
  maxIngestBytes: number;
}
