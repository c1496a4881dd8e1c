import { Worker } from 'node:worker_threads';
import type { FormatChoice } from '../formats/read.ts';
import type { LinkInput } from '../organizations/author-links.ts';
import type { PreparedEvent } from './prepare.ts';

const workerUrl = new URL('./prepare-worker.mjs', import.meta.url);

/** Messages of records the worker may have sent ahead of the ingest (100 records each). */
const AHEAD = 10;

/** The parsing worker died or failed; the ingest that used it stops (and rolls back). */
export class PrepareWorkerError extends Error {
  override name = 'PrepareWorkerError';
}

type FromWorker =
  | { type: 'links'; json: string }
  | { type: 'need' }
  | { type: 'events'; events: PreparedEvent[]; done: boolean }
  | { type: 'failed'; message: string };

/**
 * Worker threads that parse and map ingest input (prepare-worker.mjs), one per running ingest.
 * Writers take turns, so one is usually enough; a worker that finished an ingest cleanly waits
 * for the next one without keeping the process alive, and one given up mid-ingest (the ingest
 * failed, or the worker did) is terminated.
 */
export class PreparePool {
  private readonly idle: Worker[] = [];
  private readonly busy = new Set<Worker>();
  private live = 0;
  private started = 0;
  private jobs = 0;

  constructor(private readonly url: URL = workerUrl) {}

  /** Workers alive, idle and busy; workers started and inputs prepared so far. */
  stats(): { live: number; idle: number; busy: number; started: number; jobs: number } {
    return {
      live: this.live,
      idle: this.idle.length,
      busy: this.busy.size,
      started: this.started,
      jobs: this.jobs,
    };
  }

  /**
   * Terminates every worker. An ingest still using one fails with PrepareWorkerError (and rolls
   * back); later ingests start new workers.
   */
  async close(): Promise<void> {
    await Promise.all([...this.idle.splice(0), ...this.busy].map((w) => w.terminate()));
  }

  private take(): Worker {
    const worker = this.idle.pop() ?? this.spawn();
    worker.ref();
    this.busy.add(worker);
    return worker;
  }

  private spawn(): Worker {
    const worker = new Worker(this.url);
    this.live++;
    this.started++;
    worker.once('exit', () => {
      this.live--;
      const i = this.idle.indexOf(worker);
      if (i >= 0) this.idle.splice(i, 1);
    });
    // An idle worker that fails just leaves the pool; a busy one's failure is its ingest's.
    worker.on('error', () => {});
    return worker;
  }

  private giveBack(worker: Worker): void {
    this.busy.delete(worker);
    worker.unref();
    // One spare is enough: ingests take turns.
    if (this.idle.length === 0) this.idle.push(worker);
    else void worker.terminate();
  }

  /**
   * `JSON.stringify(authorLinks(input))` (src/organizations/author-links.ts), computed in a worker.
   */
  async authorLinks(input: LinkInput): Promise<string> {
    const worker = this.take();
    let onMessage: (message: FromWorker) => void = () => {};
    let onError: (error: Error) => void = () => {};
    let onExit: (code: number) => void = () => {};
    let clean = false;
    try {
      const json = await new Promise<string>((resolve, reject) => {
        onMessage = (message) => {
          if (message.type === 'links') resolve(message.json);
          else if (message.type === 'failed')
            reject(new PrepareWorkerError(`Linking authors to organizations failed: ${message.message}`));
        };
        onError = (error) => reject(new PrepareWorkerError(`The ingest worker failed: ${error.message}`));
        onExit = (code) =>
          reject(new PrepareWorkerError(`The ingest worker stopped unexpectedly (exit code ${code})`));
        worker.on('message', onMessage);
        worker.on('error', onError);
        worker.on('exit', onExit);
        worker.postMessage({ type: 'links', input });
      });
      clean = true;
      return json;
    } finally {
      worker.off('message', onMessage);
      worker.off('error', onError);
      worker.off('exit', onExit);
      if (clean) this.giveBack(worker);
      else {
        this.busy.delete(worker);
        void worker.terminate();
      }
    }
  }

  /**
   * The events `prepareStream(source, format)` would yield, computed in a worker. The source is read
   * here, on the calling thread, as the worker asks for it, so its errors (a size limit, a
   * broken upload) surface here just as they would inline. Stopping early (the ingest failed)
   * terminates the worker.
   */
  async *prepare(
    source: AsyncIterable<Uint8Array | string>,
    format: FormatChoice = 'AUTO',
  ): AsyncGenerator<PreparedEvent> {
    const worker = this.take();
    this.jobs++;
    const input = source[Symbol.asyncIterator]();
    const ready: Array<{ events: PreparedEvent[]; done: boolean }> = [];
    let failure: unknown = null;
    let wake: (() => void) | null = null;
    const notify = () => {
      const w = wake;
      wake = null;
      w?.();
    };
    const fail = (error: unknown) => {
      failure ??= error;
      notify();
    };
    const feed = async () => {
      try {
        const next = await input.next();
        if (next.done) worker.postMessage({ type: 'end' });
        else if (typeof next.value === 'string') worker.postMessage({ type: 'chunk', chunk: next.value });
        else {
          // A copy of just the chunk's bytes, handed over without a second copy (a Buffer may be a
          // view into a larger shared allocation, which structured cloning would copy whole).
          const bytes = new Uint8Array(next.value);
          worker.postMessage({ type: 'chunk', chunk: bytes }, [bytes.buffer]);
        }
      } catch (error) {
        fail(error);
      }
    };
    const onMessage = (message: FromWorker) => {
      if (message.type === 'need') void feed();
      else if (message.type === 'links') return;
      else if (message.type === 'events') {
        ready.push(message);
        notify();
      } else fail(new PrepareWorkerError(`Parsing the input failed: ${message.message}`));
    };
    const onError = (error: Error) =>
      fail(new PrepareWorkerError(`The parsing worker failed: ${error.message}`));
    const onExit = (code: number) =>
      fail(new PrepareWorkerError(`The parsing worker stopped unexpectedly (exit code ${code})`));
    worker.on('message', onMessage);
    worker.on('error', onError);
    worker.on('exit', onExit);
    let clean = false;
    try {
      worker.postMessage({ type: 'start', credit: AHEAD, format });
      for (;;) {
        const group = ready.shift();
        if (group) {
          worker.postMessage({ type: 'credit', n: 1 });
          yield* group.events;
          if (group.done) {
            clean = true;
            return;
          }
          continue;
        }
        if (failure) throw failure;
        await new Promise<void>((resolve) => (wake = resolve));
      }
    } finally {
      worker.off('message', onMessage);
      worker.off('error', onError);
      worker.off('exit', onExit);
      if (clean && !failure) this.giveBack(worker);
      else {
        this.busy.delete(worker);
        void worker.terminate();
        // Let the source clean up (close a file, release an upload) as an abandoned for-await would.
        void input.return?.()?.catch(() => {});
      }
    }
  }
}

/** The process's pool (the server and the CLI share the one ingest path). */
export const preparePool = new PreparePool();
