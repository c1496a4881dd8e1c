import type { IncomingMessage } from 'node:http';
import type { Plugin } from 'graphql-yoga';
import type { Redis } from 'ioredis';
import {
  type RateLimiterAbstract,
  RateLimiterMemory,
  RateLimiterRedis,
  RateLimiterRes,
} from 'rate-limiter-flexible';
import {
  type AuthOptions,
  actorName,
  type Caller,
  clientAddress,
  identifyCaller,
  type RequestOrigin,
  readDenial,
  refusedForCredentials,
  writeDenial,
} from '../auth/caller.ts';
import type { Limits } from '../config.ts';
import type { Database } from '../db/client.ts';
import type { ErrorCode } from '../error-codes.ts';
import type { RequestAuth } from '../schema/context.ts';
import { bodyLimitFor } from './limits.ts';

/** What a caller of `yoga.fetch` may pass as server context. */
export interface ServerContext {
  /** Tests hand in a transaction here. */
  db?: Database;
  /** The client's IP address for in-process calls; over node:http it comes from the socket. */
  clientAddress?: string;
  /** Set by node:http when the server listens for real. */
  req?: IncomingMessage;
}

/**
 * Every path the server answers, compared with the URL's path exactly. Yoga itself would hand the
 * GraphQL handler any URL that merely ends in /graphql (`/x/graphql`, `//graphql`, even
 * `/x?y=/graphql`), and a guard keyed on a different spelling than the handler's is a bypass; so
 * one list decides, and anything else is a 404 before a handler sees it.
 */
const ROUTES: Record<string, 'data' | 'open'> = {
  '/graphql': 'data',
  '/graphql/stream': 'data',
  '/health/subscriptions': 'open',
  '/export': 'data',
  '/health': 'open',
  '/live': 'open',
  '/': 'open',
};

/** The one path the GraphQL handler and its playground answer on. */
export const GRAPHQL_PATH = '/graphql';

/** Where the graphql-sse protocol is served (its single-connection mode needs a path of its own). */
export const GRAPHQL_SSE_PATH = '/graphql/stream';

/** Headers a page on an allowed origin may read: rate-limit waits, download names, cache validators. */
const EXPOSED_HEADERS = ['Retry-After', 'Content-Disposition', 'ETag'];

/** How long a browser may reuse a preflight answer, in seconds (Chromium caps this at 7200). */
export const CORS_MAX_AGE_SECONDS = 600;

/** Whether a page on `origin` may call the API, by the BIBGRAPH_CORS_ORIGINS patterns. */
export function originAllowed(origin: string, patterns: readonly string[]): boolean {
  if (origin === 'null') return false;
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return false;
  }
  // An Origin header is exactly scheme://host[:port]; anything else is not what a browser sends.
  if (url.origin !== origin.toLowerCase()) return false;
  return patterns.some((pattern) => {
    if (pattern === '*') return true;
    if (pattern.endsWith(':*')) return `${url.protocol}//${url.hostname}:*` === pattern;
    return pattern === url.origin;
  });
}

/** What Yoga's `cors` option takes per request: the headers' contents, or `false` for none. */
type CorsAnswer =
  | false
  | {
      origin: string[];
      credentials: boolean;
      methods: string[];
      exposedHeaders: string[];
      maxAge: number;
    };

/**
 * Yoga's `cors` option: CORS headers only for allowed origins, and never `Allow-Credentials`. The
 * API authenticates with bearer tokens that a page sends explicitly, not with cookies a browser
 * would attach on its own, so no page needs credentials and none should get them.
 */
export function corsPolicy(patterns: readonly string[]): (request: Request) => CorsAnswer {
  return (request) => {
    const origin = request.headers.get('origin');
    if (origin === null || !originAllowed(origin, patterns)) return false;
    return {
      origin: [origin],
      credentials: false,
      methods: ['GET', 'POST', 'OPTIONS'],
      exposedHeaders: EXPOSED_HEADERS,
      maxAge: CORS_MAX_AGE_SECONDS,
    };
  };
}

/** Bodies up to this size are read before a 413, so the client gets the answer (see the guard). */
const DRAIN_BEFORE_REFUSING = 8 * 1024 * 1024;

function jsonError(
  status: number,
  message: string,
  code: ErrorCode,
  headers: Record<string, string> = {},
  extensions: Record<string, unknown> = {},
) {
  return new Response(JSON.stringify({ errors: [{ message, extensions: { code, ...extensions } }] }), {
    status,
    headers: { 'content-type': 'application/json; charset=utf-8', ...headers },
  });
}

/** The request's URL and headers, as the loopback rule reads them. */
export function requestOrigin(request: Request, url?: URL): RequestOrigin {
  return { url: url ?? new URL(request.url), headers: request.headers };
}

