import { createHash } from 'node:crypto';
import { type SQL, sql } from 'drizzle-orm';
import type { AnyPgColumn } from 'drizzle-orm/pg-core';
import {
  type affiliations,
  type authors,
  type citations,
  type keywords,
  nameOrderKey,
  type organizations,
} from '../db/schema.ts';
import type { CitationFilter } from './citation-filter.ts';
import { citationFiltersSql } from './facets.ts';
import { fuzzyMatchSql, fuzzyScoreSql } from './names.ts';
import { hasSearchText, searchQuerySql } from './search.ts';

/**
 * Relational-query options for a page of rows: a filter, named SQL expressions (`extras`) and an
 * ordering over those names and columns. The connection plugin turns the ordering into keyset
 * cursors, so every expression here is NOT NULL (a null position cannot be paged past) and ends in
 * the primary key (rows never tie).
 */
export interface RowsQuery<T> {
  where?: { RAW: (table: T) => SQL };
  extras: Record<string, (table: T) => SQL>;
  orderBy: Record<string, 'asc' | 'desc'>;
  /** Ordering keys whose values are text; every other key's values are integers. */
  textKeys?: readonly string[];
}

/**
 * What a cursor was made for: the ordering and the whole filter (with the parent's scope), as a
 * short key. It leads every cursor (see `scoped`), so a cursor carried over to another ordering or
 * filter is recognised and refused instead of silently giving an empty or restarted page.
 */
export function cursorScopeKey(order: string, filters: unknown): string {
  return `s${createHash('sha256')
    .update(JSON.stringify([order, withoutNulls(filters)]))
    .digest('hex')
    .slice(0, 12)}`;
}

/** The ordering key of the cursor scope: a cursor's first value, checked, never compared. */
const SCOPE = 'cursorScope';

/**
 * Puts the scope key first in the ordering. It is a constant, so PostgreSQL drops it from the
 * sort; the connection plugin writes it into every cursor, where the page resolver checks it, and
 * the page's keyset leaves it out (`keysetSql`: compared there, it kept the keyset off the index).
 *
 * A parameter, not a literal: the key differs with every filter and search, and the page's
 * statement is a named prepared statement on its connection (src/db/prepared.ts), so a literal
 * made a new statement for every search anyone typed, each kept by PostgreSQL (~125 KB) and
 * postgres.js for the connection's life.
 */
export function scoped<T>(query: RowsQuery<T>, key: string): RowsQuery<T> & { scopeKey: string } {
  return {
    ...query,
    extras: { [SCOPE]: () => sql`${key}::text`, ...query.extras },
    orderBy: { [SCOPE]: 'asc', ...query.orderBy },
    scopeKey: key,
  };
}

/** A cursor's position: the values of an ordering's expressions, in order, without its scope key. */
export type CursorPosition = ReadonlyArray<string | number>;

function positionKeys<T>(query: RowsQuery<T>): string[] {
  return Object.keys(query.orderBy).filter((key) => key !== SCOPE);
}

/**
 * Whether a decoded position can be a row's place in this ordering: one to all of its values,
 * each an integer or, for a text key, a string. Anything else was not written by this service, and
 * would reach PostgreSQL as a comparison it refuses (integer with text, out of range, a NUL byte).
 * Every integer an ordering compares is a 32-bit one (ids, years, scaled scores and counts).
 */
export function positionFits<T>(
  query: RowsQuery<T>,
  position: readonly unknown[],
): position is CursorPosition {
  const keys = positionKeys(query);
  if (position.length === 0 || position.length > keys.length) return false;
  return position.every((value, i) =>
    query.textKeys?.includes(keys[i] as string)
      ? typeof value === 'string' && !value.includes('\0')
      : Number.isInteger(value) && Math.abs(value as number) <= 2 ** 31 - 1,
  );
}

/**
 * The rows after (or before) a cursor's position, as one row comparison over the ordering's
 * expressions: `(coalesce(year, 0), id) < ($1, $2)`. The connection plugin writes the same
 * condition as `a < $1 or (a = $1 and id < $2)`, with the scope key in front, which PostgreSQL
 * can only apply as a filter on the ordered index scan, so a page deep in the list read every row
 * before it; the row comparison is a condition of the ordering's index. The scope key is left out:
 * the resolver has already checked it (src/schema/cursor-scope.ts).
 *
 * Null when the ordering mixes directions (a row comparison has one). The position fits the
 * ordering (`positionFits`); one shorter than the ordering (a cursor made before an expression
 * joined it) compares the prefix it holds, as the plugin does.
 */
export function keysetSql<T>(
  query: RowsQuery<T>,
  position: CursorPosition,
  paging: 'after' | 'before',
): ((table: T) => SQL) | null {
  const keys = positionKeys(query);
  const directions = new Set(keys.map((key) => query.orderBy[key]));
  if (directions.size !== 1) return null;
  const ascending = directions.has('asc') === (paging === 'after');
  const covered = keys.slice(0, position.length);
  return (table) => {
    const expression = (key: string) =>
      query.extras[key]?.(table) ?? sql`${(table as Record<string, AnyPgColumn>)[key]}`;
    const left = sql.join(covered.map(expression), sql`, `);
    const right = sql.join(
      // Typed, so a generic plan compares like the index does (bigint compares with any integer).
      position.map((value) => (typeof value === 'number' ? sql`${value}::bigint` : sql`${value}::text`)),
      sql`, `,
    );
    return sql`(${left}) ${sql.raw(ascending ? '>' : '<')} (${right})`;
  };
}

export type CitationOrder = 'relevance' | 'year_desc' | 'year_asc' | 'title' | 'recently_added';

