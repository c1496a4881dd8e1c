import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { CslItem } from './csl-json.ts';
import type { RenderedBibliography, RenderOptions } from './styles.ts';

const workerUrl = new URL('./format-worker.mjs', import.meta.url);

interface Job {
  items: CslItem[];
  options: RenderOptions;
  resolve: (result: RenderedBibliography) => void;
  reject: (error: unknown) => void;
  /** Set while a worker runs the job: stops that worker. */
  cancel?: () => void;
  /** Detaches the job from its signal once it settled. */
  settle?: () => void;
}

/**
 * Worker threads that format bibliographies off the event loop. At most `size` run at once; more
 * jobs wait in order. A job whose signal aborts leaves the queue, or has its worker terminated
 * (citation-js cannot be interrupted any other way); the next job gets a fresh worker. Idle
 * workers are kept for the next job but never keep the process alive.
 */
export class FormatPool {
  private readonly idle: Worker[] = [];
  private readonly queue: Job[] = [];
  private live = 0;
  private running = 0;
  private terminatedCount = 0;

  constructor(readonly size: number) {}

  render(items: CslItem[], options: RenderOptions, signal?: AbortSignal): Promise<RenderedBibliography> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    return new Promise((resolve, reject) => {
      const job: Job = { items, options, resolve, reject };
      if (signal) {
        const onAbort = () => {
          const waiting = this.queue.indexOf(job);
          if (waiting >= 0) {
            this.queue.splice(waiting, 1);
            reject(signal.reason);
          } else job.cancel?.();
        };
        signal.addEventListener('abort', onAbort, { once: true });
        job.settle = () => signal.removeEventListener('abort', onAbort);
        job.reject = (error) => reject(signal.aborted ? signal.reason : error);
      }
      this.queue.push(job);
      this.pump();
    });
  }

  /** Workers alive, jobs running and jobs waiting; `terminated` counts workers stopped mid-job. */
  stats(): { live: number; running: number; queued: number; terminated: number } {
    return {
      live: this.live,
      running: this.running,
      queued: this.queue.length,
      terminated: this.terminatedCount,
    };
  }

  private pump(): void {
    while (this.queue.length > 0) {
      let worker = this.idle.pop();
      if (!worker) {
        if (this.live >= this.size) return;
        worker = this.spawn();
      }
      this.run(worker, this.queue.shift() as Job);
    }
  }

  private spawn(): Worker {
    const worker = new Worker(workerUrl);
    this.live++;
    worker.once('exit', () => {
      this.live--;
      const i = this.idle.indexOf(worker);
      if (i >= 0) this.idle.splice(i, 1);
      this.pump();
    });
    // An idle worker that fails (it cannot load its modules) just leaves the pool.
    worker.on('error', () => {});
    return worker;
  }

  private run(worker: Worker, job: Job): void {
    this.running++;
    worker.ref();
    const finish = (then: () => void) => {
      worker.off('message', onMessage);
      worker.off('error', onFailure);
      worker.off('exit', onFailure);
      this.running--;
      job.settle?.();
      then();
    };
    const onMessage = (message: { ok: boolean; result?: RenderedBibliography; message?: string }) =>
      finish(() => {
        worker.unref();
        this.idle.push(worker);
        if (message.ok) job.resolve(message.result as RenderedBibliography);
        else job.reject(new Error(message.message));
        this.pump();
      });
    const onFailure = (error?: unknown) =>
      finish(() => {
        void worker.terminate();
        job.reject(error instanceof Error ? error : new Error('The formatting worker stopped unexpectedly'));
      });
    job.cancel = () =>
      finish(() => {
        this.terminatedCount++;
        void worker.terminate();
        job.reject(new Error('Formatting was cancelled'));
      });
    worker.on('message', onMessage);
    worker.once('error', onFailure);
    worker.once('exit', onFailure);
    worker.postMessage({ items: job.items, options: job.options });
  }
}

/**
 * The server's pool: one worker on a small machine, leaving a core for the event loop and the
 * database; two where there are cores to spare. Bibliographies beyond that wait their turn.
 */
export const formatPool = new FormatPool(Math.max(1, Math.min(2, availableParallelism() - 1)));
