import { and, eq, sql } from 'drizzle-orm';
import { Logger, type Runner, run, type Task } from 'graphile-worker';
import postgres from 'postgres';
import { type Database, rowsOf } from '../db/client.ts';
import { ingestions } from '../db/schema.ts';
import {
  endIngestion,
  type IngestionQueue,
  type IngestionUpdate,
  MAX_ATTEMPTS,
  runIngestion,
  storeSubmission,
} from './background.ts';

export interface GraphileQueueOptions {
  db: Database;
  databaseUrl: string;
  maxBytes: number;
  publish: (update: IngestionUpdate) => void;
  /** How often this instance looks for jobs whose instance died, in ms (default 5 s). */
  reapEveryMs?: number;
  /** Where graphile-worker's own log lines go (default: nowhere below warnings). */
  log?: (line: string) => void;
}

const TASK = 'bibgraph_ingest';
/** Session advisory locks `(RUN_LOCK, ingestion id)` say "an instance is running this job and alive". */
const RUN_LOCK = 4_242_019;

const jobKey = (id: number) => `ingestion:${id}`;

/**
 * The queue on PostgreSQL: graphile-worker (its own schema `graphile_worker`, migrated by the
 * library at start-up). A job is added in the same transaction that stores the upload, so a job
 * never names an upload that is not there; graphile-worker locks each job for one worker, so
 * exactly one instance runs it.
 *
 * graphile-worker 0.17 frees the lock of a worker that died only after four hours. bibgraph does
 * not wait that long: the instance running a job holds a session advisory lock for it on a
 * connection of its own, which PostgreSQL releases the moment that instance's connections drop
 * (kill -9, a crash, a lost host). Every instance checks RUNNING jobs every few seconds; a job
 * whose lock can be taken has lost its runner, and is unlocked for another attempt (or ends FAILED
 * when that was the last).
 */
