/*
 * What an ingest keeps per record until its end (the citations it touched, the record each new
 * citation came from), in typed arrays: 4 bytes an id, outside the JS heap. A Set or Map of numbers
 * costs 20–40 bytes an entry on the heap, and V8 lets a heap grow to several times what it holds
 * before it collects, so each of those bytes cost several bytes of RSS: at a million records
 * ~50 MB of the main thread's live heap. Ids are PostgreSQL `integer` columns, so 32 bits hold them.
 */

function grown(data: Int32Array<ArrayBuffer>, length: number): Int32Array<ArrayBuffer> {
  if (length < data.length) return data;
  const next = new Int32Array(data.length * 2);
  next.set(data);
  return next;
}

/** A growing list of ids; repeats allowed, `distinct()` removes them. */
export class IdList {
  private data = new Int32Array(1024);
  private count = 0;

  get length(): number {
    return this.count;
  }

  push(id: number): void {
    this.data = grown(this.data, this.count);
    this.data[this.count++] = id;
  }

  /** The ids, each once, ascending (a new array). */
  distinct(): Int32Array {
    const sorted = this.data.slice(0, this.count).sort();
    let n = 0;
    for (let i = 0; i < sorted.length; i++) {
      const id = sorted[i] as number;
      if (n === 0 || sorted[n - 1] !== id) sorted[n++] = id;
    }
    return sorted.subarray(0, n);
  }
}

/**
 * Id → integer, for ids set once each. Lookups are a binary search over the ids in ascending
 * order; ids set in ascending order (identity values of successive inserts) never need sorting,
 * others are sorted at the next lookup.
 */
export class IdMap {
  private ids = new Int32Array(1024);
  private values = new Int32Array(1024);
  private count = 0;
  private sorted = true;

  get size(): number {
    return this.count;
  }

  set(id: number, value: number): void {
    if (this.count > 0 && id <= (this.ids[this.count - 1] as number)) this.sorted = false;
    this.ids = grown(this.ids, this.count);
    this.values = grown(this.values, this.count);
    this.ids[this.count] = id;
    this.values[this.count] = value;
    this.count++;
  }

  get(id: number): number | undefined {
    if (!this.sorted) this.sort();
    let lo = 0;
    let hi = this.count - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const at = this.ids[mid] as number;
      if (at === id) return this.values[mid];
      if (at < id) lo = mid + 1;
      else hi = mid - 1;
    }
    return undefined;
  }

  private sort(): void {
    const order = Array.from({ length: this.count }, (_, i) => i).sort(
      (a, b) => (this.ids[a] as number) - (this.ids[b] as number),
    );
    const ids = new Int32Array(this.ids.length);
    const values = new Int32Array(this.values.length);
    order.forEach((from, to) => {
      ids[to] = this.ids[from] as number;
      values[to] = this.values[from] as number;
    });
    this.ids = ids;
    this.values = values;
    this.sorted = true;
  }
}
