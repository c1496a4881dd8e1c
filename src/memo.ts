/** A memoized function; `has` tells whether a value for `key` is remembered (for tests). */
export interface Memo<V> {
  (key: string): V;
  has(key: string): boolean;
}

/**
 * `compute` remembered per argument: for pure functions of a string that ingestion calls with the
 * same values again and again (names, keywords, addresses, country spellings). Bounded: past
 * `limit` entries the memory starts over, so a long ingest of ever-new values cannot grow it.
 */
export function memoize<V>(compute: (key: string) => V, limit: number): Memo<V> {
  const cache = new Map<string, V>();
  const memo = (key: string): V => {
    const hit = cache.get(key);
    if (hit !== undefined || cache.has(key)) return hit as V;
    if (cache.size >= limit) cache.clear();
    const value = compute(key);
    cache.set(key, value);
    return value;
  };
  return Object.assign(memo, { has: (key: string) => cache.has(key) });
}
