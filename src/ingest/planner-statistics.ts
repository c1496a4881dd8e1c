import { sql } from 'drizzle-orm';
import type { Database } from '../db/client.ts';

/*
 * Planner statistics during an ingest. An ingest is one transaction, so autovacuum never sees its
 * rows, and a library that was empty (or far smaller) when it began is planned with the wrong
 * sizes: on a fresh database PostgreSQL matched every batch against the stored citations with a
 * sequential scan of the whole table (0.5 s a batch at 100k citations, growing with the table, so
 * quadratic over a file), and the final organization-link rounds scanned all contributions and
 * citations each. ANALYZE inside the transaction samples the transaction's own rows (PostgreSQL
 * counts rows the current transaction inserted as live), after which both use their indexes.
 * ANALYZE's lock (SHARE UPDATE EXCLUSIVE) is held to the commit: it blocks only other ANALYZE,
 * VACUUM and index builds on these tables, not reads or writes.
 */

/** New citations at the first refresh; each later one comes when the count has doubled. */
const FIRST_REFRESH = 1_000;

/** Refreshes statistics as an ingest grows: at 1,000, 2,000, 4,000 … new citations. */
export class PlannerStatistics {
  private next = FIRST_REFRESH;

  /** After a batch: `created` is the number of citations the ingest has created so far. */
  async afterBatch(tx: Database, created: number): Promise<void> {
    if (created < this.next) return;
    this.next = created * 2;
    // The keys each batch matches by; only these columns, since analyzing search_vector and the
    // text columns costs far more and no statement of the batch filters on them.
    await tx.execute(sql`analyze citations (id, doi, conflicting_doi, fingerprint, raw_hash)`);
  }

  /** Before the organization links: the tables their rounds join, if the ingest added any rows. */
  async beforeLinks(tx: Database, created: number): Promise<void> {
    if (created < FIRST_REFRESH) return;
    await tx.execute(
      sql`analyze citations (id, doi, conflicting_doi, fingerprint, raw_hash), contributions, citation_affiliations, author_affiliations, affiliation_organizations`,
    );
  }
}
