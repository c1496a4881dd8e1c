import { and, type SQL, sql } from 'drizzle-orm';
import { type Database, rowsOf } from '../db/client.ts';
import { generationSql, ownWritesSql } from '../db/generation.ts';
import {
  affiliationOrganizations,
  affiliations,
  authors,
  citationAffiliations,
  citationKeywords,
  citations,
  contributions,
  facetTotals,
  keywords,
  organizations,
} from '../db/schema.ts';
import { type CitationFilter, citationFilterSql } from './citation-filter.ts';

export type FacetKind =
  | 'years'
  | 'types'
  | 'containerTitles'
  | 'keywords'
  | 'authors'
  | 'affiliations'
  | 'organizations'
  | 'countries';

export interface FacetRequest {
  /** Caller's name for the result (a GraphQL response key); several requests may share a kind. */
  key: string;
  kind: FacetKind;
  size: number;
}

export interface FacetBucket {
  /** The value a filter takes: the year, the type code, the title, or the row id as text. */
  value: string;
  label: string;
  count: number;
  /** Row id for author, affiliation, keyword and organization buckets; null otherwise. */
  id: number | null;
}

export const DEFAULT_FACET_SIZE = 10;
export const MAX_FACET_SIZE = 100;

/** The number of buckets asked for (the default when none is), or null when outside 0–100. */
export function facetSize(size: number | null | undefined): number | null {
  const n = size ?? DEFAULT_FACET_SIZE;
  return Number.isInteger(n) && n >= 0 && n <= MAX_FACET_SIZE ? n : null;
}

/** All filters apply (AND); undefined when none constrains anything. */
export function citationFiltersSql(
  filters: readonly CitationFilter[],
  table: typeof citations,
): SQL | undefined {
  const parts = filters.map((f) => citationFilterSql(f, table)).filter((p): p is SQL => p !== undefined);
  if (parts.length === 0) return undefined;
  return parts.length === 1 ? parts[0] : and(...parts);
}

/** A count and the write generation it was counted at (null: not to be cached, see generationSql). */
export interface CountAt {
  count: number;
  generation: string | null;
}

/** Number of citations matching every filter, with the generation read in the same statement. */
export async function countCitations(db: Database, filters: readonly CitationFilter[]): Promise<CountAt> {
  const [row] = rowsOf<{ n: number; generation: string | null }>(
    await db.execute(sql`select ${countCitationsSql(filters)} as n, ${generationSql()} as generation`),
  );
  return { count: Number(row?.n ?? 0), generation: row?.generation ?? null };
}

/**
 * The same count as a scalar subquery, for a statement that fetches a page: it names the unaliased
 * table, so inside a query over an aliased `citations` it stays uncorrelated and runs once. The
 * whole library's count is the kept total; PostgreSQL runs only the branch of the CASE it takes.
 */
export function countCitationsSql(filters: readonly CitationFilter[]): SQL {
  const where = citationFiltersSql(filters, citations);
  if (where) return sql`(select count(*)::int from ${citations} where ${where})`;
  return sql`(case when ${ownWritesSql()} then (select count(*)::int from ${citations})
    else (select coalesce(sum(${facetTotals.count}), 0)::int from ${facetTotals} where ${facetTotals.kind} = 'citations') end)`;
}

/**
 * A facet of the whole library from its kept buckets, in the order and with the labels `branch`
 * gives the same facet counted: the statement reads the largest buckets from an index and never
 * the tables they count.
 */
