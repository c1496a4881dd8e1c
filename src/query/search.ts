import { type SQL, sql } from 'drizzle-orm';
import type { Database } from '../db/client.ts';
import { citationKeywords, citations, keywords } from '../db/schema.ts';

/**
 * The text-search configuration used on both sides of `@@`. English stemming makes "cells" find
 * "cell"; unaccent (applied to documents and queries alike) makes "Muller" find "Müller".
 */
const CONFIG = sql.raw(`'english'`);

/**
 * The websearch-syntax query (`"stem cells" -mouse or rat`) as a tsquery expression, computed once
 * per statement. `websearch_to_tsquery` and `unaccent` are STABLE, not IMMUTABLE, so PostgreSQL
 * does not fold them into a constant: written inline, the parse, unaccent and stemming ran again
 * for every row a match is ranked or rechecked on — most of a search's time (a term in 9,000 of a
 * million citations: 68 → 20 ms; in 237,000: 2.9 → 1.3 s). As an uncorrelated scalar subquery it
 * is an InitPlan, evaluated once, and the GIN index still takes it as its condition.
 */
export function searchQuerySql(text: string): SQL {
  return sql`(select websearch_to_tsquery(${CONFIG}, unaccent(${text})))`;
}

/** True when the text holds something to search for; blank input means "no search". */
export function hasSearchText(text: string | null | undefined): text is string {
  return typeof text === 'string' && text.trim().length > 0;
}

/**
 * The weighted full-text document of one citation: title (A), keywords (B), container title (C),
 * abstract (D). Shared by ingestion, which computes it while inserting, and the refresh below.
 */
export function searchDocumentSql(title: SQL, keywordText: SQL, containerTitle: SQL, abstract: SQL): SQL {
  return sql`setweight(to_tsvector(${CONFIG}, unaccent(coalesce(${title}, ''))), 'A') ||
      setweight(to_tsvector(${CONFIG}, unaccent(coalesce(${keywordText}, ''))), 'B') ||
      setweight(to_tsvector(${CONFIG}, unaccent(coalesce(${containerTitle}, ''))), 'C') ||
      setweight(to_tsvector(${CONFIG}, unaccent(coalesce(${abstract}, ''))), 'D')`;
}

/**
 * Recomputes the stored full-text document of the given citations in one statement. Keywords are
 * rows of another table, so a generated column cannot see them; ingestion calls this once per
 * batch, after the links are written.
 */
export async function refreshSearchDocuments(tx: Database, citationIds: readonly number[]): Promise<void> {
  if (citationIds.length === 0) return;
  const ids = `{${[...new Set(citationIds)].join(',')}}`;
  await tx.execute(sql`
    update ${citations} set search_vector = ${searchDocumentSql(
      sql`${citations.title}`,
      sql`kw.terms`,
      sql`${citations.containerTitle}`,
      sql`${citations.abstract}`,
    )}
    from (
      select ids.id, (
        select string_agg(${keywords.term}, ' ')
        from ${citationKeywords} join ${keywords} on ${keywords.id} = ${citationKeywords.keywordId}
        where ${citationKeywords.citationId} = ids.id
      ) as terms
      from unnest(${ids}::int[]) as ids(id)
    ) as kw
    where ${citations.id} = kw.id`);
}
