import { and, asc, eq, gt, inArray, sql } from 'drizzle-orm';
import type { Database, DatabaseKind } from '../db/client.ts';
import { ingestions, ingestionUploads } from '../db/schema.ts';
import { writeTransaction } from '../db/writers.ts';
import type { FormatChoice } from '../formats/read.ts';
import { IngestError, isInputFailure } from './errors.ts';
import { formatBytes, ingestRis } from './ingest.ts';

/**
 * Background ingestion: the upload is stored in the database, a queue (graphile-worker on
 * PostgreSQL, an in-process one on PGlite) hands its job to exactly one runner, and the runner
 * feeds the stored bytes to the same `ingestRis` the synchronous mutations use — one transaction,
 * so a runner that dies leaves no partial rows. This module holds what both queues share.
 */

export type IngestionStatus = 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled';

export const FINISHED_STATUSES: ReadonlySet<IngestionStatus> = new Set(['succeeded', 'failed', 'cancelled']);

/** Runs of one job before it ends FAILED: the first and two retries (after a crash or a database error). */
export const MAX_ATTEMPTS = 3;

/** What `ingestionProgress` subscribers receive, from the instance running the job. */
export interface IngestionUpdate {
  /** Row id of the ingestion. */
  id: number;
  status: IngestionStatus;
  records: number;
  bytes: number;
  bytesTotal: number | null;
  /** Problems reported so far. */
  problems: number;
  recordsPerSecond: number;
  error: string | null;
}

/** A background ingestion to queue: the RIS bytes and how to ingest them. */
export interface IngestionSubmission {
  content: string | Uint8Array | AsyncIterable<Uint8Array>;
  source: string | null;
  dryRun: boolean;
  /** Who the audit log names. */
  actor: string;
  /** The input's format; AUTO (default) detects it when the job runs. */
  format?: FormatChoice;
}

/** What the GraphQL layer and the CLI need of a queue, whichever kind runs the jobs. */
export interface IngestionQueue {
  readonly kind: 'graphile-worker' | 'in-process';
  /** Stores the upload and queues its job; resolves with the ingestion's row id. */
  submit(submission: IngestionSubmission): Promise<number>;
  /**
   * A queued job ends CANCELLED at once; a running one stops at its next chunk and rolls back.
   * Resolves with the status after the request; NotFoundError-free: unknown ids give null.
   */
  cancel(id: number): Promise<IngestionStatus | null>;
  /** The latest progress of a job this instance runs (fresher than the row, saved once a second). */
  live(id: number): IngestionUpdate | undefined;
  /** Stops taking jobs and waits for the running one to end or be abandoned. */
  stop(): Promise<void>;
}

/** Bytes per stored chunk of an upload. */
const CHUNK_BYTES = 1024 * 1024;
/** Least time between two progress events of one job. */
const PUBLISH_EVERY_MS = 250;
/** Least time between two progress saves to the row (which other instances read). */
const SAVE_EVERY_MS = 1_000;

async function* asBuffers(content: IngestionSubmission['content']): AsyncIterable<Uint8Array> {
  if (typeof content === 'string') yield Buffer.from(content, 'utf8');
  else if (content instanceof Uint8Array) yield content;
  else yield* content;
}

/**
 * Writes the submission's row (QUEUED) and its bytes in chunks, in `tx`, and returns the row id.
 * Over `maxBytes` is a PAYLOAD_TOO_LARGE IngestError (and `tx` rolls back).
 */
export async function storeSubmission(
  tx: Database,
  submission: IngestionSubmission,
  maxBytes: number,
): Promise<number> {
  const [row] = await tx
    .insert(ingestions)
    .values({
      source: submission.source,
      dryRun: submission.dryRun,
      // The format asked for; the run replaces it with the one the input was read as.
      format: submission.format && submission.format !== 'AUTO' ? submission.format : null,
      status: 'queued',
      actor: submission.actor,
      queuedAt: new Date(),
    })
    .returning({ id: ingestions.id });
  if (!row) throw new Error('the ingestion row was not created');
  let seq = 0;
  let total = 0;
  let pending: Uint8Array[] = [];
  let pendingBytes = 0;
  const flush = async () => {
    if (pendingBytes === 0) return;
    await tx
      .insert(ingestionUploads)
      .values({ ingestionId: row.id, seq: seq++, content: Buffer.concat(pending) });
    pending = [];
    pendingBytes = 0;
  };
  for await (const chunk of asBuffers(submission.content)) {
    total += chunk.byteLength;
    if (total > maxBytes) {
      throw new IngestError(
        `Input exceeds the background ingest size limit of ${formatBytes(maxBytes)} (BIBGRAPH_MAX_BACKGROUND_INGEST_SIZE); nothing was stored`,
        'PAYLOAD_TOO_LARGE',
      );
    }
    pending.push(chunk);
    pendingBytes += chunk.byteLength;
    if (pendingBytes >= CHUNK_BYTES) await flush();
  }
  await flush();
  await tx.update(ingestions).set({ bytesTotal: total }).where(eq(ingestions.id, row.id));
  return row.id;
}

