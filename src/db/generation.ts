import { type SQL, sql } from 'drizzle-orm';
import { writeGeneration } from './schema.ts';

/**
 * The write generation as text (`<epoch>:<value>`, see `writeGeneration` in schema.ts), for a
 * select list: an uncorrelated scalar subquery, so PostgreSQL reads the one row once per statement,
 * in the same snapshot as everything else the statement reads. A count and this value from one
 * statement belong together: no committed write to the graph can be in one and not the other.
 *
 * Null where the statement's own transaction has written to the graph and not committed (the
 * triggers' transaction-local `bibgraph.graph_written`): what it sees then is no generation's
 * state — and on PGlite a read may run inside an ingest's open transaction — so it must neither
 * use nor fill a cache.
 */
export function generationSql(): SQL {
  return sql`(select case when coalesce(current_setting('bibgraph.graph_written', true), '') = '' then ${writeGeneration.epoch}::text || ':' || ${writeGeneration.value}::text end from ${writeGeneration} where ${writeGeneration.id} = 1)`;
}
