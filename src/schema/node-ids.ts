import { decodeGlobalID } from '@pothos/plugin-relay';
import { and, eq, inArray } from 'drizzle-orm';
import type { Database } from '../db/client.ts';
import { affiliations, authors, citations, ingestions, keywords, mergedIds } from '../db/schema.ts';

type GlobalId = { typename: string; id: string };

const INT_MAX = 2_147_483_647;

/**
 * Decodes a global ID. Row IDs are 32-bit integers: a larger number names no row, and PostgreSQL
 * would reject it as a parameter (an internal error instead of "not found"), so it becomes 0,
 * which no row has.
 */
export function decodeRowGlobalID(globalID: string): GlobalId {
  const { typename, id } = decodeGlobalID(globalID);
  return /^\d+$/.test(id) && Number(id) > INT_MAX ? { typename, id: '0' } : { typename, id };
}

const tablesByType = {
  Citation: citations,
  Author: authors,
  Affiliation: affiliations,
  Keyword: keywords,
  Ingestion: ingestions,
};

const mergeable = new Set(['Author', 'Affiliation', 'Keyword']);

/**
 * Replaces IDs of rows that do not exist with null, one query per type. IDs of authors,
 * affiliations and keywords merged into another become the survivor's ID, so links to a merged
 * record keep working. The drizzle node loader
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
  const redirected = new Map<string, GlobalId>();
  await Promise.all(
    [...byType].map(async ([typename, list]) => {
      const table = tablesByType[typename as keyof typeof tablesByType];
      if (!table) return;
      const rows = await db.select({ id: table.id }).from(table).where(inArray(table.id, list));
      for (const r of rows) found.add(`${typename}:${r.id}`);
      const missing = list.filter((id) => !found.has(`${typename}:${id}`));
      if (missing.length === 0 || !mergeable.has(typename)) return;
      // Only survivors that still exist: a redirect never leads to a deleted row.
      const moved = await db
        .select({ fromId: mergedIds.fromId, intoId: table.id })
        .from(mergedIds)
        .innerJoin(table, eq(table.id, mergedIds.intoId))
        .where(and(eq(mergedIds.kind, typename as 'Author'), inArray(mergedIds.fromId, missing)));
      for (const m of moved) redirected.set(`${typename}:${m.fromId}`, { typename, id: String(m.intoId) });
    }),
  );
  return ids.map((gid) => {
    if (!gid) return null;
    const key = `${gid.typename}:${Number(gid.id)}`;
    return found.has(key) ? gid : (redirected.get(key) ?? null);
  });
}
