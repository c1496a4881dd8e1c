import type { SQL } from 'drizzle-orm';
import type { citations } from '../db/schema.ts';

/**
 * The filter shared by every door that selects a set of citations (GraphQL connections, facets,
 * bibliography and exports, GET /export, the CLI). Fields combine with AND, list values with OR.
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
  hasDoi?: boolean | null;
  ids?: number[] | null;
}

/**
 * SQL condition on `citations` for the filter; undefined when the filter is empty.
 * `table` is the (possibly aliased) citations table the condition must refer to.
 */
export function citationFilterSql(_filter: CitationFilter, _table: typeof citations): SQL | undefined {
  throw new Error('citationFilterSql is being implemented (issue 4)');
}
