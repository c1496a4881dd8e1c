import { createHash } from 'node:crypto';
import { type SQL, sql } from 'drizzle-orm';
import type { AnyPgColumn } from 'drizzle-orm/pg-core';
import type { affiliations, authors, citations, keywords, organizations } from '../db/schema.ts';
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
}

/**
 * What a cursor was made for: the ordering and the whole filter (with the parent's scope), as a
 * short key. It leads every cursor (see `scoped`), so a cursor carried over to another ordering or
 * filter is recognised and refused instead of silently giving an empty or restarted page.
 */
export function cursorScopeKey(order: string, filters: unknown): string {
  return `s${createHash('sha256')
    .update(JSON.stringify([order, filters]))
    .digest('hex')
    .slice(0, 12)}`;
}

/**
 * Puts the scope key first in the ordering. It is a constant, so PostgreSQL drops it from the
 * sort and the keyset condition (the plan is the one without it); the connection plugin still
 * writes it into every cursor, where the page resolver checks it.
 *
 * A parameter, not a literal: the key differs with every filter and search, and the page's
 * statement is a named prepared statement on its connection (src/db/prepared.ts), so a literal
 * made a new statement for every search anyone typed, each kept by PostgreSQL (~125 KB) and
 * postgres.js for the connection's life.
 */
function scoped<T>(query: RowsQuery<T>, key: string): RowsQuery<T> & { scopeKey: string } {
  return {
    ...query,
    extras: { cursorScope: () => sql`${key}::text`, ...query.extras },
    orderBy: { cursorScope: 'asc', ...query.orderBy },
    scopeKey: key,
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
  key: (t: T) => AnyPgColumn;
  citationCount: (t: T) => SQL;
  search: string | null;
  conditions: Array<(t: T) => SQL>;
  order: EntityOrder | null | undefined;
}): RowsQuery<T> {
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
  const sortKey = (t: T) => sql`(regexp_replace(${key(t)}, '^lit:', '') collate "C")`;
  switch (order) {
    case 'relevance':
      return {
        where,
        extras: { score: (t) => fuzzyScoreSql(key(t), search ?? ''), sortKey },
        orderBy: { score: 'desc', sortKey: 'asc', id: 'asc' },
      };
    case 'citation_count':
      return {
        where,
        extras: { citationCount: (t) => citationCount(t), sortKey },
        orderBy: { citationCount: 'desc', sortKey: 'asc', id: 'asc' },
      };
    default:
      return { where, extras: { sortKey }, orderBy: { sortKey: 'asc', id: 'asc' } };
  }
}
