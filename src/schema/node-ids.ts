import { decodeGlobalID, encodeGlobalID } from '@pothos/plugin-relay';
import { and, eq, inArray } from 'drizzle-orm';
import { type GraphQLSchema, isObjectType } from 'graphql';
import type { Database } from '../db/client.ts';
import {
  affiliations,
  authors,
  citations,
  ingestions,
  keywords,
  mergedIds,
  organizations,
} from '../db/schema.ts';
import { InvalidIdError } from '../errors.ts';
import { GLOBAL_ROW_ID } from './loaded-columns.ts';

type GlobalId = { typename: string; id: string };

const INT_MAX = 2_147_483_647;

/** The typename a malformed ID decodes to; no object has it. */
const MALFORMED = '(not a global ID)';

/**
 * The one decoder of global IDs, used by the relay plugin for every ID argument. It never throws:
 * the plugin decodes arguments while costing a document, before any field runs, and a throw there
 * would fail the whole request. A malformed ID decodes to a typename no object has, and the field
 * that takes it says so through `rowIdOf` (INVALID_ID on that field only).
 * Row IDs are 32-bit integers: a larger number names no row, and PostgreSQL would reject it as a
 * parameter (an internal error instead of "not found"), so it becomes 0, which no row has.
 */
export function decodeRowGlobalID(globalID: string): GlobalId {
  let decoded: GlobalId;
  try {
    decoded = decodeGlobalID(globalID);
  } catch {
    return { typename: MALFORMED, id: globalID };
  }
  const { typename, id } = decoded;
  if (!/^\d+$/.test(id)) return { typename: MALFORMED, id: globalID };
  return Number(id) > INT_MAX ? { typename, id: '0' } : { typename, id };
}

function article(typename: string): string {
  return /^[AEIOU]/.test(typename) ? `an ${typename}` : `a ${typename}`;
}

/**
 * The row id an ID argument names, when it names the kind the argument takes; otherwise an
 * INVALID_ID error naming the argument. Every lookup and filter goes through here, so a malformed
 * ID and an ID of another kind behave the same everywhere.
 */
export function rowIdOf(gid: GlobalId, typenames: string | readonly string[], argument: string): number {
  const kinds = typeof typenames === 'string' ? [typenames] : typenames;
  const expected = kinds.map(article).join(' or ');
  if (gid.typename === MALFORMED) {
    throw new InvalidIdError(
      `${argument}: "${gid.id.slice(0, 100)}" is not a global ID; expected the ID of ${expected}`,
      argument,
    );
  }
  if (!kinds.includes(gid.typename)) {
    throw new InvalidIdError(
      `${argument}: expected the ID of ${expected}, got the ID of ${article(gid.typename)}`,
      argument,
    );
  }
  return Number(gid.id);
}

/** `rowIdOf` for a list argument; the error names the position (`filter.authorIds[2]`). */
export function rowIdsOf(list: readonly GlobalId[], typename: string, argument: string): number[] {
  return list.map((gid, i) => rowIdOf(gid, typename, `${argument}[${i}]`));
}

const tablesByType = {
  Citation: citations,
  Author: authors,
  Affiliation: affiliations,
  Keyword: keywords,
  Ingestion: ingestions,
  Organization: organizations,
};

/** Every kind `node` can fetch. */
export const NODE_TYPES = Object.keys(tablesByType);

const mergeable = new Set(['Author', 'Affiliation', 'Keyword', 'Organization']);

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

/** Encoded IDs kept per type; past this many a type's table starts over (a page repeats its people). */
const ENCODED_PER_TYPE = 50_000;
const encodedByType = new Map<string, Map<number, string>>();

/**
 * A row's global ID, as the relay plugin encodes it (clients and stored links hold these),
 * remembered per type: a page naming the same 300 people again does not base64-encode them again
 * (the plugin's Buffer-based encoding costs ~1 µs an ID).
 */
export function encodeRowGlobalID(typename: string, id: number): string {
  let encoded = encodedByType.get(typename);
  if (!encoded) {
    encoded = new Map();
    encodedByType.set(typename, encoded);
  }
  let value = encoded.get(id);
  if (value === undefined) {
    if (encoded.size >= ENCODED_PER_TYPE) encoded.clear();
    value = encodeGlobalID(typename, id);
    encoded.set(id, value);
  }
  return value;
}

/**
 * Every Node's `id` answers synchronously. The relay plugin's own resolver is an async function
 * (it may await a user resolver), so each of a page's ~600 IDs was a promise for the executor to
 * wait on. Replaced only where no plugin wrapped it (no auth scope or other wrapper is lost);
 * every node's ID is its row's `id` column (drizzleNode `id: { column: (r) => r.id }`).
 */
export function syncNodeIds(schema: GraphQLSchema): GraphQLSchema {
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isObjectType(type) || !type.getInterfaces().some((i) => i.name === 'Node')) continue;
    const field = type.getFields().id;
    if (!field || field.resolve !== field.extensions?.pothosOriginalResolve) continue;
    const typename = type.name;
    field.resolve = (row: { id: number }) => encodeRowGlobalID(typename, row.id);
    field.extensions = { ...field.extensions, [GLOBAL_ROW_ID]: typename };
  }
  return schema;
}