/** Relevance needs a search; without one the newest citations come first. */
export function effectiveCitationOrder(
  order: CitationOrder | null | undefined,
  search: string | null | undefined,
) {
  if (order === 'relevance' || !order) return hasSearchText(search) ? 'relevance' : 'recently_added';
  return order;
}

export function citationRowsQuery(
  filters: readonly CitationFilter[],
  order: CitationOrder | null | undefined,
): RowsQuery<typeof citations> & { scopeKey: string } {
  const search = filters.find((f) => hasSearchText(f.search))?.search ?? null;
  const effective = effectiveCitationOrder(order, search);
  return scoped(unscopedCitationRows(filters, effective, search), cursorScopeKey(effective, filters));
}

function unscopedCitationRows(
  filters: readonly CitationFilter[],
  order: CitationOrder,
  search: string | null,
): RowsQuery<typeof citations> {
  const where = { RAW: (t: typeof citations) => citationFiltersSql(filters, t) ?? sql`true` };
  switch (order) {
    case 'relevance':
      // ts_rank weighs A (title) 1.0, B (keywords) 0.4, C (container) 0.2, D (abstract) 0.1;
      // normalisation 32 maps it into [0, 1) so the scaled integer fits.
      return {
        where,
        extras: {
          rank: (t) =>
            sql`(coalesce(ts_rank(${t.searchVector}, ${searchQuerySql(search ?? '')}, 32), 0) * 100000000)::int`,
        },
        orderBy: { rank: 'desc', id: 'desc' },
      };
    case 'year_desc':
      return {
        where,
        extras: { yearDesc: (t) => sql`coalesce(${t.year}, 0)` },
        orderBy: { yearDesc: 'desc', id: 'desc' },
      };
    case 'year_asc':
      // Undated citations go last in both directions.
      return {
        where,
        extras: { yearAsc: (t) => sql`coalesce(${t.year}, 32767)` },
        orderBy: { yearAsc: 'asc', id: 'asc' },
      };
    case 'title':
      // Untitled last; accents and case ignored; "C" collation so both drivers sort alike.
      return {
        where,
        extras: {
          untitled: (t) => sql`(case when ${t.title} is null then 1 else 0 end)`,
          titleKey: (t) => sql`(lower(unaccent(coalesce(${t.title}, ''))) collate "C")`,
        },
        orderBy: { untitled: 'asc', titleKey: 'asc', id: 'asc' },
        textKeys: ['titleKey'],
      };
    default:
      // Identity ids grow with insertion, so the newest rows have the highest ids; unlike
      // created_at (microseconds, which a JavaScript Date truncates) they make exact cursors.
      return { where, extras: {}, orderBy: { id: 'desc' } };
  }
}

export type EntityOrder = 'relevance' | 'name' | 'citation_count';

type EntityTable = typeof authors | typeof affiliations | typeof keywords | typeof organizations;

/**
 * Ordering and fuzzy search for authors, affiliations and keywords, which share a shape: a folded
 * key column and a count of linked citations.
 */
export function entityRowsQuery<T extends EntityTable>(options: {
  /** The list's name ("authors"): its cursors are refused by another list's. */
  list: string;
  key: (t: T) => AnyPgColumn;
  citationCount: (t: T) => SQL;
  search: string | null;
  conditions: Array<(t: T) => SQL>;
  order: EntityOrder | null | undefined;
  /**
   * What else decides the set, besides the search: the filter's values, the parent's ID. With the
   * ordering and the search it makes the cursors' scope key (`scoped`).
   */
  scope: unknown;
}): RowsQuery<T> & { scopeKey: string } {
  const { key, citationCount, search } = options;
  const conditions = [...options.conditions];
  if (search !== null) conditions.push((t) => fuzzyMatchSql(key(t), search));
  const where = conditions.length
    ? {
        RAW: (t: T) =>
          sql.join(
            conditions.map((c) => sql`(${c(t)})`),
            sql` and `,
          ),
      }
    : undefined;
  const order =
    options.order === 'relevance' || !options.order
      ? search !== null
        ? 'relevance'
        : 'name'
      : options.order;
  const sortKey = (t: T) => nameOrderKey(key(t));
  // Every ordering ends in the name's sort key and the id; the key is the one text value.
  const common = { where, textKeys: ['sortKey'] };
  const rows = (): RowsQuery<T> => {
    switch (order) {
      case 'relevance':
        return {
          ...common,
          extras: { score: (t) => fuzzyScoreSql(key(t), search ?? ''), sortKey },
          orderBy: { score: 'desc', sortKey: 'asc', id: 'asc' },
        };
      case 'citation_count':
        return {
          ...common,
          extras: { citationCount: (t) => citationCount(t), sortKey },
          orderBy: { citationCount: 'desc', sortKey: 'asc', id: 'asc' },
        };
      default:
        return { ...common, extras: { sortKey }, orderBy: { sortKey: 'asc', id: 'asc' } };
    }
  };
  // Relevance and citation-count positions have the same shape, and so do those of two searches:
  // without the scope a cursor carried from one to another read as a position in it.
  return scoped(rows(), cursorScopeKey(`${options.list}:${order}`, [search, options.scope]));
}

/**
 * `value` without its null and undefined fields, at any depth: a filter field given as null and
 * one left out mean the same, and graphql-jit hands a field whose variable was left out as null
 * where graphql-js leaves it out — a cursor from a page's first run, which is interpreted, was
 * refused by its next, compiled, run. So they make the same scope key.
 */
function withoutNulls(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutNulls);
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) if (v != null) out[k] = withoutNulls(v);
  return out;
}