/**
 * One rate-limit rule. With Redis, every instance counts into the same key, so N instances hold
 * one limit together instead of N. The memory limiter is Redis's insurance: while Redis is not
 * connected (or a command times out, see shared-store.ts) each instance counts on its own again,
 * so an outage loosens the limit to one per instance but never refuses or stalls a request.
 */
function rateLimiter(
  points: number,
  duration: number,
  id: string,
  redis: { client: Redis; prefix: string } | undefined,
): RateLimiterAbstract {
  const memory = new RateLimiterMemory({ points, duration });
  if (!redis) return memory;
  return new RateLimiterRedis({
    storeClient: redis.client,
    keyPrefix: `${redis.prefix}rate:${id}`,
    points,
    duration,
    insuranceLimiter: memory,
    // Not connected: straight to the insurance, instead of queueing behind a reconnect.
    rejectIfRedisNotReady: true,
    // A key over its limit is refused from memory until its window ends, so a flood from one
    // address costs Redis nothing.
    inMemoryBlockOnConsumed: points + 1,
  });
}

/** A request (or WebSocket subscription) refused by a rate limit: which one, and when to retry. */
export interface RateRefusal {
  name: string;
  /** Seconds until the caller may try again (at least 1). */
  retry: number;
}

/** The rate limits, counted per token, or per IP address without one. */
export interface RateLimits {
  /** Counts one request of this caller; a refusal names the limit it hit. */
  consume(caller: Caller, address: string | null): Promise<RateRefusal | null>;
}

/**
 * Per token, or per IP address without one: a per-second burst and a per-window budget, shared
 * through Redis when there is one. HTTP requests and WebSocket subscriptions spend the same budget.
 */
export function createRateLimits(limits: Limits, redis?: { client: Redis; prefix: string }): RateLimits {
  const window = limits.rateLimitWindowSeconds;
  const rule = (points: number, duration: number, id: string, name: string) => ({
    limiter: rateLimiter(points, duration, id, redis),
    name,
  });
  // Checked in this order; a request refused by the burst does not spend the window's budget.
  const perIp = [
    rule(
      limits.rateLimitIpBurst,
      1,
      'ip-burst',
      `${limits.rateLimitIpBurst} requests per second per IP address (BIBGRAPH_RATE_LIMIT_IP_BURST)`,
    ),
    rule(
      limits.rateLimitPerIp,
      window,
      'ip',
      `${limits.rateLimitPerIp} requests per ${window} s per IP address (BIBGRAPH_RATE_LIMIT_IP)`,
    ),
  ];
  const perToken = [
    rule(
      limits.rateLimitPerToken,
      window,
      'token',
      `${limits.rateLimitPerToken} requests per ${window} s per token (BIBGRAPH_RATE_LIMIT_TOKEN)`,
    ),
  ];
  return {
    async consume(caller, address) {
      const [rules, key] =
        caller.token.status === 'valid'
          ? [perToken, `token:${caller.token.name}`]
          : [perIp, `ip:${address ?? 'unknown'}`];
      for (const { limiter, name } of rules) {
        try {
          await limiter.consume(key);
        } catch (error) {
          if (!(error instanceof RateLimiterRes)) throw error;
          return { name, retry: Math.max(1, Math.ceil(error.msBeforeNext / 1000)) };
        }
      }
      return null;
    },
  };
}

/**
 * The guard in front of every data request, run before the body is read: the path, declared body
 * size, caller identity, rate limits (per token, or per IP address without one: a per-second
 * burst and a per-window budget), the read-token rule, and for uploads the write rule. The caller
 * it identifies is kept for the GraphQL context, so a token is looked up once.
 */
