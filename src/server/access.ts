import type { IncomingMessage } from 'node:http';
import type { Plugin } from 'graphql-yoga';
import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import {
  type AuthOptions,
  actorName,
  type Caller,
  clientAddress,
  identifyCaller,
  readDenial,
  writeDenial,
} from '../auth/caller.ts';
import type { Limits } from '../config.ts';
import type { Database } from '../db/client.ts';
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

/** Paths that read or write data and so pass the guard. */
const GUARDED = new Set(['/graphql', '/export']);

function jsonError(status: number, message: string, code: string, headers: Record<string, string> = {}) {
  return new Response(JSON.stringify({ errors: [{ message, extensions: { code } }] }), {
    status,
    headers: { 'content-type': 'application/json; charset=utf-8', ...headers },
  });
}

/**
 * The guard in front of every data request, run before the body is read: declared body size,
 * caller identity, rate limits (per token, or per IP address without one), and the read-token rule.
 * The caller it identifies is kept for the GraphQL context, so a token is looked up once.
 */
export function accessPlugin(options: {
  database: Database;
  auth: AuthOptions;
  limits: Limits;
  maxUploadBytes: number;
  callers: WeakMap<Request, Caller>;
}): Plugin<ServerContext> {
  const { auth, limits } = options;
  const perIp = new RateLimiterMemory({
    points: limits.rateLimitPerIp,
    duration: limits.rateLimitWindowSeconds,
  });
  const perToken = new RateLimiterMemory({
    points: limits.rateLimitPerToken,
    duration: limits.rateLimitWindowSeconds,
  });
  return {
    async onRequest({ url, request, serverContext, endResponse }) {
      if (!GUARDED.has(url.pathname)) return;
      const declared = request.headers.get('content-length');
      if (declared !== null) {
        const limit = bodyLimitFor(request.headers.get('content-type'), limits, options.maxUploadBytes);
        if (Number(declared) > limit.bytes) {
          endResponse(
            jsonError(
              413,
              `Request body of ${declared} bytes exceeds the ${limit.name}`,
              'PAYLOAD_TOO_LARGE',
            ),
          );
          return;
        }
      }
      const ctx = serverContext as ServerContext;
      const address = clientAddress(ctx, request.headers, auth.trustProxy ?? false);
      const caller = await identifyCaller(ctx.db ?? options.database, request.headers, address, auth);
      options.callers.set(request, caller);

      const [limiter, key, limitName] =
        caller.token.status === 'valid'
          ? [
              perToken,
              `token:${caller.token.name}`,
              `${limits.rateLimitPerToken} requests per ${limits.rateLimitWindowSeconds} s per token (BIBGRAPH_RATE_LIMIT_TOKEN)`,
            ]
          : [
              perIp,
              `ip:${address ?? 'unknown'}`,
              `${limits.rateLimitPerIp} requests per ${limits.rateLimitWindowSeconds} s per IP address (BIBGRAPH_RATE_LIMIT_IP)`,
            ];
      try {
        await limiter.consume(key);
      } catch (error) {
        if (!(error instanceof RateLimiterRes)) throw error;
        const retry = Math.max(1, Math.ceil(error.msBeforeNext / 1000));
        endResponse(
          jsonError(429, `Rate limit of ${limitName} exceeded; retry in ${retry} s`, 'RATE_LIMITED', {
            'retry-after': String(retry),
          }),
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
      if (auth.readRequiresToken && !wantsPage) {
        const denial = readDenial(caller);
        if (denial) endResponse(jsonError(401, denial, 'FORBIDDEN', { 'www-authenticate': 'Bearer' }));
      }
    },
  };
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
