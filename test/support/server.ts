import { afterAll, beforeAll, expect } from 'vitest';
import type { Database, DatabaseHandle } from '../../src/db/client.ts';
import { type BibgraphServer, createServer, type ServerOptions } from '../../src/server/server.ts';
import { openTestDatabase } from './db.ts';
import { gql } from './graphql.ts';

export interface TestServer {
  /** The database, open between the file's beforeAll and afterAll. */
  readonly handle: DatabaseHandle;
  readonly yoga: BibgraphServer;
  /** Every SQL statement the database ran, in order, when the server was made with `logStatements`. */
  readonly statements: string[];
  /** Runs an operation in `tx` and returns its data, failing the test on any error. */
  run<T = Record<string, any>>(tx: Database, query: string, variables?: Record<string, unknown>): Promise<T>;
}

/** A database and a server on it for one test file (or one `describe.each` target). */
export function useTestServer(
  url: string | null,
  options: Partial<ServerOptions> = {},
  fixture: { logStatements?: boolean } = {},
): TestServer {
  let handle: DatabaseHandle | undefined;
  let yoga: BibgraphServer | undefined;
  const statements: string[] = [];
  beforeAll(async () => {
    handle = await openTestDatabase(
      url,
      fixture.logStatements ? { logger: { logQuery: (query) => statements.push(query) } } : {},
    );
    yoga = createServer({
      database: handle,
      maxIngestBytes: 1024 * 1024,
      maskErrors: true,
      ...options,
      // A test file is one client sending as fast as the server answers; rate limits have tests
      // of their own (test/access).
      limits: { rateLimitIpBurst: 1_000_000, rateLimitPerIp: 100_000_000, ...options.limits },
    });
  });
  afterAll(() => handle?.close());
  const server: TestServer = {
    statements,
    get handle() {
      if (!handle) throw new Error('the test database opens in beforeAll');
      return handle;
    },
    get yoga() {
      if (!yoga) throw new Error('the test server starts in beforeAll');
      return yoga;
    },
    async run<T>(tx: Database, query: string, variables?: Record<string, unknown>) {
      const r = await gql<T>(server.yoga, tx, query, variables);
      expect(r.errors, JSON.stringify(r.errors)).toBeUndefined();
      return r.data as T;
    },
  };
  return server;
}