/** Thrown into the ingest's input when a cancel arrives; the ingest rolls back. */
class Cancelled extends Error {}

/** The stored upload, one chunk per query, so memory holds one chunk whatever the file's size. */
async function* storedUpload(db: Database, id: number, cancelled: () => boolean): AsyncIterable<Uint8Array> {
  let seq = -1;
  for (;;) {
    if (cancelled()) throw new Cancelled();
    const [chunk] = await db
      .select({ seq: ingestionUploads.seq, content: ingestionUploads.content })
      .from(ingestionUploads)
      .where(and(eq(ingestionUploads.ingestionId, id), gt(ingestionUploads.seq, seq)))
      .orderBy(asc(ingestionUploads.seq))
      .limit(1);
    if (!chunk) return;
    seq = chunk.seq;
    yield chunk.content;
  }
}

export interface RunOptions {
  db: Database;
  dbKind: DatabaseKind;
  /** Largest input, in bytes (the background limit). */
  maxBytes: number;
  /** This is the last attempt the queue will make: a retryable failure ends FAILED. */
  finalAttempt: boolean;
  publish: (update: IngestionUpdate) => void;
  /** Where the runner keeps the job's latest progress for `IngestionQueue.live`. */
  live: Map<number, IngestionUpdate>;
  /** Whether a cancel for this job arrived on this instance (PGlite) — PostgreSQL also reads the row. */
  cancelledHere?: () => boolean;
}

/** What a run came to: done (whatever the status), or to be retried by the queue. */
export type RunOutcome = { retry: false; status: IngestionStatus } | { retry: true; reason: string };

/**
 * Bookkeeping outside the ingest's own transaction. On PGlite a statement from outside an open
 * transaction runs inside it (one session, src/db/embedded-session.ts) and would vanish with a
 * dry run's rollback, so there it takes a writer's turn; on PostgreSQL it commits on its own.
 */
export function bookkeeping<T>(
  db: Database,
  kind: DatabaseKind,
  label: string,
  work: (tx: Database) => Promise<T>,
): Promise<T> {
  return kind === 'pglite' ? writeTransaction(db, label, work) : db.transaction(work);
}

/**
 * Runs one attempt of background ingestion `id`. Idempotent: a job whose row is already finished
 * (its transaction committed but the queue did not hear of it) is left as it is.
 */