export function accessPlugin(options: {
  database: Database;
  auth: AuthOptions;
  limits: Limits;
  maxUploadBytes: number;
  /** The setting the upload limit comes from, as a 413 names it. */
  uploadSetting?: string;
  callers: WeakMap<Request, Caller>;
  /** Where instances share their counts (REDIS_URL); each instance counts alone without it. */
  redis?: { client: Redis; prefix: string };
  /** The rate limits, when the WebSocket transport shares them; made here otherwise. */
  rateLimits?: RateLimits;
}): Plugin<ServerContext> {
  const { auth, limits } = options;
  const rateLimits = options.rateLimits ?? createRateLimits(limits, options.redis);
  return {
    async onRequest({ url, request, serverContext, endResponse }) {
      const route = Object.hasOwn(ROUTES, url.pathname) ? ROUTES[url.pathname] : undefined;
      if (route === undefined) {
        endResponse(
          jsonError(
            404,
            `No such path "${url.pathname}"; GraphQL is served at ${GRAPHQL_PATH} and downloads at /export`,
            'NOT_FOUND',
          ),
        );
        return;
      }
      if (route === 'open') return;
      if (url.pathname === '/export' && request.method !== 'GET' && request.method !== 'HEAD') {
        endResponse(
          jsonError(405, `/export answers GET and HEAD only, not ${request.method}`, 'BAD_REQUEST', {
            allow: 'GET, HEAD',
          }),
        );
        return;
      }
      // Refusing a body the client is still sending: closing the connection stops the upload,
      // where keep-alive would make the server read the rest only to throw it away.
      const refuseBody = { connection: 'close' };
      const declared = request.headers.get('content-length');
      if (declared !== null) {
        const limit = bodyLimitFor(
          request.headers.get('content-type'),
          limits,
          options.maxUploadBytes,
          options.uploadSetting,
        );
        if (Number(declared) > limit.bytes) {
          // A body a little over the limit is read and dropped before answering: a client still
          // sending when the connection closes sees a reset instead of the 413 that names the
          // limit. A large one is cut off unread; its client may see the reset.
          if (Number(declared) <= DRAIN_BEFORE_REFUSING) await request.arrayBuffer().catch(() => {});
          endResponse(
            jsonError(
              413,
              `Request body of ${declared} bytes exceeds the ${limit.name}`,
              'PAYLOAD_TOO_LARGE',
              refuseBody,
            ),
          );
          return;
        }
      }
      const ctx = serverContext as ServerContext;
      const db = ctx.db ?? options.database;
      const address = clientAddress(ctx, request.headers, auth.trustProxy ?? false);
      const caller = await identifyCaller(db, requestOrigin(request, url), address, auth);
      options.callers.set(request, caller);

      const refused = await rateLimits.consume(caller, address);
      if (refused) {
        endResponse(
          jsonError(
            429,
            `Rate limit of ${refused.name} exceeded; retry in ${refused.retry} s`,
            'RATE_LIMITED',
            { 'retry-after': String(refused.retry) },
            { retryAfter: refused.retry },
          ),
        );
        return;
      }

      // The GraphiQL page itself holds no data; it sends its queries with whatever token is entered.
      // Only /graphql has a page: a browser opening an /export link also asks for HTML, and that
      // download is data like any other read.
      const wantsPage =
        url.pathname === '/graphql' &&
        request.method === 'GET' &&
        (request.headers.get('accept') ?? '').includes('text/html');
      // A token that is sent must be good, whatever the request: a client with a mistyped or
      // revoked token learns so at once (401), instead of being served as anonymous.
      const badToken = ['unknown', 'revoked', 'malformed'].includes(caller.token.status);
      if ((auth.readRequiresToken || badToken) && !wantsPage) {
        const denial = readDenial(caller);
        if (denial) {
          endResponse(
            jsonError(401, denial, 'UNAUTHENTICATED', { 'www-authenticate': 'Bearer', ...refuseBody }),
          );
          return;
        }
      }

      // A multipart body is a file upload, and uploads only feed mutations: a caller who may not
      // write is refused now, before megabytes are read (and buffered) only to be turned away.
      const multipart = (request.headers.get('content-type') ?? '').toLowerCase().startsWith('multipart/');
      if (request.method === 'POST' && multipart) {
        const denial = await writeDenial(db, caller, auth);
        if (denial) {
          // Without a (good) token where one would do: 401. A loopback-only server refusing a
          // remote caller: 403, since no token exists that the caller could send.
          const needsToken = refusedForCredentials(caller, denial);
          endResponse(
            jsonError(
              needsToken ? 401 : 403,
              `File uploads are for mutations, and ${lowerFirst(denial)}`,
              needsToken ? 'UNAUTHENTICATED' : 'FORBIDDEN',
              { ...(needsToken ? { 'www-authenticate': 'Bearer' } : {}), ...refuseBody },
            ),
          );
        }
      }
    },
    onResponse({ response }) {
      // Whether CORS headers appear, and whether loopback trust applies, depends on Origin: a
      // cache between client and server must not hand one origin's answer to another.
      const vary = response.headers.get('vary');
      if (!vary) response.headers.set('vary', 'Origin');
      else if (!/(^|,)\s*origin\s*(,|$)/i.test(vary)) response.headers.set('vary', `${vary}, Origin`);
    },
  };
}

function lowerFirst(s: string): string {
  return s.charAt(0).toLowerCase() + s.slice(1);
}

/** The per-request authorisation the resolvers see. */
export function requestAuth(db: Database, caller: Caller, options: AuthOptions): RequestAuth {
  let pending: Promise<string | null> | null = null;
  const result: RequestAuth = {
    caller,
    actor: actorName(caller),
    deniedBecause: null,
    writeDenial() {
      pending ??= writeDenial(db, caller, options).then((reason) => {
        result.deniedBecause = reason;
        return reason;
      });
      return pending;
    },
  };
  return result;
}
