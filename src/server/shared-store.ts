import { Redis } from 'ioredis';
import { DEFAULT_REDIS_PREFIX } from '../config.ts';
import { BoundedLru } from '../lru.ts';

/**
 * The little state instances share: cached responses, persisted-query texts and the cache's
 * generation counter. In memory for one instance; in Redis when `REDIS_URL` is set, so every
 * instance serves the same cache and knows every instance's writes.
 */
export interface SharedStore {
  readonly kind: 'memory' | 'redis';
  /** The Redis connection and key prefix, for what else instances share there (rate limits). */
  readonly redis?: { client: Redis; prefix: string };
  get(key: string): Promise<string | null>;
  /** Several keys in one round trip. */
  getMany(keys: readonly string[]): Promise<Array<string | null>>;
  set(key: string, value: string, ttlSeconds: number): Promise<void>;
  increment(key: string): Promise<number>;
  close(): Promise<void>;
}

interface Entry {
  value: string;
  expires: number;
}

/**
 * A bounded in-memory store: least recently used entries go first once `maxBytes` of values are
 * held, so a flood of distinct queries cannot grow the process without limit.
 */
export function memoryStore(maxBytes = 64 * 1024 * 1024): SharedStore {
  const entries = new BoundedLru<Entry>({ maxWeight: maxBytes, weigh: (_key, entry) => entry.value.length });
  const read = (key: string): string | null => {
    const entry = entries.get(key);
    if (!entry) return null;
    if (entry.expires <= Date.now()) {
      entries.delete(key);
      return null;
    }
    return entry.value;
  };
  return {
    kind: 'memory',
    get: async (key) => read(key),
    getMany: async (keys) => keys.map(read),
    async set(key, value, ttlSeconds) {
      entries.set(key, { value, expires: Date.now() + ttlSeconds * 1000 });
    },
    async increment(key) {
      const next = Number(read(key) ?? '0') + 1;
      entries.set(key, { value: String(next), expires: Number.POSITIVE_INFINITY });
      return next;
    },
    async close() {
      entries.clear();
    },
  };
}

/**
 * Redis through ioredis. A command gives up after half a second instead of waiting for Redis to
 * come back, so an outage costs cache hits, not requests: callers treat a failed read as a miss.
 */
export function redisStore(url: string, prefix = DEFAULT_REDIS_PREFIX): SharedStore {
  const redis = new Redis(url, {
    maxRetriesPerRequest: 1,
    commandTimeout: 500,
    connectTimeout: 2_000,
  });
  let warned = false;
  redis.on('error', (error: Error) => {
    if (warned) return;
    warned = true;
    console.error(
      `bibgraph: Redis at REDIS_URL is unavailable (${error.message}); serving without the shared cache, rate limits counted per instance`,
    );
  });
  redis.on('ready', () => {
    warned = false;
  });
  return {
    kind: 'redis',
    redis: { client: redis, prefix },
    get: (key) => redis.get(prefix + key),
    getMany: (keys) => (keys.length === 0 ? Promise.resolve([]) : redis.mget(keys.map((k) => prefix + k))),
    async set(key, value, ttlSeconds) {
      await redis.set(prefix + key, value, 'EX', Math.max(1, Math.ceil(ttlSeconds)));
    },
    increment: (key) => redis.incr(prefix + key),
    async close() {
      redis.disconnect();
    },
  };
}

/** Redis when a URL is given, else memory. */
export function openSharedStore(redisUrl: string | null, prefix = DEFAULT_REDIS_PREFIX): SharedStore {
  return redisUrl ? redisStore(redisUrl, prefix) : memoryStore();
}
