import { useDeferStream } from '@graphql-yoga/plugin-defer-stream';
import { useGraphQLSSE } from '@graphql-yoga/plugin-graphql-sse';
import { renderGraphiQL } from '@graphql-yoga/render-graphiql';
import { createYoga, type LogLevel, type YogaServerInstance } from 'graphql-yoga';
import { type AuthOptions, type Caller, clientAddress, identifyCaller } from '../auth/caller.ts';
import { DEFAULT_CACHE_WATCH_MS, DEFAULT_COUNT_CACHE, DEFAULT_LIMITS, type Limits } from '../config.ts';
import type { DatabaseHandle } from '../db/client.ts';
import { onCommit } from '../db/writers.ts';
import { exportBatchSize } from '../export/service.ts';
import type { IngestionQueue } from '../ingest/background.ts';
import { createLiveEvents, type LiveEvents } from '../live/events.ts';
import { CountCache, type CountCacheOptions } from '../query/count-cache.ts';
import type { Context } from '../schema/context.ts';
import { schema } from '../schema/index.ts';
import {
  accessPlugin,
  corsPolicy,
  createRateLimits,
  GRAPHQL_PATH,
  GRAPHQL_SSE_PATH,
  type RateLimits,
  requestAuth,
  requestOrigin,
  type ServerContext,
} from './access.ts';
import { compressionPlugin } from './compression.ts';
import { domainErrorPlugin, errorCodePlugin, maskError } from './errors.ts';
import { exportResponse } from './export-route.ts';
import { type GenerationWatch, watchWriteGeneration } from './generation-watch.ts';
import { jitPlugin } from './jit.ts';
import { limitPlugins, paramsShapePlugin, requestLimitsPlugin } from './limits.ts';
import { boundedLogger } from './log.ts';
import { persistedOperationPlugins } from './persisted.ts';
import { defaultDocument } from './playground.ts';
import { readDatabase, readRoutingPlugin } from './read-routing.ts';
import { responseCache } from './response-cache.ts';
import { securityHeadersPlugin } from './security-headers.ts';
import { memoryStore, type SharedStore } from './shared-store.ts';

export interface ServerOptions {
  database: DatabaseHandle;
  maxIngestBytes: number;
  /** Hide internal error messages from clients (always true outside tests). */
  maskErrors?: boolean;
  /** Log level (`true` = info); every logged value is bounded in length (log.ts). */
  logging?: boolean | LogLevel | 'silent';
  /** Where log lines go; stderr/stdout by default. */
  logTo?: (line: string) => void;
  /**
   * Origins whose pages may call the API (BIBGRAPH_CORS_ORIGINS patterns); left out, no page on
   * another origin gets CORS headers.
   */
  corsOrigins?: readonly string[];
  /** Tokens and read rules; without it no environment token exists and reads are public. */
  auth?: AuthOptions;
  /** Abuse limits; anything left out takes its default. */
  limits?: Partial<Limits>;
  /**
   * Where cached responses, persisted queries and rate-limit counts live (Redis for several
   * instances); memory by default.
   */
  store?: SharedStore;
  /**
   * Bounds of the cache of exact counts and facets (src/query/count-cache.ts); shared through the
   * store when that is Redis. Left out: DEFAULT_COUNT_CACHE; `maxEntries: 0` turns it off.
   */
  countCache?: Partial<Omit<CountCacheOptions, 'shared'>>;
  /** Seconds an anonymous query's answer may be served from the cache; 0 (the default here) turns it off. */
  cacheTtlSeconds?: number;
  /**
   * PostgreSQL, with the cache on: how often the database's write generation is read to notice
   * writes made outside this server (BIBGRAPH_CACHE_WATCH, ms); 0 turns it off. Left out:
   * DEFAULT_CACHE_WATCH_MS. Stopped by `dispose()`.
   */
  cacheWatchMs?: number;
  /** Queries run compiled by graphql-jit (jit.ts); on unless false. */
  jit?: boolean;
  /** Trusted documents and whether anonymous callers are held to them. */
  persisted?: { documentsFile: string | null; persistedOnly: boolean };
  /**
   * Subscriptions and background ingestion. Left out: events stay in this process (20
   * subscriptions per client) and no queue runs, so startIngestion is refused.
   */
  live?: {
    events?: LiveEvents;
    queue?: IngestionQueue | null;
    /** Largest startIngestion input, in bytes (BIBGRAPH_MAX_BACKGROUND_INGEST_SIZE); the sync limit by default. */
    maxBackgroundIngestBytes?: number;
  };
}

/** What `createServer` adds to Yoga for the WebSocket transport and the tests. */
export interface BibgraphServerExtras {
  /** Where the server's subscriptions get their events (its counts say how many are open). */
  readonly liveEvents: LiveEvents;
  /** The rate limits HTTP requests spend; WebSocket subscriptions spend the same. */
  readonly rateLimits: RateLimits;
  /** The limits in force (body size bounds a WebSocket message too). */
  readonly limits: Limits;
  /** How many operations have been compiled by graphql-jit (0 with `jit: false`). */
  readonly compiledOperations: () => number;
}

