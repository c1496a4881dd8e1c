import { sql } from 'drizzle-orm';
import { type Database, rowsOf } from '../db/client.ts';
import { hasErrorCode, rootMessage } from '../db/driver-errors.ts';
import { generationSql } from '../db/generation.ts';

export interface GenerationWatch {
  /** Stops reading; a read in flight finishes and is ignored. Safe to call twice. */
  stop(): void;
  /**
   * For a write committed through this server, before the server empties the cache for it: reads
   * the generation now and takes it as the reference, so the watch does not empty the cache a
   * second time (up to an interval later, throwing away answers cached since) for the same write.
   * Whatever else committed before this read is covered by the server's emptying, which follows;
   * whatever commits after it moves the generation again. Never throws.
   */
  adopt(): Promise<void>;
}

export interface GenerationWatchOptions {
  /** Between the end of one read and the start of the next, in ms. */
  everyMs: number;
  /**
   * Called when the generation read differs from the one read before, and after the first read:
   * something may have been cached between start-up and that read, under a generation the
   * database had already left.
   */
  onChange: () => Promise<void>;
  /** Told when reading starts failing and when it works again, once each. */
  log: (message: string) => void;
}

/**
 * Reads the database's write generation (the one row of `write_generation`, which the triggers
 * move in every transaction that writes the graph, whoever runs it) every `everyMs`, and calls
 * `onChange` when it has moved. This is how a server learns of writes made outside it — the CLI or
 * another tool on the same PostgreSQL database — without a database round trip per request: one
 * primary-key read per interval per instance, whatever the traffic.
 *
 * The next read is scheduled only once the last has ended, so a slow database never piles reads
 * up; the timer is unref'd, so it never keeps a process alive. A failed read is retried at the
 * next interval; the generation last read stays the reference, so a write made while the database
 * could not be read is still noticed once it can.
 */
export function watchWriteGeneration(db: Database, options: GenerationWatchOptions): GenerationWatch {
  let stopped = false;
  let timer: NodeJS.Timeout | null = null;
  let last: string | null = null;
  let failing = false;
  // Every read takes a ticket; one that a later read (or adopt) started after it answers to
  // nothing: the later one saw at least as much.
  let tickets = 0;
  const readGeneration = async (): Promise<string | null> => {
    const [row] = rowsOf<{ generation: string | null }>(
      await db.execute(sql`select ${generationSql()} as generation`),
    );
    return row?.generation ?? null;
  };

  const read = async (): Promise<void> => {
    const ticket = ++tickets;
    try {
      const generation = await readGeneration();
      if (failing) {
        failing = false;
        options.log('reading the write generation works again');
      }
      if (stopped || generation === null || ticket !== tickets) return;
      if (generation !== last) await options.onChange();
      last = generation;
    } catch (error) {
      if (stopped) return;
      // The handle was closed without stopping the watch first (a test, say): nothing will answer
      // again. postgres.js's error for a query on a pool that `end()` has closed, however wrapped.
      if (hasErrorCode(error, 'CONNECTION_ENDED')) {
        stopped = true;
        return;
      }
      if (!failing) {
        failing = true;
        options.log(
          `cannot read the write generation; writes from outside this server may stay cached up to BIBGRAPH_CACHE_TTL: ${rootMessage(error)}`,
        );
      }
    }
  };
  const schedule = () => {
    if (stopped) return;
    timer = setTimeout(() => {
      timer = null;
      read().finally(schedule);
    }, options.everyMs);
    timer.unref();
  };
  read().finally(schedule);
  return {
    stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      timer = null;
    },
    async adopt() {
      const ticket = ++tickets;
      try {
        const generation = await readGeneration();
        if (!stopped && generation !== null && ticket === tickets) last = generation;
      } catch {
        // The interval's read reports failures; this one only costs a second emptying.
      }
    },
  };
}
