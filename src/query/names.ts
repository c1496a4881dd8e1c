import { type SQL, sql } from 'drizzle-orm';
import type { AnyPgColumn } from 'drizzle-orm/pg-core';
import { foldText } from '../ris/normalize.ts';

/**
 * Fuzzy matching of people, institutions and terms. The stored keys (`name_key`, `term_key`) are
 * already folded by ingestion (accents, case and punctuation removed), so the query is folded the
 * same way in JavaScript and compared by trigrams: word order does not change a trigram set, and a
 * typo only costs the few trigrams it touches. Trigram GIN indexes serve `%` and `<%`.
 */
export function foldQuery(text: string): string {
  return foldText(text);
}

/** Rows whose key is similar to the query as a whole, or contains a close match of it. */
export function fuzzyMatchSql(key: AnyPgColumn | SQL, folded: string): SQL {
  return sql`(${key} % ${folded} or ${folded} <% ${key} or ${key} like ${`${folded}%`})`;
}

/**
 * Match quality as an integer (0 … 2,000,000): integers keep keyset cursors exact where a float
 * would round-trip through JavaScript. A key starting with the query ranks above any other.
 */
export function fuzzyScoreSql(key: AnyPgColumn | SQL, folded: string): SQL<number> {
  return sql<number>`(greatest(similarity(${key}, ${folded}), word_similarity(${folded}, ${key})) * 1000000
    + case when ${key} like ${`${folded}%`} then 1000000 else 0 end)::int`;
}
