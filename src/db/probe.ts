import postgres from 'postgres';
import type { DatabaseHealth } from './client.ts';

/** `work`'s outcome, or `late()`'s when `ms` pass first. */
export function withTimeout<T>(work: Promise<T>, ms: number, late: () => T): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<T>((resolve) => {
    timer = setTimeout(() => resolve(late()), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

/**
 * /health's own PostgreSQL connection. A probe that gets no answer in time is abandoned with its
 * connection (a frozen server never answers on it), and the next probe opens a new one; probes
 * arriving while one is in flight share it, so a flood of /health requests opens one connection.
 */
export class PostgresProbe {
  #client: postgres.Sql | null = null;
  #inFlight: Promise<DatabaseHealth> | null = null;
  constructor(
    readonly url: string,
    readonly timeoutMs: number,
  ) {}

  ping(): Promise<DatabaseHealth> {
    this.#inFlight ??= this.#probe().finally(() => {
      this.#inFlight = null;
    });
    return this.#inFlight;
  }

  async #probe(): Promise<DatabaseHealth> {
    this.#client ??= postgres(this.url, {
      max: 1,
      onnotice: () => {},
      connect_timeout: Math.ceil(this.timeoutMs / 1000),
      connection: { application_name: 'bibgraph health', statement_timeout: this.timeoutMs },
    });
    const client = this.#client;
    const result = await withTimeout(
      client`select 1`.then(
        (): DatabaseHealth => ({ ok: true }),
        (error: { code?: string }): DatabaseHealth => ({
          // The driver's message may name hosts and users; /health is public, the code is enough.
          ok: false,
          reason: `PostgreSQL refused the probe (${error.code ?? 'connection error'})`,
        }),
      ),
      this.timeoutMs,
      (): DatabaseHealth => ({
        ok: false,
        reason: `PostgreSQL did not answer within ${this.timeoutMs} ms (BIBGRAPH_HEALTH_TIMEOUT)`,
      }),
    );
    if (!result.ok) {
      if (this.#client === client) this.#client = null;
      client.end({ timeout: 0 }).catch(() => {});
    }
    return result;
  }

  async close(): Promise<void> {
    await this.#inFlight?.catch(() => {});
    await this.#client?.end({ timeout: 1 });
    this.#client = null;
  }
}