function keptBranch(request: FacetRequest): SQL {
  const { key, size: limit } = request;
  const kept = (kind: FacetKind) => sql`${facetTotals} t where t.kind = ${kind} and t.count > 0`;
  const entity = (table: SQL, label: SQL) =>
    sql`(select ${key}::text as key, e.id::text as value, ${label} as label, x.count as count, e.id as id
      from (select t.id, t.count from ${kept(request.kind)} order by t.count desc, t.id limit ${limit}) x
      join ${table} e on e.id = x.id)`;
  switch (request.kind) {
    case 'years':
      return sql`(select ${key}::text as key, t.id::text as value, t.id::text as label, t.count as count, null::int as id
        from ${kept('years')} order by t.count desc, t.id desc limit ${limit})`;
    case 'types':
      return sql`(select ${key}::text as key, t.value as value, t.value as label, t.count as count, null::int as id
        from ${kept('types')} order by t.count desc, t.value limit ${limit})`;
    case 'containerTitles':
      // Spellings kept apart, grouped as the counted facet groups them: its label is the most
      // common spelling, the first in order among equals (as mode() takes it).
      return sql`(select ${key}::text as key, (array_agg(t.value order by t.count desc, t.value))[1] as value,
          (array_agg(t.value order by t.count desc, t.value))[1] as label, sum(t.count)::int as count, null::int as id
        from ${kept('containerTitles')} group by lower(t.value) order by 4 desc, 3 limit ${limit})`;
    case 'keywords':
      return entity(sql`${keywords}`, sql`e.term`);
    case 'affiliations':
      return entity(sql`${affiliations}`, sql`e.name`);
    case 'authors':
      return entity(sql`${authors}`, sql`e.name`);
    case 'organizations':
      return entity(sql`${organizations}`, sql`e.name`);
    case 'countries':
      return sql`(select ${key}::text as key, t.value as value, t.value as label, t.count as count, null::int as id
        from ${kept('countries')} order by t.count desc, t.value limit ${limit})`;
  }
}

// Every branch names its columns: when only one facet is asked for, its names are the result's.
function branch(request: FacetRequest, source: { filtered: SQL; join: (id: SQL) => SQL }): SQL {
  const key = request.key;
  const limit = request.size;
  const { filtered, join } = source;
  switch (request.kind) {
    case 'years':
      return sql`(select ${key}::text as key, year::text as value, year::text as label, count(*)::int as count, null::int as id
        from ${filtered} where year is not null group by year order by 4 desc, year desc limit ${limit})`;
    case 'types':
      return sql`(select ${key}::text as key, ris_type as value, ris_type as label, count(*)::int as count, null::int as id
        from ${filtered} group by ris_type order by 4 desc, ris_type limit ${limit})`;
    case 'containerTitles':
      // Grouped like the containerTitle filter matches (case-insensitively), under the most
      // common spelling, so a bucket's count is what filtering by it returns.
      return sql`(select ${key}::text as key, mode() within group (order by container_title) as value,
          mode() within group (order by container_title) as label, count(*)::int as count, null::int as id
        from ${filtered} where container_title is not null group by lower(container_title) order by 4 desc, 3 limit ${limit})`;
    case 'keywords':
      return sql`(select ${key}::text as key, k.id::text as value, k.term as label, x.n as count, k.id as id
        from (select l.keyword_id, count(*)::int as n from ${citationKeywords} l ${join(sql`l.citation_id`)}
              group by l.keyword_id order by n desc, l.keyword_id limit ${limit}) x
        join ${keywords} k on k.id = x.keyword_id)`;
    case 'affiliations':
      return sql`(select ${key}::text as key, a.id::text as value, a.name as label, x.n as count, a.id as id
        from (select l.affiliation_id, count(*)::int as n from ${citationAffiliations} l ${join(sql`l.citation_id`)}
              group by l.affiliation_id order by n desc, l.affiliation_id limit ${limit}) x
        join ${affiliations} a on a.id = x.affiliation_id)`;
    case 'organizations':
      // Top-level organizations, their units rolled up; a citation counts once per organization.
      return sql`(select ${key}::text as key, o.id::text as value, o.name as label, x.n as count, o.id as id
        from (select coalesce(u.parent_id, u.id) as organization_id, count(distinct l.citation_id)::int as n
              from ${citationAffiliations} l ${join(sql`l.citation_id`)}
              join ${affiliationOrganizations} ao on ao.affiliation_id = l.affiliation_id
              join ${organizations} u on u.id = ao.organization_id
              group by 1 order by n desc, 1 limit ${limit}) x
        join ${organizations} o on o.id = x.organization_id)`;
    case 'countries':
      return sql`(select ${key}::text as key, x.code as value, x.code as label, x.n as count, null::int as id
        from (select a.country_code as code, count(distinct l.citation_id)::int as n
              from ${citationAffiliations} l ${join(sql`l.citation_id`)}
              join ${affiliations} a on a.id = l.affiliation_id
              where a.country_code is not null
              group by a.country_code order by n desc, a.country_code limit ${limit}) x)`;
    case 'authors':
      // One person can hold two roles on a citation; the bucket counts citations, not credits.
      // The pairs are made distinct by a grouping of their own: `count(distinct …)` sorts every
      // credit of the set (45,000 for a term at 1M), a second hash aggregate does not.
      return sql`(select ${key}::text as key, a.id::text as value, a.name as label, x.n as count, a.id as id
        from (select p.author_id, count(*)::int as n
              from (select l.author_id from ${contributions} l ${join(sql`l.citation_id`)}
                    group by l.author_id, l.citation_id) p
              group by p.author_id order by n desc, p.author_id limit ${limit}) x
        join ${authors} a on a.id = x.author_id)`;
  }
}

