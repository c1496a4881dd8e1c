import { inArray } from 'drizzle-orm';
import type { Database } from '../db/client.ts';
import { affiliations, authors, citations, ingestions, keywords } from '../db/schema.ts';

type GlobalId = { typename: string; id: string };

const tablesByType = {
  Citation: citations,
  Author: authors,
  Affiliation: affiliations,
  Keyword: keywords,
  Ingestion: ingestions,
};

/**
 * Replaces IDs of rows that do not exist with null, one query per type. The drizzle node loader
 * rejects a missing row, which would turn one stale ID into an error for a whole `nodes` list.
 */
export async function existingGlobalIds(
  db: Database,
  ids: Array<GlobalId | null>,
): Promise<Array<GlobalId | null>> {
  const byType = new Map<string, number[]>();
  for (const gid of ids) {
    if (!gid) continue;
    const n = Number(gid.id);
    if (!Number.isSafeInteger(n)) continue;
    const list = byType.get(gid.typename) ?? [];
    list.push(n);
    byType.set(gid.typename, list);
  }
  const found = new Set<string>();
  await Promise.all(
    [...byType].map(async ([typename, list]) => {
      const table = tablesByType[typename as keyof typeof tablesByType];
      if (!table) return;
      const rows = await db.select({ id: table.id }).from(table).where(inArray(table.id, list));
      for (const r of rows) found.add(`${typename}:${r.id}`);
    }),
  );
  return ids.map((gid) => (gid && found.has(`${gid.typename}:${Number(gid.id)}`) ? gid : null));
}
