import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Database, type DatabaseHandle, rowsOf } from '../../src/db/client.ts';
import { IngestError } from '../../src/ingest/errors.ts';
import { ingestRis } from '../../src/ingest/ingest.ts';
import {
  databaseTargets,
  failCitationInsert,
  inRolledBackTransaction,
  openTestDatabase,
} from '../support/db.ts';

/** `n` papers; odd ones carry a DOI, even ones are known by title + year + first author. */
function papers(n: number, rich: boolean): string {
  let out = '';
  for (let i = 0; i < n; i++) {
    out += `TY  - JOUR\nTI  - Batched paper number ${i}\nAU  - Author${i % 9}, Given\nAU  - Shared, Person\nPY  - 2021\n`;
    if (i % 2 === 1) out += `DO  - 10.5555/batch.${i}\n`;
    out += `KW  - topic ${i % 4}\n`;
    if (rich)
      out += `VL  - ${i}\nIS  - 2\nAB  - Abstract of paper ${i}\nKW  - extra keyword\nAU  - Added${i}, Late\n`;
    out += 'ER  - \n\n';
  }
  return out;
}

async function scalar(tx: Database, query: string): Promise<number> {
  return rowsOf<{ n: number }>(await tx.execute(sql.raw(query)))[0]?.n ?? -1;
}

describe.each(databaseTargets)('ingesting in many batches on $name', ({ url }) => {
  let handle: DatabaseHandle;
  beforeAll(async () => {
    handle = await openTestDatabase(url);
  });
  afterAll(() => handle.close());

  it('stores the same graph as one batch, with repeats across batches matched', async () => {
    const file = papers(120, false) + papers(30, false); // the last 30 repeat the first 30
    const counts = async (batchSize: number) =>
      inRolledBackTransaction(handle, async (tx) => {
        const r = await ingestRis(tx, file, { batchSize });
        return {
          report: [r.found, r.created, r.updated, r.unchanged, r.failed],
          rows: await Promise.all(
            ['citations', 'authors', 'contributions', 'keywords', 'citation_keywords'].map((t) =>
              scalar(tx, `select count(*)::int as n from ${t}`),
            ),
          ),
        };
      });
    const oneBatch = await counts(1000);
    expect(oneBatch.report).toEqual([150, 120, 0, 30, 0]);
    expect(await counts(7)).toEqual(oneBatch);
  });

  it('fills known citations from a richer file, every batch in one statement each', async () => {
    await inRolledBackTransaction(handle, async (tx) => {
      await ingestRis(tx, papers(60, false), { batchSize: 16 });
      const r = await ingestRis(tx, papers(60, true), { batchSize: 16 });
      expect([r.created, r.updated, r.unchanged, r.failed]).toEqual([0, 60, 0, 0]);
      // Each citation got its own values, not its neighbour's.
      const rows = rowsOf<{ title: string; volume: string; abstract: string; ingestion_id: number }>(
        await tx.execute(sql`select title, volume, abstract, ingestion_id from citations order by id`),
      );
      expect(rows).toHaveLength(60);
      for (const row of rows) {
        const i = /number (\d+)$/.exec(row.title)?.[1];
        expect(row.volume).toBe(i);
        expect(row.abstract).toBe(`Abstract of paper ${i}`);
        expect(row.ingestion_id).toBe(r.ingestionId);
      }
      expect(await scalar(tx, 'select count(*)::int as n from contributions')).toBe(180);
      // Search sees the filled abstract.
      expect(
        await scalar(
          tx,
          `select count(*)::int as n from citations where search_vector @@ websearch_to_tsquery('english', 'abstract')`,
        ),
      ).toBe(60);
      const again = await ingestRis(tx, papers(60, true), { batchSize: 16 });
      expect([again.created, again.updated, again.unchanged]).toEqual([0, 0, 60]);
    });
  });

  it('rolls everything back when a later batch fails while the next one is being parsed', async () => {
    await inRolledBackTransaction(handle, async (tx) => {
      await failCitationInsert(tx, 'Batched paper number 70', 'simulated failure');
      const error = await ingestRis(tx, papers(200, false), { batchSize: 10 }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(IngestError);
      expect((error as IngestError).code).toBe('DATABASE');
      expect((error as Error).message).toMatch(/rolled back.*simulated failure/);
      expect(await scalar(tx, 'select count(*)::int as n from citations')).toBe(0);
      expect(await scalar(tx, 'select count(*)::int as n from ingestions')).toBe(0);
    });
  });
});
