import type { PGlite, QueryOptions, Results, Transaction } from '@electric-sql/pglite';
import { Turns } from './turns.ts';

const READ_SAVEPOINT = 'bibgraph_read';

/**
 * PGlite is one embedded PostgreSQL session, and its own `transaction()` keeps that session for the
 * whole callback: every read waited until an ingest of 20,000 records had committed. This stands in
 * for the PGlite client drizzle talks to (drizzle calls `query` and `transaction`). A transaction
 * here is a BEGIN on the shared session whose statements take turns with everyone else's; a
 * statement that arrives from outside while it is open runs inside it, between two of its
 * statements, wrapped in a savepoint so that a failing read cannot abort the writer.
 *
 * Such a read sees the open transaction's rows before they are committed (and a dry run's, which
 * never will be). With one session there is no other snapshot to give it; docs/ingest.md says so.
 */
export class SharedSession {
  /** One statement (or one savepoint-wrapped outside statement) at a time on the session. */
  readonly #statements = new Turns();
  /** One transaction at a time. */
  readonly #transactions = new Turns();
  /** The open transaction; `ended` settles once it has committed or rolled back. */
  #open: { ended: Promise<void> } | null = null;

  constructor(readonly pg: PGlite) {}

  query<T>(query: string, params?: unknown[], options?: QueryOptions): Promise<Results<T>> {
    return this.#outside(() => this.pg.query<T>(query, params as never[], options));
  }

  exec(query: string, options?: QueryOptions): Promise<Array<Results>> {
    return this.#outside(() => this.pg.exec(query, options));
  }

  async transaction<T>(callback: (tx: Transaction) => Promise<T>): Promise<T> {
    return this.#transactions.run(async () => {
      let ended!: () => void;
      await this.#statements.run(async () => {
        await this.pg.exec('begin');
        this.#open = { ended: new Promise<void>((done) => (ended = done)) };
      });
      let closed = false;
      const own = <R>(run: () => Promise<R>): Promise<R> => {
        if (closed) return Promise.reject(new Error('Transaction is closed'));
        return this.#statements.run(run);
      };
      // Ending takes a turn like any statement; statements queued behind it run outside a transaction.
      const end = (statement: 'commit' | 'rollback') => {
        closed = true;
        return this.#statements.run(async () => {
          this.#open = null;
          return this.pg.exec(statement);
        });
      };
      const tx = {
        query: <R>(query: string, params?: unknown[], options?: QueryOptions) =>
          own(() => this.pg.query<R>(query, params as never[], options)),
        exec: (query: string, options?: QueryOptions) => own(() => this.pg.exec(query, options)),
        rollback: async () => {
          if (closed) throw new Error('Transaction is closed');
          await end('rollback');
        },
        get closed() {
          return closed;
        },
      };
      try {
        const result = await callback(tx as unknown as Transaction);
        if (!closed) {
          const [outcome] = await end('commit');
          if (outcome?.command === 'ROLLBACK')
            throw new Error('The transaction had failed and was rolled back');
        }
        return result;
      } catch (error) {
        if (!closed) await end('rollback');
        throw error;
      } finally {
        ended();
      }
    });
  }

  /** A statement from outside any transaction: inside the open one in a savepoint, if there is one. */
  async #outside<R>(run: () => Promise<R>): Promise<R> {
    for (;;) {
      const outcome = await this.#statements.run(
        async (): Promise<{ value: R } | { wait: Promise<void> }> => {
          const open = this.#open;
          if (!open) return { value: await run() };
          try {
            await this.pg.exec(`savepoint ${READ_SAVEPOINT}`);
          } catch (error) {
            // The writer's transaction already failed and awaits its rollback: run after it instead.
            if ((error as { code?: string }).code === '25P02') return { wait: open.ended };
            throw error;
          }
          try {
            const value = await run();
            await this.pg.exec(`release savepoint ${READ_SAVEPOINT}`);
            return { value };
          } catch (error) {
            await this.pg.exec(
              `rollback to savepoint ${READ_SAVEPOINT}; release savepoint ${READ_SAVEPOINT}`,
            );
            throw error;
          }
        },
      );
      if ('value' in outcome) return outcome.value;
      await outcome.wait;
    }
  }
}
