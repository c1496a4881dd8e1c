/**
 * A Map bounded by entries and by weight (what `weigh` says each entry costs, e.g. its characters):
 * least recently used entries go first once either bound is passed, and an entry heavier than a
 * quarter of the weight bound is not kept at all, so one huge value cannot flush everything else.
 */
export class BoundedLru<V> {
  private readonly entries = new Map<string, V>();
  private weight = 0;

  constructor(
    private readonly bounds: {
      maxEntries?: number;
      maxWeight: number;
      weigh: (key: string, value: V) => number;
    },
  ) {}

  get(key: string): V | undefined {
    const value = this.entries.get(key);
    if (value === undefined) return undefined;
    // Re-inserted so that the Map's order is recency order.
    this.entries.delete(key);
    this.entries.set(key, value);
    return value;
  }

  set(key: string, value: V): void {
    const weight = this.bounds.weigh(key, value);
    if (weight > this.bounds.maxWeight / 4) return;
    this.delete(key);
    this.entries.set(key, value);
    this.weight += weight;
    const maxEntries = this.bounds.maxEntries ?? Number.POSITIVE_INFINITY;
    for (const oldest of this.entries.keys()) {
      if (this.weight <= this.bounds.maxWeight && this.entries.size <= maxEntries) break;
      this.delete(oldest);
    }
  }

  delete(key: string): void {
    const value = this.entries.get(key);
    if (value === undefined) return;
    this.weight -= this.bounds.weigh(key, value);
    this.entries.delete(key);
  }

  clear(): void {
    this.entries.clear();
    this.weight = 0;
  }
}
