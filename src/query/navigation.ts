import { type SQL, sql } from 'drizzle-orm';
import type { AnyPgColumn } from 'drizzle-orm/pg-core';
import {
  affiliations,
  authorAffiliations,
  authors,
  citationAffiliations,
  citationKeywords,
  citations,
  contributions,
  keywords,
} from '../db/schema.ts';

/*
 * Aggregates for navigation fields, each one correlated scalar subquery that returns a JSON array.
 * They are planned into the query that loads the parent rows (as drizzle `extras`), so a page of
 * 100 authors with their affiliations and co-authors is still one statement. Related rows carry
 * the columns their GraphQL types expose, under the same names.
 */

export const authorJson = sql`json_build_object('id', a.id, 'family', a.family, 'given', a.given, 'suffix', a.suffix,
  'literal', a.literal, 'name', a.name, 'nameKey', a.name_key, 'orcid', a.orcid)`;

export interface AffiliationRow {
  id: number;
  name: string;
  nameKey: string;
  country: string | null;
}
export interface AuthorRow {
  id: number;
  family: string | null;
  given: string | null;
  suffix: string | null;
  literal: string | null;
  name: string;
  nameKey: string;
  orcid: string | null;
}
export interface KeywordRow {
  id: number;
  term: string;
  termKey: string;
}

/** JSON from a nested relational query may arrive parsed or as text, depending on the driver. */
export function parseJsonArray<T>(value: unknown): T[] {
  if (value == null) return [];
  if (typeof value === 'string') return JSON.parse(value) as T[];
  return value as T[];
}

/** Citation count of an author (distinct citations over every role). */
export function authorCitationCountSql(authorId: AnyPgColumn): SQL<number> {
  return sql<number>`(select count(distinct ${contributions.citationId})::int from ${contributions} where ${contributions.authorId} = ${authorId})`;
}

export function affiliationCitationCountSql(affiliationId: AnyPgColumn): SQL<number> {
  return sql<number>`(select count(*)::int from ${citationAffiliations} where ${citationAffiliations.affiliationId} = ${affiliationId})`;
}

export function keywordCitationCountSql(keywordId: AnyPgColumn): SQL<number> {
  return sql<number>`(select count(*)::int from ${citationKeywords} where ${citationKeywords.keywordId} = ${keywordId})`;
}

export interface AuthorAffiliationRow {
  affiliation: AffiliationRow;
  firstYear: number | null;
  lastYear: number | null;
  count: number;
}

/** An author's affiliations with the years and number of citations that show each, most frequent first. */
export function authorAffiliationsSql(authorId: AnyPgColumn): SQL {
  return sql`coalesce((select json_agg(json_build_object(
      'affiliation', json_build_object('id', f.id, 'name', f.name, 'nameKey', f.name_key, 'country', f.country),
      'firstYear', s.first_year, 'lastYear', s.last_year, 'count', s.n)
      order by s.n desc, s.last_year desc nulls last, f.id)
    from (select l.affiliation_id, min(c.year) as first_year, max(c.year) as last_year, count(*)::int as n
          from ${authorAffiliations} l join ${citations} c on c.id = l.citation_id
          where l.author_id = ${authorId} group by l.affiliation_id) s
    join ${affiliations} f on f.id = s.affiliation_id), '[]'::json)`;
}

export interface CountedRow<T> {
  row: T;
  count: number;
}

/**
 * People credited as authors on citations the author wrote, by number of such citations. Other
 * roles do not count on either side: a handbook's editor did not write its chapters with their
 * authors.
 */
export function coauthorsSql(authorId: AnyPgColumn, first: number): SQL {
  return sql`coalesce((select json_agg(json_build_object('row', ${authorJson}, 'count', s.n) order by s.n desc, a.id)
    from (select o.author_id, count(distinct o.citation_id)::int as n
          from ${contributions} m join ${contributions} o
            on o.citation_id = m.citation_id and o.role = 'author' and o.author_id <> m.author_id
          where m.author_id = ${authorId} and m.role = 'author' group by o.author_id order by n desc, o.author_id limit ${first}) s
    join ${authors} a on a.id = s.author_id), '[]'::json)`;
}

/** Keywords on the author's citations, by number of citations. */
export function authorKeywordsSql(authorId: AnyPgColumn, first: number): SQL {
  return sql`coalesce((select json_agg(json_build_object('row', json_build_object('id', k.id, 'term', k.term, 'termKey', k.term_key), 'count', s.n) order by s.n desc, k.id)
    from (select l.keyword_id, count(distinct l.citation_id)::int as n
          from ${contributions} m join ${citationKeywords} l on l.citation_id = m.citation_id
          where m.author_id = ${authorId} group by l.keyword_id order by n desc, l.keyword_id limit ${first}) s
    join ${keywords} k on k.id = s.keyword_id), '[]'::json)`;
}

/** Keywords that appear on the same citations as this one, by number of such citations. */
export function relatedKeywordsSql(keywordId: AnyPgColumn, first: number): SQL {
  return sql`coalesce((select json_agg(json_build_object('row', json_build_object('id', k.id, 'term', k.term, 'termKey', k.term_key), 'count', s.n) order by s.n desc, k.id)
    from (select o.keyword_id, count(*)::int as n
          from ${citationKeywords} m join ${citationKeywords} o on o.citation_id = m.citation_id and o.keyword_id <> m.keyword_id
          where m.keyword_id = ${keywordId} group by o.keyword_id order by n desc, o.keyword_id limit ${first}) s
    join ${keywords} k on k.id = s.keyword_id), '[]'::json)`;
}

/** Authors seen at an affiliation (for `Affiliation.authors`). */
export function atAffiliationSql(authorId: AnyPgColumn, affiliationId: number): SQL {
  return sql`exists (select 1 from ${authorAffiliations} where ${authorAffiliations.authorId} = ${authorId} and ${authorAffiliations.affiliationId} = ${affiliationId})`;
}
