import { createServer as createHttpServer, type RequestListener, type Server } from 'node:http';
import { envTokenHashes } from './auth/caller.ts';
import { anyActiveToken } from './auth/tokens.ts';
import { ConfigError, loadConfig } from './config.ts';
import { type DatabaseHandle, openDatabase } from './db/client.ts';
import { FolderLockedError } from './db/folder-lock.ts';
import { openIngestionQueue } from './ingest/queue.ts';
import { createLiveEvents } from './live/events.ts';
import { createServer } from './server/server.ts';
import { openSharedStore } from './server/shared-store.ts';
import { attachWebSocket } from './server/websocket.ts';

/** Listens; resolves with a one-line reason when the address cannot be bound, else null. */
function listen(http: Server, port: number, host: string): Promise<string | null> {
  return new Promise((done) => {
    const onError = (error: NodeJS.ErrnoException) => {
      const at = `port ${port}`;
      if (error.code === 'EADDRINUSE')
        done(`${at} is already in use (set PORT to another port, or stop the process using it)`);
      else if (error.code === 'EACCES')
        done(`${at} needs privileges this process lacks (set PORT to 1024 or above)`);
      else if (error.code === 'EADDRNOTAVAIL' || error.code === 'ENOTFOUND')
        done(`HOST ${host} is not an address of this machine (set HOST, e.g. 0.0.0.0 or 127.0.0.1)`);
      else done(`cannot listen on ${host}:${port}: ${error.message}`);
    };
    http.once('error', onError);
    http.listen(port, host, () => {
      http.off('error', onError);
      done(null);
    });
  });
}

/**
 * Where a client on this host reaches the server: loopback when it listens on every interface, so
 * the CLI counts as a loopback client (which may write while no API token exists).
 */
function localUrl(host: string, port: number): string {
  const address =
    host === '0.0.0.0' || host === ''
      ? '127.0.0.1'
      : host === '::'
        ? '[::1]'
        : host.includes(':')
          ? `[${host}]`
          : host;
  return `http://${address}:${port}`;
}

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
  // The port is bound before the database is opened: a port in use then costs nothing and says
  // so, instead of failing after the PGlite folder was taken (and, once, after migrations ran).
  let handler: RequestListener | null = null;
  const http = createHttpServer((req, res) => {
    if (handler) return handler(req, res);
    res.writeHead(503, { 'content-type': 'application/json', 'retry-after': '1' });
    res.end(JSON.stringify({ status: 'starting' }));
  });
  const listenError = await listen(http, config.port, config.host);
  if (listenError) {
    console.error(`bibgraph: ${listenError}`);
    process.exit(2);
  }
  const address = http.address();
  const port = typeof address === 'object' && address ? address.port : config.port;

  // A fresh PGlite folder takes a while (creating and migrating the database); say so, so a first
  // `npm start` is not twenty silent seconds.
  console.log(
    `bibgraph: opening the ${config.databaseUrl ? 'PostgreSQL database' : `embedded database in ${config.dataDir}`} (port ${port} answers 503 "starting" meanwhile)…`,
  );
  let database: DatabaseHandle;
  try {
    database = await openDatabase({
      databaseUrl: config.databaseUrl,
      dataDir: config.dataDir,
      statementTimeoutMs: config.limits.requestTimeoutMs,
      writeWaitMs: config.writeWaitMs,
      healthTimeoutMs: config.healthTimeoutMs,
      replicaUrls: config.replicaUrls,
      replicaCheckMs: config.replicaCheckMs,
      lockHolder: `bibgraph server on port ${port}`,
      lockUrl: localUrl(config.host, port),
    });
  } catch (error) {
    if (!(error instanceof FolderLockedError)) throw error;
    console.error(`bibgraph: ${error.message}`);
    process.exit(2);
  }
  const store = openSharedStore(config.redisUrl, config.redisPrefix);
  const events = createLiveEvents({
    redisUrl: config.redisUrl,
    prefix: config.redisPrefix,
    maxPerClient: config.maxSubscriptionsPerClient,
  });
  // graphile-worker on PostgreSQL (any instance runs a job, exactly one does), in-process on PGlite.
  const queue = await openIngestionQueue(database, {
    databaseUrl: config.databaseUrl,
    maxBytes: config.maxBackgroundIngestBytes,
    publish: (update) => events.publishProgress(update),
    log: (line) => console.error(line),
  });
  const yoga = createServer({
    database,
    store,
    cacheTtlSeconds: config.cacheTtlSeconds,
    cacheWatchMs: config.cacheWatchMs,
    jit: config.jit,
    countCache: config.countCache,
    persisted: { documentsFile: config.persistedDocumentsFile, persistedOnly: config.persistedOnly },
    maxIngestBytes: config.maxIngestBytes,
    logging: config.logLevel,
    corsOrigins: config.corsOrigins,
    auth: {
      apiTokens: config.apiTokens,
      readRequiresToken: config.readRequiresToken,
      trustProxy: config.trustProxy,
    },
    limits: config.limits,
    live: { events, queue, maxBackgroundIngestBytes: config.maxBackgroundIngestBytes },
  });
  const websocket = attachWebSocket(http, yoga, {
    database: database.db,
    maxConnectionsPerAddress: config.maxSubscriptionsPerClient,
    auth: {
      apiTokens: config.apiTokens,
      readRequiresToken: config.readRequiresToken,
      trustProxy: config.trustProxy,
    },
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
  // One request's failure must not take every other client down with the process.
  process.on('unhandledRejection', (reason) => {
    console.error('bibgraph: a request failed with an unhandled error; the server keeps running:', reason);
  });
  handler = yoga;
  const replicas = config.replicaUrls.length;
  const where =
    database.kind === 'pglite'
      ? `embedded PGlite (${config.dataDir})`
      : `PostgreSQL${replicas ? ` (queries on ${replicas} replica${replicas > 1 ? 's' : ''})` : ''}`;
  console.log(`bibgraph listening on http://localhost:${port}/graphql — database: ${where}`);

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`bibgraph: ${signal} received, shutting down`);
    // What the shutdown is waiting for, so a stuck one says where it stuck. A step that never
    // ends (a background job's stop waiting on a database that does not answer, say) must not
    // keep a stopping process alive until something kills it without a word.
    let step = 'requests in flight';
    setTimeout(() => {
      console.error(
        `bibgraph: shutdown still waiting for ${step} after ${config.shutdownTimeoutMs} ms (BIBGRAPH_SHUTDOWN_TIMEOUT); exiting now`,
      );
      process.exit(1);
    }, config.shutdownTimeoutMs).unref();
    const steps: Array<[string, () => Promise<void>]> = [
      // Its watch of the write generation stops reading before the database closes.
      ['the server to stop', async () => yoga.dispose()],
      ['background jobs to stop', () => queue.stop()],
      ['live events to close', () => events.close()],
      ['the database to close', () => database.close()],
      ['the shared store to close', () => store.close()],
    ];
    // Stop accepting connections, let in-flight requests finish, then close the database so
    // PGlite flushes its files.
    http.close(async () => {
      for (const [name, run] of steps) {
        step = name;
        await run();
      }
      process.exit(0);
    });
    // Open subscriptions would keep the server from closing: their clients are told to reconnect.
    websocket.close().catch(() => {});
    http.closeIdleConnections();
    setTimeout(
      () => {
        http.closeAllConnections();
      },
      Math.min(10_000, config.shutdownTimeoutMs / 2),
    ).unref();
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

main().catch((error) => {
  console.error('bibgraph: failed to start:', error instanceof Error ? error.message : error);
  process.exit(1);
});