export type { ServerContext } from './access.ts';

export type BibgraphServer = YogaServerInstance<ServerContext, Context> & BibgraphServerExtras;

/** Builds the HTTP handler. It never listens: `main.ts` and the tests decide where requests come from. */
export function createServer(options: ServerOptions): BibgraphServer {
  const { database } = options;
  const auth = options.auth ?? {};
  const limits: Limits = { ...DEFAULT_LIMITS, ...options.limits };
  const callers = new WeakMap<Request, Caller>();
  const store = options.store ?? memoryStore();
  const rateLimits = createRateLimits(limits, store.redis);
  const counts = new CountCache({
    ...DEFAULT_COUNT_CACHE,
    ...options.countCache,
    shared: store.kind === 'redis' ? store : null,
  });
  const events = options.live?.events ?? createLiveEvents({ redisUrl: null, maxPerClient: 20 });
  const queue = options.live?.queue ?? null;
  const maxBackgroundIngestBytes = Math.max(
    options.live?.maxBackgroundIngestBytes ?? options.maxIngestBytes,
    options.maxIngestBytes,
  );
  // Uploads up to the background limit are read: startIngestion takes them, ingestRisFile refuses
  // what is over its own limit with a message that points at startIngestion.
  const maxUploadBytes = queue ? maxBackgroundIngestBytes : options.maxIngestBytes;
  const uploadSetting = queue ? 'BIBGRAPH_MAX_BACKGROUND_INGEST_SIZE' : 'BIBGRAPH_MAX_INGEST_SIZE';
  const cache = responseCache({ store, ttlSeconds: options.cacheTtlSeconds ?? 0 });
  // Every committed write through this database's gate reaches subscribers, on every instance
  // when the events go through Redis. It empties the response cache first: a background
  // ingestion's commit comes through no mutation, and a subscriber that refetches on the event
  // must not be answered from before the write.
  onCommit(database.db, (label, changes) => {
    const publish = () =>
      events.publishChanges({
        operation: label.split(' ')[0] ?? label,
        committedAt: new Date().toISOString(),
        changes,
      });
    // The watch (below) takes this commit's generation as known first: emptied once, not again
    // when it next reads the generation.
    void (watch?.adopt() ?? Promise.resolve()).then(() => cache.invalidate()).then(publish);
  });
  // Writes made outside this server (`bibgraph ingest` or any SQL on the same PostgreSQL database)
  // reach it through the database's write generation, read on an interval rather than per request.
  // On PGlite no other process can write (one process per folder, src/db/folder-lock.ts: the CLI
  // goes through the server holding it, as mutations, or is refused), so there is nothing to watch.
  const watchMs = options.cacheWatchMs ?? DEFAULT_CACHE_WATCH_MS;
  let watch: GenerationWatch | null = null;
  const jit = options.jit === false ? null : jitPlugin(schema);
  const yoga = createYoga<ServerContext, Context>({
    schema,
    graphqlEndpoint: GRAPHQL_PATH,
    // Our /health reports the database too, so Yoga's own liveness endpoint moves aside.
    healthCheckEndpoint: '/live',
    landingPage: false,
    logging: boundedLogger(
      options.logging === true ? 'info' : options.logging || 'silent',
      options.logTo && ((line) => options.logTo?.(line)),
    ),
    cors: corsPolicy(options.corsOrigins ?? []),
    // isDev is off even in development: Yoga would otherwise put the original error and its stack
    // into responses whenever NODE_ENV is "development", which is bibgraph's default.
    maskedErrors: (options.maskErrors ?? true) ? { maskError, isDev: false } : false,
    // The default GraphiQL page loads its scripts from a CDN; this one is bundled, so the
    // playground works on machines without internet access.
    renderGraphiQL,
    // Yoga would render the page on any URL ending in /graphql; only the one path gets it, and the
    // access guard answers every other spelling with a 404.
    graphiql: (request) =>
      new URL(request.url).pathname === GRAPHQL_PATH && {
        title: 'bibgraph — GraphQL bibliography',
        defaultQuery: defaultDocument,
      },
    multipart: true,
    // Parsing and validation look at the query text alone, so Yoga caches both per document; the
    // limits that read variables (page size, cost, input bounds) are judged per request in
    // limits.ts, after validation.
    parserAndValidationCache: true,
    // Our guard measures every body against BIBGRAPH_MAX_BODY_SIZE and the upload limit and names
    // them: a declared length before anything is read (access.ts), a chunked body as it is read
    // (limits.ts). Yoga's own check would cut uploads short of a larger limit at its 25 MB
    // default, and it pipes every body, declared length or not, through a stream of its own: an
    // abort controller, a DOMException and a stream pipeline per request for nothing.
    maxRequestBodySize: false,
    context: async (initial) => {
      const db = initial.db ?? database.db;
      const caller =
        callers.get(initial.request) ??
        (await identifyCaller(
          db,
          requestOrigin(initial.request),
          clientAddress(initial, initial.request.headers, auth.trustProxy ?? false),
          auth,
        ));
      return {
        db,
        dbKind: database.kind,
        maxIngestBytes: options.maxIngestBytes,
        auth: requestAuth(db, caller, auth),
        counts,
        live: { events, queue, maxBackgroundIngestBytes },
      };
    },
    plugins: [
      accessPlugin({
        database: database.db,
        auth,
        limits,
        maxUploadBytes,
        uploadSetting,
        callers,
        rateLimits,
      }),
      // The graphql-sse protocol (single-connection and distinct-connections modes) at its own path,
      // behind the same guard; Yoga answers `Accept: text/event-stream` on /graphql by itself.
      useGraphQLSSE({ endpoint: GRAPHQL_SSE_PATH }),
      // Before anything reads the variables: the persisted documents and the response cache
      // stringify them.
      paramsShapePlugin(),
      // Before the response cache, which keys on the document text a hash stands for.
      ...persistedOperationPlugins({
        store,
        documentsFile: options.persisted?.documentsFile ?? null,
        persistedOnly: options.persisted?.persistedOnly ?? false,
        isTrusted: (request) => callers.get(request)?.token.status === 'valid',
      }),
      // Before the response cache: a request it refuses never reaches the cache's execute (which
      // warned "the cached execute function was not called" for each one).
      requestLimitsPlugin(limits),
      // First of the plugins that set or wrap the execute function: the others (response cache,
      // replica routing, time limit, domain errors) wrap whatever runs the query.
      ...(jit ? [jit] : []),
      ...cache.plugins,
      useDeferStream(),
      // Before the limits: the time limit guards whichever database the query was sent to.
      readRoutingPlugin(database),
      ...limitPlugins(limits, maxUploadBytes, uploadSetting),
      // After the limits, so it wraps the execution the timeout plugin set up.
      domainErrorPlugin(),
      {
        async onRequest({ url, request, serverContext, endResponse, fetchAPI }) {
          if (url.pathname === '/health') {
            // Bounded by the health timeout on a connection of its own (DatabaseHandle.ping), so a
            // frozen or saturated database is a prompt 503, never a hanging probe.
            const [health] = await Promise.all([database.ping(), database.replicas?.check()]);
            // Replicas by their place in DATABASE_REPLICA_URLS: /health is public, their URLs are not.
            const replicas = database.replicas?.status();
            const degraded = replicas?.some((r) => r.status === 'down') ?? false;
            endResponse(
              new fetchAPI.Response(
                JSON.stringify({
                  // A replica that is down costs capacity, not answers (its queries go elsewhere),
                  // so the instance stays in service: 200, "degraded".
                  ...(health.ok
                    ? { status: degraded ? 'degraded' : 'ok', database: database.kind }
                    : { status: 'unavailable', database: database.kind, reason: health.reason }),
                  ...(replicas ? { replicas } : {}),
                }),
                {
                  status: health.ok ? 200 : 503,
                  headers: { 'content-type': 'application/json', 'cache-control': 'no-store' },
                },
              ),
            );
          } else if (url.pathname === '/health/subscriptions') {
            // How many subscriptions this instance holds and the listeners behind them: a client
            // that goes away must bring both down (tests read it).
            endResponse(
              new fetchAPI.Response(JSON.stringify({ events: events.kind, ...events.counts() }), {
                headers: { 'content-type': 'application/json', 'cache-control': 'no-store' },
              }),
            );
          } else if (url.pathname === '/export' && (request.method === 'GET' || request.method === 'HEAD')) {
            const response = await exportResponse(
              (serverContext as ServerContext).db ?? readDatabase(database),
              url,
              exportBatchSize(database.kind),
            );
            // HEAD: the status and headers a GET would get (a 400 for a bad filter included), no body.
            if (request.method === 'HEAD') await response.body?.cancel();
            endResponse(
              request.method === 'HEAD'
                ? new fetchAPI.Response(null, {
                    status: response.status,
                    statusText: response.statusText,
                    headers: response.headers,
                  })
                : response,
            );
          } else if (url.pathname === '/') {
            endResponse(new fetchAPI.Response(null, { status: 302, headers: { location: '/graphql' } }));
          }
        },
      },
      {
        onDispose() {
          watch?.stop();
        },
      },
      securityHeadersPlugin(),
      errorCodePlugin(),
      // Last, so it compresses the response every other plugin has finished with.
      compressionPlugin(),
    ],
  });
  if (cache.enabled && watchMs > 0 && database.kind === 'postgres') {
    watch = watchWriteGeneration(database.db, {
      everyMs: watchMs,
      onChange: () => cache.invalidate(),
      log: (message) => yoga.logger.warn(`bibgraph: ${message}`),
    });
  }
  return Object.assign(yoga, {
    liveEvents: events,
    rateLimits,
    limits,
    compiledOperations: () => jit?.compiledOperations() ?? 0,
  });
}
