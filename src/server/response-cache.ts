import { hashSHA256, useResponseCache } from '@graphql-yoga/plugin-response-cache';
import type { ExecutionResult } from 'graphql';
import { getOperationAST } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { SharedStore } from './shared-store.ts';

const GENERATION = 'cache:generation';

/** A request's answer may be shared between callers only when it carries no credentials. */
export function isAnonymous(request: Request): boolean {
  return (request.headers.get('authorization') ?? '').trim() === '';
}

/**
 * Whole-cache invalidation by generation: every cache key starts with the generation it was made
 * under, and any write moves the generation on. Entity-level invalidation (the plugin's default)
 * cannot see a new citation appear in a list or a facet count change, so after a write nothing
 * cached before it is served — not from this instance, and through Redis not from any other.
 * A key carries its generation so that a read which began before a write and finished after it
 * stores its (older) answer under the old generation, where nobody will find it.
 */
class GenerationalCache {
  constructor(
    private readonly store: SharedStore,
    private readonly ttlSeconds: number,
  ) {}

  async generation(): Promise<string> {
    return (await this.store.get(GENERATION)) ?? '0';
  }

  async bump(): Promise<void> {
    await this.store.increment(GENERATION);
  }

  async get(key: string): Promise<ExecutionResult | undefined> {
    const generation = key.slice(0, key.indexOf(':'));
    try {
      const [current, raw] = await this.store.getMany([GENERATION, `response:${key}`]);
      if (!raw || (current ?? '0') !== generation) return undefined;
      return JSON.parse(raw) as ExecutionResult;
    } catch {
      return undefined;
    }
  }

  async set(key: string, result: ExecutionResult): Promise<void> {
    await this.store.set(`response:${key}`, JSON.stringify(result), this.ttlSeconds).catch(() => {});
  }
}

export interface ResponseCacheOptions {
  store: SharedStore;
  ttlSeconds: number;
}

/** The response cache's plugins, and how to empty it after a write the plugins did not see. */
export interface ResponseCache {
  plugins: Plugin[];
  /** Whether answers are cached at all (BIBGRAPH_CACHE_TTL above 0). */
  enabled: boolean;
  /**
   * Moves the generation on, so nothing cached before is served again (by any instance, through
   * Redis). For writes that did not come through a mutation of this server: a background job's
   * commit, or one the database's write generation shows was made elsewhere. Never throws.
   */
  invalidate(): Promise<void>;
}

/**
 * HTTP caching for anonymous queries: Yoga's response cache (results kept in the shared store,
 * `ETag` / `Last-Modified` and `304 Not Modified` on `If-None-Match`), `Cache-Control` on every
 * GraphQL response, and invalidation of everything on any mutation (and on `invalidate()`).
 */
export function responseCache(options: ResponseCacheOptions): ResponseCache {
  if (options.ttlSeconds <= 0)
    return { plugins: [cacheControlPlugin(false)], enabled: false, invalidate: async () => {} };
  const cache = new GenerationalCache(options.store, options.ttlSeconds);
  const mutationWritten: Plugin = {
    onExecute({ args }) {
      const operation = getOperationAST(args.document, args.operationName ?? undefined);
      if (operation?.operation !== 'mutation') return;
      return {
        // After the mutation's transaction has ended, committed or not: a spurious bump only
        // costs cache hits, a missing one would serve stale data.
        async onExecuteDone() {
          await cache.bump().catch(() => {});
        },
      };
    },
  };
  const plugins: Plugin[] = [
    useResponseCache({
      session: () => null,
      enabled: (request) => isAnonymous(request),
      ttl: options.ttlSeconds * 1000,
      invalidateViaMutation: false,
      cache: {
        get: (key) => cache.get(key),
        set: (key, result) => cache.set(key, result as ExecutionResult),
        invalidate: () => cache.bump(),
      },
      async buildResponseCacheKey({ documentString, variableValues, operationName }) {
        const generation = await cache.generation().catch(() => `unavailable-${Math.random()}`);
        const hash = await hashSHA256(
          [documentString, operationName ?? '', JSON.stringify(variableValues ?? {})].join('|'),
        );
        return `${generation}:${hash}`;
      },
    }) as Plugin,
    mutationWritten,
    cacheControlPlugin(true),
  ];
  return { plugins, enabled: true, invalidate: () => cache.bump().catch(() => {}) };
}

/**
 * Anonymous answers that the cache tagged with an ETag may be stored by browsers and shared
 * caches but must be revalidated every time (`no-cache`): a revalidation is a cheap 304, and a
 * write is never hidden behind a stale copy. Everything else is `no-store`; answers to a token
 * are private to it.
 */
function cacheControlPlugin(caching: boolean): Plugin {
  return {
    onResponse({ request, response }) {
      const path = new URL(request.url).pathname;
      if (!path.endsWith('/graphql')) return;
      if ((response.headers.get('content-type') ?? '').includes('text/html')) return;
      const tagged = caching && response.headers.has('etag') && isAnonymous(request);
      if (tagged || response.status === 304) {
        response.headers.set('cache-control', 'public, no-cache');
      } else {
        response.headers.set('cache-control', isAnonymous(request) ? 'no-store' : 'private, no-store');
      }
      response.headers.append('vary', 'Authorization');
    },
  };
}
