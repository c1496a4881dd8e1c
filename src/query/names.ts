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

/**
 * Keys that start with the query, as a range of a byte-ordered (COLLATE "C") index on `key`:
 * every string that starts with `folded` sorts between it and it followed by the highest code
 * point. A range, unlike `like 'x%'`, stays an index condition in a prepared statement's generic
 * plan, where the pattern is a parameter.
 */
export function prefixMatchSql(key: AnyPgColumn | SQL, folded: string): SQL {
  return sql`((${key}) collate "C" >= ${folded}::text and (${key}) collate "C" < ${folded}::text || chr(1114111))`;
}

/** 2 when a key that starts with the query does so with whole words ("garson" in "garson anna"), else 1. */
export function prefixTierSql(key: AnyPgColumn | SQL, folded: string): SQL<number> {
  return sql<number>`case when ${key} = ${folded}::text or starts_with(${key}, ${folded}::text || ' ') then 2 else 1 end`;
}

/** Closeness of the whole key to the query as an integer (0 … 1,000,000). */
export function similaritySql(key: AnyPgColumn | SQL, folded: string): SQL<number> {
  return sql<number>`(greatest(similarity(${key}, ${folded}), word_similarity(${folded}, ${key})) * 1000000)::int`;
}
