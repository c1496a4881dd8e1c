import { and, eq, inArray, or, sql } from 'drizzle-orm';
import { type Database, rowsOf } from '../db/client.ts';
import { affiliations, authors, keywords, mergedIds, notDuplicates } from '../db/schema.ts';

/*
 * Curators' decisions that ingestion must not undo: merges (a merged-away name must lead to the
 * survivor, not come back as a new row) and "not duplicate" marks on citations. One query per
 * batch each, so bulk ingests stay bulk.
 */

/** Citation ids, among the given ones, that a curator marked distinct from another citation. */
export async function citationsMarkedDistinct(tx: Database, ids: readonly number[]): Promise<Set<number>> {
  if (ids.length === 0) return new Set();
  const rows = await tx
    .select({ low: notDuplicates.lowId, high: notDuplicates.highId })
    .from(notDuplicates)
    .where(
      and(
        eq(notDuplicates.kind, 'Citation'),
        or(inArray(notDuplicates.lowId, [...ids]), inArray(notDuplicates.highId, [...ids])),
      ),
    );
  return new Set(rows.flatMap((r) => [r.low, r.high]));
}

export interface Survivor {
  id: number;
  /** The survivor's own dedup key. */
  key: string;
}

const keyed = {
  Author: { table: authors, key: authors.nameKey },
  Affiliation: { table: affiliations, key: affiliations.nameKey },
  Keyword: { table: keywords, key: keywords.termKey },
} as const;

/** For dedup keys of rows merged away, the surviving row (only survivors that still exist). */
export async function survivorsByKey(
  tx: Database,
  kind: keyof typeof keyed,
  keys: readonly string[],
): Promise<Map<string, Survivor>> {
  const out = new Map<string, Survivor>();
  if (keys.length === 0) return out;
  const { table, key } = keyed[kind];
  const rows = rowsOf<{ from_key: string; id: number; key: string }>(
    await tx.execute(sql`select m.from_key, t.id, t.${sql.identifier(key.name)} as key
      from ${mergedIds} m join ${table} t on t.id = m.into_id
      where m.kind = ${kind} and m.from_key in (select jsonb_array_elements_text(${JSON.stringify([...new Set(keys)])}::jsonb))`),
  );
  for (const r of rows) out.set(r.from_key, { id: r.id, key: r.key });
  return out;
}
