import { type SQL, sql } from 'drizzle-orm';
import { writeGeneration } from './schema.ts';

/**
 * True where the statement's own transaction has written to the graph and not committed (the
 * triggers' transaction-local `bibgraph.graph_written`): what it sees is then no generation's state,
 * and the kept facet totals (facet_totals) do not hold its writes yet.
 */
export function ownWritesSql(): SQL {
  return sql`(coalesce(current_setting('bibgraph.graph_written', true), '') <> '')`;
}

/**
 * The write generation as text (`<epoch>:<value>`, see `writeGeneration` in schema.ts), for a
 * select list: an uncorrelated scalar subquery, so PostgreSQL reads the one row once per statement,
 * in the same snapshot as everything else the statement reads. A count and this value from one
 * statement belong together: no committed write to the graph can be in one and not the other.
 *
 * Null where the statement's own transaction has written to the graph and not committed
 * (`ownWritesSql`) — on PGlite a read may run inside an ingest's open transaction — so that what it
 * sees neither uses nor fills a cache.
 */
export function generationSql(): SQL {
  return sql`(select case when not ${ownWritesSql()} then ${writeGeneration.epoch}::text || ':' || ${writeGeneration.value}::text end from ${writeGeneration} where ${writeGeneration.id} = 1)`;
}
