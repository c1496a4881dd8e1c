import { createServer as createHttpServer } from 'node:http';
import { envTokenHashes } from './auth/caller.ts';
import { anyActiveToken } from './auth/tokens.ts';
import { ConfigError, loadConfig } from './config.ts';
import { openDatabase } from './db/client.ts';
import { createServer } from './server/server.ts';

async function main(): Promise<void> {
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(`bibgraph: configuration error: ${error.message}`);
      process.exit(2);
    }
    throw error;
  }
  const database = await openDatabase({
    databaseUrl: config.databaseUrl,
    dataDir: config.dataDir,
    statementTimeoutMs: config.limits.requestTimeoutMs,
    writeWaitMs: config.writeWaitMs,
    healthTimeoutMs: config.healthTimeoutMs,
  });
  const yoga = createServer({
    database,
    maxIngestBytes: config.maxIngestBytes,
    logging: config.logLevel !== 'silent',
    auth: {
      apiTokens: config.apiTokens,
      readRequiresToken: config.readRequiresToken,
      trustProxy: config.trustProxy,
    },
    limits: config.limits,
  });
  const auth = { apiTokens: config.apiTokens };
  if (!(await anyActiveToken(database.db, envTokenHashes(auth)))) {
    // Said once at start-up; the server re-checks on every mutation, so a token created later
    // with the CLI takes effect without a restart.
    console.log(
      'bibgraph: no API token exists, so mutations are accepted only from loopback clients (127.0.0.1, ::1). Create one with "bibgraph token create --name NAME" or set BIBGRAPH_API_TOKENS.',
    );
  }
  if (config.trustProxy) {
    console.log(
      'bibgraph: BIBGRAPH_TRUST_PROXY is on: client addresses come from X-Forwarded-For (last hop).',
    );
  }
  const http = createHttpServer(yoga);
  // One request's failure must not take every other client down with the process.
  process.on('unhandledRejection', (reason) => {
    console.error('bibgraph: a request failed with an unhandled error; the server keeps running:', reason);
  });
  http.listen(config.port, config.host, () => {
    const where = database.kind === 'pglite' ? `embedded PGlite (${config.dataDir})` : 'PostgreSQL';
    const address = http.address();
    const port = typeof address === 'object' && address ? address.port : config.port;
    console.log(`bibgraph listening on http://localhost:${port}/graphql — database: ${where}`);
  });

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`bibgraph: ${signal} received, shutting down`);
    // Stop accepting connections, let in-flight requests finish, then close the database so
    // PGlite flushes its files.
    http.close(async () => {
      await database.close();
      process.exit(0);
    });
    http.closeIdleConnections();
    setTimeout(() => {
      http.closeAllConnections();
    }, 10_000).unref();
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

main().catch((error) => {
  console.error('bibgraph: failed to start:', error instanceof Error ? error.message : error);
  process.exit(1);
});