export async function openGraphileQueue(options: GraphileQueueOptions): Promise<IngestionQueue> {
  const { db } = options;
  const live = new Map<number, IngestionUpdate>();
  // One connection for the run locks of the job in progress and the reaper's probes.
  const locks = postgres(options.databaseUrl, {
    max: 1,
    onnotice: () => {},
    connection: { application_name: 'bibgraph ingestion locks' },
  });
  const lockConnection = await locks.reserve();

  const task: Task = async (payload, helpers) => {
    const id = Number((payload as { ingestionId?: unknown }).ingestionId);
    if (!Number.isInteger(id)) return;
    const job = helpers.job;
    await lockConnection`select pg_advisory_lock(${RUN_LOCK}, ${id})`;
    try {
      const outcome = await runIngestion(id, {
        db,
        dbKind: 'postgres',
        maxBytes: options.maxBytes,
        finalAttempt: job.attempts >= job.max_attempts,
        publish: options.publish,
        live,
      });
      // Thrown so graphile-worker schedules the retry with its back-off.
      if (outcome.retry) throw new Error(outcome.reason);
    } finally {
      await lockConnection`select pg_advisory_unlock(${RUN_LOCK}, ${id})`.catch(() => {});
    }
  };

  const quiet = new Logger(() => (level, message) => {
    if (level === 'error' || level === 'warning') options.log?.(`graphile-worker: ${message}`);
  });
  const runner: Runner = await run({
    connectionString: options.databaseUrl,
    concurrency: 1,
    noHandleSignals: true,
    pollInterval: 1_000,
    taskList: { [TASK]: task },
    logger: quiet,
  });

  const reap = async () => {
    const running = await db
      .select({ id: ingestions.id, attempts: ingestions.attempts })
      .from(ingestions)
      .where(eq(ingestions.status, 'running'));
    for (const { id } of running) {
      if (live.has(id)) continue;
      const [probe] = await lockConnection<
        { free: boolean }[]
      >`select pg_try_advisory_lock(${RUN_LOCK}, ${id}) as free`;
      if (!probe?.free) continue;
      await lockConnection`select pg_advisory_unlock(${RUN_LOCK}, ${id})`;
      await recover(id);
    }
  };

  /** Job `id` lost the instance running it: unlock it for a retry, or end it FAILED after the last. */
  const recover = async (id: number) => {
    const [job] = rowsOf<{ locked_by: string | null; attempts: number; max_attempts: number }>(
      await db.execute(
        sql`select locked_by, attempts, max_attempts from graphile_worker.jobs where key = ${jobKey(id)}`,
      ),
    );
    const reason = 'The instance running it stopped before it finished';
    if (job && job.attempts < job.max_attempts) {
      if (job.locked_by) {
        await db.execute(sql`select graphile_worker.force_unlock_workers(array[${job.locked_by}]::text[])`);
      }
      await db
        .update(ingestions)
        .set({
          status: 'queued',
          error: `${reason} (attempt ${job.attempts} of ${job.max_attempts}); retrying`,
        })
        .where(and(eq(ingestions.id, id), eq(ingestions.status, 'running')));
      options.publish({
        id,
        status: 'queued',
        records: 0,
        bytes: 0,
        bytesTotal: null,
        problems: 0,
        recordsPerSecond: 0,
        error: `${reason}; retrying`,
      });
      return;
    }
    if (job) await db.execute(sql`select graphile_worker.remove_job(${jobKey(id)})`);
    const final = `${reason}, on the last of ${MAX_ATTEMPTS} attempts`;
    await endIngestion(db, 'postgres', id, 'failed', final);
    options.publish({
      id,
      status: 'failed',
      records: 0,
      bytes: 0,
      bytesTotal: null,
      problems: 0,
      recordsPerSecond: 0,
      error: final,
    });
  };

  let reaping: Promise<void> | null = null;
  const reaper = setInterval(() => {
    reaping ??= reap()
      .catch((error: Error) =>
        options.log?.(`bibgraph: checking background ingestions failed: ${error.message}`),
      )
      .finally(() => {
        reaping = null;
      });
  }, options.reapEveryMs ?? 5_000);
  reaper.unref();

  return {
    kind: 'graphile-worker',
    async submit(submission) {
      // The row, the upload and the job commit together (graphile-worker's add_job is SQL).
      return db.transaction(async (tx) => {
        const id = await storeSubmission(tx, submission, options.maxBytes);
        await tx.execute(
          sql`select graphile_worker.add_job(${TASK}, json_build_object('ingestionId', ${id}::int), job_key := ${jobKey(id)}, max_attempts := ${MAX_ATTEMPTS})`,
        );
        return id;
      });
    },
    async cancel(id) {
      // A job not locked yet is removed outright; a running one is told through its row.
      const [row] = await db
        .update(ingestions)
        .set({ cancelRequested: true })
        .where(eq(ingestions.id, id))
        .returning({ status: ingestions.status });
      if (!row) return null;
      if (row.status !== 'queued') return row.status;
      // remove_job deletes a job no worker holds; one a worker just took is only kept from retrying,
      // and its runner sees the cancel on its row.
      const [removed] = rowsOf<{ locked_at: string | null }>(
        await db.execute(sql`select locked_at from graphile_worker.remove_job(${jobKey(id)})`),
      );
      if (removed?.locked_at) return 'running';
      const message = 'Cancelled (cancelIngestion) before it started';
      await endIngestion(db, 'postgres', id, 'cancelled', message);
      options.publish({
        id,
        status: 'cancelled',
        records: 0,
        bytes: 0,
        bytesTotal: null,
        problems: 0,
        recordsPerSecond: 0,
        error: message,
      });
      return 'cancelled';
    },
    live: (id) => live.get(id),
    async stop() {
      clearInterval(reaper);
      await reaping;
      await runner.stop();
      lockConnection.release();
      await locks.end({ timeout: 5 });
    },
  };
}