export async function runIngestion(id: number, options: RunOptions): Promise<RunOutcome> {
  const { db, dbKind } = options;
  const [row] = await db.select().from(ingestions).where(eq(ingestions.id, id));
  if (!row) return { retry: false, status: 'failed' };
  if (FINISHED_STATUSES.has(row.status)) return { retry: false, status: row.status };
  const base: IngestionUpdate = {
    id,
    status: 'running',
    records: 0,
    bytes: 0,
    bytesTotal: row.bytesTotal,
    problems: 0,
    recordsPerSecond: 0,
    error: null,
  };
  if (row.cancelRequested || options.cancelledHere?.())
    return finish(id, options, base, 'cancelled', cancelMessage);
  await bookkeeping(db, dbKind, 'background ingestion', (tx) =>
    tx
      .update(ingestions)
      .set({
        status: 'running',
        attempts: sql`${ingestions.attempts} + 1`,
        startedAt: new Date(),
        error: null,
      })
      .where(eq(ingestions.id, id)),
  );
  let update = base;
  options.live.set(id, update);
  options.publish(update);

  let cancelRequested = false;
  const cancelled = () => cancelRequested || (options.cancelledHere?.() ?? false);
  const started = performance.now();
  let lastPublish = 0;
  let lastSave = performance.now();
  let saving: Promise<unknown> | null = null;
  const save = (records: number, bytes: number) => {
    // Other instances read progress from the row; PGlite has no other instance.
    if (dbKind !== 'postgres' || saving) return;
    saving = db
      .update(ingestions)
      .set({ recordsDone: records, bytesDone: bytes })
      .where(and(eq(ingestions.id, id), eq(ingestions.status, 'running')))
      .returning({ cancel: ingestions.cancelRequested })
      .then((rows) => {
        if (rows[0]?.cancel) cancelRequested = true;
      })
      .catch(() => {})
      .finally(() => {
        saving = null;
      });
  };
  try {
    const report = await ingestRis(db, storedUpload(db, id, cancelled), {
      source: row.source,
      dryRun: row.dryRun,
      format: (row.format as FormatChoice | null) ?? 'AUTO',
      maxBytes: options.maxBytes,
      actor: row.actor ?? 'background',
      action: 'startIngestion',
      ingestionId: id,
      onProgress: ({ records, bytes, problems }) => {
        const now = performance.now();
        const seconds = (now - started) / 1000;
        update = {
          ...update,
          records,
          // Parse events count bytes parsed, batch events bytes read: never show it going back.
          bytes: Math.max(update.bytes, bytes),
          problems,
          recordsPerSecond: seconds > 0 ? Math.round(records / seconds) : 0,
        };
        options.live.set(id, update);
        if (now - lastPublish >= PUBLISH_EVERY_MS) {
          lastPublish = now;
          options.publish(update);
        }
        if (now - lastSave >= SAVE_EVERY_MS) {
          lastSave = now;
          save(records, bytes);
        }
      },
    });
    await saving;
    if (row.dryRun) {
      // The dry run's transaction rolled back, row update included; its report is written now.
      const { found, created, updated, unchanged, failed, bytes, problems, outcomes } = report;
      await bookkeeping(db, dbKind, 'background ingestion', (tx) =>
        tx
          .update(ingestions)
          .set({
            status: 'succeeded',
            finishedAt: new Date(),
            ...{ found, created, updated, unchanged, failed, bytes, problems, outcomes },
            recordsDone: found,
          })
          .where(eq(ingestions.id, id)),
      );
    }
    update = { ...update, records: report.found, bytes: report.bytes, problems: report.problems.length };
    return finish(id, options, update, 'succeeded', null);
  } catch (error) {
    await saving;
    if (cancelled()) return finish(id, options, update, 'cancelled', cancelMessage);
    const message = error instanceof Error ? error.message : String(error);
    // The input's own faults end the job now, with their message: a retry would fail the same way.
    const permanent = isInputFailure(error);
    if (permanent || options.finalAttempt) {
      const reason = permanent ? message : `${message} (gave up after ${MAX_ATTEMPTS} attempts)`;
      return finish(id, options, update, 'failed', reason);
    }
    await bookkeeping(db, dbKind, 'background ingestion', (tx) =>
      tx
        .update(ingestions)
        .set({ status: 'queued', error: `Attempt failed, retrying: ${message}` })
        .where(and(eq(ingestions.id, id), eq(ingestions.status, 'running'))),
    );
    options.live.delete(id);
    options.publish({ ...update, status: 'queued', error: `Attempt failed, retrying: ${message}` });
    return { retry: true, reason: message };
  }
}

const cancelMessage = 'Cancelled (cancelIngestion); nothing of it was stored';

/** Ends a job: its status and reason on the row, the upload deleted, the last event published. */
async function finish(
  id: number,
  options: RunOptions,
  update: IngestionUpdate,
  status: IngestionStatus,
  error: string | null,
): Promise<RunOutcome> {
  await endIngestion(options.db, options.dbKind, id, status, error);
  options.live.delete(id);
  options.publish({ ...update, status, error });
  return { retry: false, status };
}

/** Marks ingestion `id` finished with `status` (a succeeded one is already) and drops its upload. */
export async function endIngestion(
  db: Database,
  kind: DatabaseKind,
  id: number,
  status: IngestionStatus,
  error: string | null,
): Promise<void> {
  await bookkeeping(db, kind, 'background ingestion', async (tx) => {
    if (status !== 'succeeded') {
      await tx
        .update(ingestions)
        .set({ status, error, finishedAt: new Date() })
        .where(and(eq(ingestions.id, id), inArray(ingestions.status, ['queued', 'running'])));
    }
    await tx.delete(ingestionUploads).where(eq(ingestionUploads.ingestionId, id));
  });
}

/** The update a row stands for, for subscribers arriving while (or after) its job runs elsewhere. */
export function updateFromRow(row: typeof ingestions.$inferSelect): IngestionUpdate {
  const seconds =
    row.status === 'running' ? (Date.now() - row.startedAt.getTime()) / 1000 : Number.POSITIVE_INFINITY;
  return {
    id: row.id,
    status: row.status,
    records: row.status === 'running' ? row.recordsDone : row.found,
    bytes: row.status === 'running' ? row.bytesDone : row.bytes,
    bytesTotal: row.bytesTotal,
    problems: row.problems.length,
    recordsPerSecond: seconds > 0 && Number.isFinite(seconds) ? Math.round(row.recordsDone / seconds) : 0,
    error: row.error,
  };
}