/** Buckets per request key, and the write generation they were counted at (null: not to be cached). */
export interface FacetsAt {
  buckets: Map<string, FacetBucket[]>;
  generation: string | null;
}

// The key of the generation row in the facets statement's result; a GraphQL name has no '#'.
const GENERATION_ROW = '#generation';

/**
 * Counts every requested facet over the whole filtered set in one statement: the filtered ids are
 * computed once (a CTE) and each facet is a grouped branch of a UNION ALL. Buckets come back by
 * count, highest first, then by label. One more branch reads the write generation, so the counts
 * and the generation come from one snapshot.
 */
export async function citationFacets(
  db: Database,
  filters: readonly CitationFilter[],
  requests: readonly FacetRequest[],
): Promise<FacetsAt> {
  const result = new Map<string, FacetBucket[]>(requests.map((r) => [r.key, []]));
  const wanted = requests.filter((r) => r.size > 0);
  if (wanted.length === 0) return { buckets: result, generation: null };
  const where = citationFiltersSql(filters, citations);
  // Without a filter every link row counts, so the link tables are grouped without the join.
  const source = where
    ? { filtered: sql`filtered`, join: (id: SQL) => sql`join filtered f on f.id = ${id}` }
    : { filtered: sql`${citations}`, join: () => sql`` };
  // Without a filter every facet is read from its kept totals, except where this transaction has
  // written and not committed (the totals do not hold its writes yet): there it is counted. Both
  // branches are in the statement; PostgreSQL runs the one its condition allows.
  const facet = (r: FacetRequest) =>
    !where
      ? sql`(select * from ${keptBranch(r)} kept where not ${ownWritesSql()})
          union all (select * from ${branch(r, source)} counted where ${ownWritesSql()})`
      : branch(r, source);
  const union = sql.join(
    [
      sql`(select ${GENERATION_ROW}::text as key, ${generationSql()} as value, ''::text as label, 0 as count, null::int as id)`,
      ...wanted.map(facet),
    ],
    sql` union all `,
  );
  const statement = where
    ? sql`with filtered as (select id, year, ris_type, container_title from ${citations} where ${where}) ${union}`
    : union;
  const rows = rowsOf<{ key: string; value: string | null; label: string; count: number; id: number | null }>(
    await db.execute(statement),
  );
  let generation: string | null = null;
  for (const row of rows) {
    if (row.key === GENERATION_ROW) {
      generation = row.value;
      continue;
    }
    result
      .get(row.key)
      ?.push({ value: row.value ?? '', label: row.label, count: Number(row.count), id: row.id });
  }
  for (const buckets of result.values()) {
    buckets.sort((a, b) => b.count - a.count || a.label.localeCompare(b.label));
  }
  return { buckets: result, generation };
}
