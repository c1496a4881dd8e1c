/**
 * `compute` remembered per argument: for pure functions of a string that ingestion calls with the
 * same values again and again (names, keywords, addresses, country spellings). Bounded: past
 * `limit` entries the memory starts over, so a long ingest of ever-new values cannot grow it.
 */
export function memoize<V>(compute: (key: string) => V, limit: number): (key: string) => V {
  const cache = new Map<string, V>();
  return (key) => {
    const hit = cache.get(key);
    if (hit !== undefined || cache.has(key)) return hit as V;
    if (cache.size >= limit) cache.clear();
    const value = compute(key);
    cache.set(key, value);
    return value;
  };
}
