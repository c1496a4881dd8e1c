import { eq, inArray } from 'drizzle-orm';
import type { Database } from '../db/client.ts';
import { ingestions } from '../db/schema.ts';
import {
  bookkeeping,
  endIngestion,
  type IngestionQueue,
  type IngestionStatus,
  type IngestionUpdate,
  MAX_ATTEMPTS,
  runIngestion,
  storeSubmission,
} from './background.ts';

export interface LocalQueueOptions {
  db: Database;
  /** Largest background input, in bytes. */
  maxBytes: number;
  publish: (update: IngestionUpdate) => void;
  /** Wait before a retry, in ms, per attempt made (default 2 s). */
  retryDelayMs?: number;
}

/**
 * The queue on PGlite: one process owns the database, so jobs are ingestion rows and a list in
 * memory, run one at a time. The rows (and the uploads) are in the database, so jobs left QUEUED
 * or RUNNING by a process that stopped are picked up again when the next one starts.
 */
export async function openLocalQueue(options: LocalQueueOptions): Promise<IngestionQueue> {
  const { db } = options;
  const waiting: number[] = [];
  const cancelled = new Set<number>();
  const live = new Map<number, IngestionUpdate>();
  const attempts = new Map<number, number>();
  let running: Promise<void> | null = null;
  let stopped = false;

  const pump = (): void => {
    if (running || stopped) return;
    const id = waiting.shift();
    if (id === undefined) return;
    running = (async () => {
      const attempt = (attempts.get(id) ?? 0) + 1;
      attempts.set(id, attempt);
      const outcome = await runIngestion(id, {
        db,
        dbKind: 'pglite',
        maxBytes: options.maxBytes,
        finalAttempt: attempt >= MAX_ATTEMPTS,
        publish: options.publish,
        live,
        cancelledHere: () => cancelled.has(id),
      }).catch((error: Error) => ({ retry: true as const, reason: error.message }));
      if (outcome.retry && !stopped) {
        const delay = (options.retryDelayMs ?? 2_000) * attempt;
        setTimeout(() => {
          waiting.push(id);
          pump();
        }, delay).unref();
      } else {
        attempts.delete(id);
        cancelled.delete(id);
      }
    })().finally(() => {
      running = null;
      pump();
    });
  };

  // Jobs a stopped process left behind: their transaction never committed, so they start over.
  const leftOver = await db
    .select({ id: ingestions.id, attempts: ingestions.attempts })
    .from(ingestions)
    .where(inArray(ingestions.status, ['queued', 'running']))
    .orderBy(ingestions.id);
  for (const row of leftOver) {
    attempts.set(row.id, row.attempts);
    waiting.push(row.id);
  }
  pump();

  return {
    kind: 'in-process',
    async submit(submission) {
      const id = await bookkeeping(db, 'pglite', 'startIngestion', (tx) =>
        storeSubmission(tx, submission, options.maxBytes),
      );
      waiting.push(id);
      pump();
      return id;
    },
    async cancel(id) {
      const [row] = await db
        .select({ status: ingestions.status })
        .from(ingestions)
        .where(eq(ingestions.id, id));
      if (!row) return null;
      const queued = waiting.indexOf(id);
      if (row.status === 'queued' && queued >= 0 && !live.has(id)) {
        waiting.splice(queued, 1);
        await endIngestion(db, 'pglite', id, 'cancelled', 'Cancelled (cancelIngestion) before it started');
        const update = live.get(id);
        options.publish({
          id,
          status: 'cancelled',
          records: 0,
          bytes: 0,
          bytesTotal: update?.bytesTotal ?? null,
          problems: 0,
          recordsPerSecond: 0,
          error: 'Cancelled (cancelIngestion) before it started',
        });
        return 'cancelled';
      }
      if (row.status === 'running' || row.status === 'queued') cancelled.add(id);
      return row.status as IngestionStatus;
    },
    live: (id) => live.get(id),
    async stop() {
      stopped = true;
      await running;
    },
  };
}
