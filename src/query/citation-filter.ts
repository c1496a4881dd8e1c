import { and, eq, inArray, isNotNull, isNull, type SQL, sql } from 'drizzle-orm';
import { keywordKey } from '../citation/keys.ts';
import {
  affiliationOrganizations,
  affiliations,
  citationAffiliations,
  citationKeywords,
  type citations,
  contributions,
  keywords as keywordsTable,
  organizations,
} from '../db/schema.ts';
import { normalizeDoi } from '../ris/normalize.ts';
import { hasSearchText, searchQuerySql } from './search.ts';

/**
 * The filter shared by every door that selects a set of citations (GraphQL connections, facets,
 * bibliography and exports, GET /export, the CLI). Fields combine with AND, list values with OR.
 * An empty list constrains nothing, like an absent one.
 */
export interface CitationFilter {
  /** Full-text query in websearch syntax over title, abstract, keywords and container title. */
  search?: string | null;
  yearFrom?: number | null;
  yearTo?: number | null;
  types?: string[] | null;
  containerTitle?: string | null;
  doi?: string | null;
  authorIds?: number[] | null;
  affiliationIds?: number[] | null;
  keywords?: string[] | null;
  keywordIds?: number[] | null;
  /** Organizations (or units): citations whose addresses name any of them or any of their units. */
  organizationIds?: number[] | null;
  /** ISO 3166-1 alpha-2 codes: citations with an address in any of these countries. */
  countries?: string[] | null;
  hasDoi?: boolean | null;
  ids?: number[] | null;
}

function present<T>(list: readonly T[] | null | undefined): list is readonly T[] {
  return Array.isArray(list) && list.length > 0;
}

/**
 * SQL condition on `citations` for the filter; undefined when the filter is empty.
 * `table` is the (possibly aliased) citations table the condition must refer to.
 */
export function citationFilterSql(filter: CitationFilter, table: typeof citations): SQL | undefined {
  const parts: SQL[] = [];
  if (hasSearchText(filter.search))
    parts.push(sql`${table.searchVector} @@ ${searchQuerySql(filter.search)}`);
  if (filter.yearFrom != null) parts.push(sql`${table.year} >= ${filter.yearFrom}`);
  if (filter.yearTo != null) parts.push(sql`${table.year} <= ${filter.yearTo}`);
  if (present(filter.types))
    parts.push(
      inArray(
        table.risType,
        filter.types.map((t) => t.trim().toUpperCase()),
      ),
    );
  if (filter.containerTitle != null && filter.containerTitle.trim() !== '') {
    parts.push(sql`lower(${table.containerTitle}) = lower(${filter.containerTitle.trim()})`);
  }
  if (filter.doi != null && filter.doi.trim() !== '') {
    const doi = normalizeDoi(filter.doi);
    // Text that is no DOI at all matches nothing rather than everything.
    parts.push(doi ? eq(table.doi, doi) : sql`false`);
  }
  if (filter.hasDoi === true) parts.push(isNotNull(table.doi));
  if (filter.hasDoi === false) parts.push(isNull(table.doi));
  if (present(filter.ids)) parts.push(inArray(table.id, [...filter.ids]));
  // Links are tested with EXISTS rather than joins so a citation never repeats in the result.
  if (present(filter.authorIds)) {
    parts.push(
      sql`exists (select 1 from ${contributions} where ${contributions.citationId} = ${table.id} and ${inArray(contributions.authorId, [...filter.authorIds])})`,
    );
  }
  if (present(filter.affiliationIds)) {
    parts.push(
      sql`exists (select 1 from ${citationAffiliations} where ${citationAffiliations.citationId} = ${table.id} and ${inArray(citationAffiliations.affiliationId, [...filter.affiliationIds])})`,
    );
  }
  if (present(filter.keywordIds)) {
    parts.push(
      sql`exists (select 1 from ${citationKeywords} where ${citationKeywords.citationId} = ${table.id} and ${inArray(citationKeywords.keywordId, [...filter.keywordIds])})`,
    );
  }
  if (present(filter.organizationIds)) {
    // An organization rolls its units up: the addresses that name only a department count too.
    const ids = `{${filter.organizationIds.join(',')}}`;
    parts.push(
      sql`exists (select 1 from ${citationAffiliations} join ${affiliationOrganizations} on ${affiliationOrganizations.affiliationId} = ${citationAffiliations.affiliationId} join ${organizations} on ${organizations.id} = ${affiliationOrganizations.organizationId} where ${citationAffiliations.citationId} = ${table.id} and (${organizations.id} = any(${ids}::int[]) or ${organizations.parentId} = any(${ids}::int[])))`,
    );
  }
  if (present(filter.countries)) {
    const codes = `{${[...new Set(filter.countries.map((c) => c.trim().toUpperCase()))].join(',')}}`;
    parts.push(
      sql`exists (select 1 from ${citationAffiliations} join ${affiliations} on ${affiliations.id} = ${citationAffiliations.affiliationId} where ${citationAffiliations.citationId} = ${table.id} and ${affiliations.countryCode} = any(${codes}::text[]))`,
    );
  }
  if (present(filter.keywords)) {
    // Terms match the way ingestion deduplicates them: case- and accent-insensitively.
    const keys = [...new Set(filter.keywords.map(keywordKey))];
    parts.push(
      sql`exists (select 1 from ${citationKeywords} join ${keywordsTable} on ${keywordsTable.id} = ${citationKeywords.keywordId} where ${citationKeywords.citationId} = ${table.id} and ${inArray(keywordsTable.termKey, keys)})`,
    );
  }
  if (parts.length === 0) return undefined;
  return parts.length === 1 ? parts[0] : and(...parts);
}
