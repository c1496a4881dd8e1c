import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Database, type DatabaseHandle, rowsOf } from '../../src/db/client.ts';
import { PlannerStatistics } from '../../src/ingest/planner-statistics.ts';
import { databaseTargets, inRolledBackTransaction, openTestDatabase } from '../support/db.ts';

/*
 * Issue #13 item 4: a first ingest into an empty library matched every batch with a sequential
 * scan of all stored citations (the table had no statistics; autovacuum never sees an ingest's
 * uncommitted rows), so its database work grew with the square of the file. Structural, not timed:
 * the plan of the batch's match statement once the ingest has refreshed the statistics.
 */

/** The plan of a batch's match statement (as loadCandidates writes it) for 20 new keys (a small batch against a table 250 times its size). */
async function matchPlan(tx: Database): Promise<string> {
  const dois = Array.from({ length: 20 }, (_, i) => `10.7777/absent.${i}`);
  const fps = Array.from({ length: 20 }, (_, i) => `absent title ${i}|2020|nobody`);
  const rows = rowsOf<{ 'QUERY PLAN': string }>(
    await tx.execute(sql`explain select id from citations
      where doi in (${sql.join(
        dois.map((d) => sql`${d}`),
        sql`, `,
      )}) or conflicting_doi in (${sql.join(
        dois.map((d) => sql`${d}`),
        sql`, `,
      )}) or fingerprint in (${sql.join(
        fps.map((f) => sql`${f}`),
        sql`, `,
      )})`),
  );
  return rows.map((r) => r['QUERY PLAN']).join('\n');
}

describe.each(databaseTargets)('planner statistics during an ingest on $name', ({ url }) => {
  let handle: DatabaseHandle;
  beforeAll(async () => {
    handle = await openTestDatabase(url);
  });
  afterAll(() => handle.close());

  it('lets a batch find its matches through the key indexes once the ingest has grown the table', async () => {
    const plan = await inRolledBackTransaction(handle, async (tx) => {
      // 5,000 citations written in this transaction, as the first batches of an ingest write them.
      await tx.execute(sql`insert into citations (ris_type, title, doi, fingerprint, raw_record, raw_tags)
        select 'JOUR', 'Planned paper ' || g, '10.7777/planned.' || g, 'planned paper ' || g || '|2020|someone',
          'TY  - JOUR', '[]'::jsonb
        from generate_series(1, 5000) g`);
      await new PlannerStatistics().afterBatch(tx, 5000);
      return matchPlan(tx);
    });
    expect(plan).not.toMatch(/Seq Scan on citations/);
    expect(plan).toMatch(/Index Scan/);
  });
});
