/**
 * Long synchronous work cut into slices, so requests waiting on the same event loop get a turn
 * between them. A server's reads share the event loop with ingestion: encoding one batch of 500
 * citations as JSON took 30–300 ms in one piece (more on a busy machine), and every read that
 * arrived meanwhile waited for all of it.
 */
export class TimeSlice {
  #since = performance.now();
  #calls = 0;

  constructor(
    /**
     * Longest run of work before it yields, in ms. A read waits up to one slice at each of its
     * own turns (request, statement, answer): at 4 ms that put reads under three ingests at p95
     * 2.1–2.5× idle; 1 ms costs one setImmediate per millisecond of work.
     */
    readonly ms = 1,
  ) {}

  /**
   * Yields to the event loop when the current slice has run its time; otherwise resolves at once.
   * Cheap enough to call per row: the clock is read every 16th call.
   */
  async tick(): Promise<void> {
    if ((++this.#calls & 15) !== 0 || performance.now() - this.#since < this.ms) return;
    await new Promise((resolve) => setImmediate(resolve));
    this.#since = performance.now();
  }
}

/** `rows.map(fn)`, yielding to the event loop every few ms. */
export async function mapInSlices<T, U>(
  rows: readonly T[],
  fn: (row: T) => U,
  slice = new TimeSlice(),
): Promise<U[]> {
  const out: U[] = new Array(rows.length);
  for (let i = 0; i < rows.length; i++) {
    out[i] = fn(rows[i] as T);
    await slice.tick();
  }
  return out;
}
