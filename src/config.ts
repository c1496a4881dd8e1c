/**
 * The one place that reads the environment. Everything else receives a `Config` (or parts of it)
 * as options, so tests and the CLI can build their own without touching `process.env`.
 */

export interface Config {
  /** postgres://… for server PostgreSQL; null selects embedded PGlite. */
  databaseUrl: string | null;
  /** Folder for PGlite data, or `memory://` to keep it in memory. */
  dataDir: string;
  port: number;
  host: string;
  /** Largest RIS input accepted by one ingest call, in bytes. */
  maxIngestBytes: number;
  logLevel: 'debug' | 'info' | 'warn' | 'error' | 'silent';
  nodeEnv: 'development' | 'production' | 'test';
  /** Tokens from BIBGRAPH_API_TOKENS, for deployments that do not want `bibgraph token create`. */
  apiTokens: string[];
  /** When true, queries need a token too; otherwise only mutations do. */
  readRequiresToken: boolean;
  /** Take the client address from the last X-Forwarded-For hop (only behind a proxy you run). */
  trustProxy: boolean;
  /**
   * redis://… shares the response cache, persisted queries and rate limits between instances;
   * null keeps them in memory.
   */
  redisUrl: string | null;
  /**
   * Prepended to every Redis key and channel bibgraph uses (BIBGRAPH_REDIS_PREFIX), so deployments
   * can share a Redis.
   */
  redisPrefix: string;
  /**
   * postgres://… URLs of streaming replicas (DATABASE_REPLICA_URLS) that serve queries; writes and
   * mutations stay on DATABASE_URL. Empty without replicas.
   */
  replicaUrls: string[];
  /** How often each replica is probed, in ms, so a stopped one is skipped and a restarted one used again. */
  replicaCheckMs: number;
  /** How long an anonymous query's response may be served from the cache, in seconds (0 turns caching off). */
  cacheTtlSeconds: number;
  /**
   * On PostgreSQL, how often each server reads the database's write generation to notice writes
   * made outside it (the CLI, another tool), in ms (BIBGRAPH_CACHE_WATCH); 0 turns that off.
   */
  cacheWatchMs: number;
  /**
   * Queries run as compiled code (graphql-jit) rather than interpreted (BIBGRAPH_JIT, on by
   * default); off is the way back should a query ever answer differently compiled.
   */
  jit: boolean;
  /**
   * The cache of exact counts and facets (src/query/count-cache.ts): most entries and bytes one
   * process keeps (BIBGRAPH_COUNT_CACHE_ENTRIES, 0 turns it off; BIBGRAPH_COUNT_CACHE_SIZE), and how
   * long an entry lives in Redis (BIBGRAPH_COUNT_CACHE_TTL, seconds).
   */
  countCache: { maxEntries: number; maxBytes: number; sharedTtlSeconds: number };
  /** A JSON file of trusted documents (`{ "<sha256>": "query …" }`), registered with `bibgraph documents add`. */
  persistedDocumentsFile: string | null;
  /** Anonymous callers may run only registered documents (BIBGRAPH_PERSISTED_ONLY). */
  persistedOnly: boolean;
  /**
   * Origins whose pages may call the API from a browser (BIBGRAPH_CORS_ORIGINS): exact origins,
   * `scheme://host:*` for any port, or `*` for every origin.
   */
  corsOrigins: string[];
  /**
   * Longest a write (ingest, curation) waits for its turn behind other writers before it fails
   * with BUSY, in ms (BIBGRAPH_WRITE_WAIT).
   */
  writeWaitMs: number;
  /** Longest /health waits for the database before answering 503, in ms (BIBGRAPH_HEALTH_TIMEOUT). */
  healthTimeoutMs: number;
  /**
   * Longest a shutdown (SIGTERM/SIGINT) takes before the process exits anyway, in ms
   * (BIBGRAPH_SHUTDOWN_TIMEOUT).
   */
  shutdownTimeoutMs: number;
  /** The API token CLI commands send when they go through a server (BIBGRAPH_TOKEN). */
  clientToken: string | null;
  /**
   * Largest input a background ingestion (startIngestion) accepts, in bytes
   * (BIBGRAPH_MAX_BACKGROUND_INGEST_SIZE); also the largest upload the server reads.
   */
  maxBackgroundIngestBytes: number;
  /** Subscriptions one client (token or IP address) may hold open per instance (BIBGRAPH_MAX_SUBSCRIPTIONS). */
  maxSubscriptionsPerClient: number;
  limits: Limits;
}

/** Writers queue this long by default: a large ingest takes minutes, and a queued write should outlast it. */
export const DEFAULT_WRITE_WAIT_MS = 600_000;
export const DEFAULT_HEALTH_TIMEOUT_MS = 2_000;
/** Inside the 30 s most orchestrators (Kubernetes, Docker's stop) wait before they kill. */
export const DEFAULT_SHUTDOWN_TIMEOUT_MS = 25_000;
export const DEFAULT_REPLICA_CHECK_MS = 5_000;
/** About a second: a page reloaded after `bibgraph ingest` shows the records; one indexed row read per second. */
export const DEFAULT_CACHE_WATCH_MS = 1_000;
export const DEFAULT_REDIS_PREFIX = 'bibgraph:';
/** Bounds of the count cache (Config.countCache) where nothing sets them. */
export const DEFAULT_COUNT_CACHE = {
  maxEntries: 10_000,
  maxBytes: 32 * 1024 * 1024,
  sharedTtlSeconds: 3_600,
};
export const DEFAULT_MAX_INGEST_BYTES = 50 * 1024 * 1024;
/** Uploads are read whole before GraphQL runs (multipart), so this also bounds memory per upload. */
export const DEFAULT_MAX_BACKGROUND_INGEST_BYTES = 500 * 1024 * 1024;

/** Abuse limits; every one is checked before a request's operation executes. */
export interface Limits {
  /** Deepest field nesting of an operation (BIBGRAPH_MAX_DEPTH). */
  maxDepth: number;
  /** Largest estimated cost, lists weighted by their page size (BIBGRAPH_MAX_COST). */
  maxCost: number;
  /** Most aliases in one document (BIBGRAPH_MAX_ALIASES). */
  maxAliases: number;
  /** Most lexical tokens in one document (BIBGRAPH_MAX_TOKENS). */
  maxTokens: number;
  /** Most directives in one document (BIBGRAPH_MAX_DIRECTIVES). */
  maxDirectives: number;
  /** Largest `first` / `last` accepted (BIBGRAPH_MAX_PAGE_SIZE); the schema itself caps at 100. */
  maxPageSize: number;
  /** Largest request body other than a file upload, in bytes (BIBGRAPH_MAX_BODY_SIZE). */
  maxBodyBytes: number;
  /** Longest a query may run before its response is an error, in ms (BIBGRAPH_REQUEST_TIMEOUT). */
  requestTimeoutMs: number;
  /** Requests per window from one IP address without a valid token (BIBGRAPH_RATE_LIMIT_IP). */
  rateLimitPerIp: number;
  /** Requests per second from one IP address without a valid token (BIBGRAPH_RATE_LIMIT_IP_BURST). */
  rateLimitIpBurst: number;
  /** Requests per window with one token (BIBGRAPH_RATE_LIMIT_TOKEN). */
  rateLimitPerToken: number;
  /** Rate-limit window in seconds (BIBGRAPH_RATE_LIMIT_WINDOW). */
  rateLimitWindowSeconds: number;
  /** Leave "Did you mean …?" out of validation errors (BIBGRAPH_HIDE_SUGGESTIONS; on in production). */
  hideFieldSuggestions: boolean;
}

export const DEFAULT_LIMITS: Limits = {
  maxDepth: 12,
  maxCost: 30_000,
  maxAliases: 30,
  maxTokens: 2_000,
  maxDirectives: 20,
  maxPageSize: 100,
  maxBodyBytes: 2 * 1024 * 1024,
  requestTimeoutMs: 30_000,
  // Typeahead behind one shared (office, campus) address sends bursts of dozens of requests a
  // second; the per-second burst stops a flood, so the window's budget can be generous.
  rateLimitPerIp: 1_200,
  rateLimitIpBurst: 50,
  rateLimitPerToken: 3_000,
  rateLimitWindowSeconds: 60,
  hideFieldSuggestions: false,
};

/** One environment variable as the settings reference (docs/configuration.md) shows it. */
export interface SettingDoc {
  name: string;
  /** The default as a reader should see it. */
  default: string;
  meaning: string;
}

/**
 * Every variable `loadConfig` reads, in the order the reference lists them. The table in
 * docs/configuration.md is generated from this list (`npm run settings:print`), and a test checks
 * that `loadConfig` reads exactly these names, so a new setting cannot go undocumented.
 */
export const SETTINGS: readonly SettingDoc[] = [
  {
    name: 'DATABASE_URL',
    default: '(unset: embedded PGlite)',
    meaning: '`postgres://user:pass@host:5432/db` for PostgreSQL',
  },
  { name: 'BIBGRAPH_DATA_DIR', default: '`./data`', meaning: 'PGlite data folder (`memory://` for none)' },
  { name: 'PORT', default: '`4000`', meaning: 'Port the server listens on' },
  { name: 'HOST', default: '`0.0.0.0`', meaning: 'Address the server listens on' },
  {
    name: 'NODE_ENV',
    default: '`development`',
    meaning: '`production` hides field suggestions and allows no browser origin by default',
  },
  { name: 'LOG_LEVEL', default: '`info`', meaning: '`debug`, `info`, `warn`, `error`, `silent`' },
  { name: 'BIBGRAPH_API_TOKENS', default: '(none)', meaning: 'Comma-separated tokens, ≥ 16 characters each' },
  {
    name: 'BIBGRAPH_READ_REQUIRES_TOKEN',
    default: '`false`',
    meaning: 'Queries and `/export` need a token too',
  },
  {
    name: 'BIBGRAPH_TRUST_PROXY',
    default: '`false`',
    meaning: 'Client address from the last `X-Forwarded-For` hop',
  },
  {
    name: 'DATABASE_REPLICA_URLS',
    default: '(none)',
    meaning:
      'Comma-separated streaming replicas of `DATABASE_URL` that serve queries (see docs/scale-out.md)',
  },
  { name: 'BIBGRAPH_REPLICA_CHECK', default: '`5000`', meaning: 'How often each replica is probed, in ms' },
  {
    name: 'REDIS_URL',
    default: '(none: in memory)',
    meaning:
      '`redis://…` shares rate limits, the response cache, persisted queries and live events between instances',
  },
  {
    name: 'BIBGRAPH_REDIS_PREFIX',
    default: '`bibgraph:`',
    meaning: 'Prefix of every Redis key bibgraph writes',
  },
  {
    name: 'BIBGRAPH_CACHE_TTL',
    default: '`60`',
    meaning: "Seconds an anonymous query's response may be served from the cache (0: off)",
  },
  {
    name: 'BIBGRAPH_CACHE_WATCH',
    default: '`1000`',
    meaning:
      'PostgreSQL: ms between checks for writes made outside the servers (CLI, SQL), which empty the response cache (0: off)',
  },
  {
    name: 'BIBGRAPH_JIT',
    default: '`true`',
    meaning: 'Run queries as compiled code (graphql-jit); `false` interprets them (docs/performance.md)',
  },
  {
    name: 'BIBGRAPH_COUNT_CACHE_ENTRIES',
    default: '`10000`',
    meaning:
      'Most totals and facets one process keeps cached under the write generation (0: off; see docs/performance.md)',
  },
  {
    name: 'BIBGRAPH_COUNT_CACHE_SIZE',
    default: '`32MB`',
    meaning: 'Most memory those cached totals and facets take per process',
  },
  {
    name: 'BIBGRAPH_COUNT_CACHE_TTL',
    default: '`3600`',
    meaning:
      'Seconds a cached total or facet lives in Redis (unreachable anyway once a write moves the generation)',
  },
  {
    name: 'BIBGRAPH_PERSISTED_DOCUMENTS',
    default: '(none)',
    meaning: 'JSON file of trusted documents (`bibgraph documents add`)',
  },
  {
    name: 'BIBGRAPH_PERSISTED_ONLY',
    default: '`false`',
    meaning: 'Anonymous callers may run only registered documents',
  },
  {
    name: 'BIBGRAPH_CORS_ORIGINS',
    default: 'local pages; production: none',
    meaning: 'Origins whose pages may call the API (`https://app.example.org`, `http://localhost:*`, `*`)',
  },
  {
    name: 'BIBGRAPH_WRITE_WAIT',
    default: '`600000`',
    meaning: 'Longest a write waits for its turn, in ms, before `BUSY`',
  },
  {
    name: 'BIBGRAPH_HEALTH_TIMEOUT',
    default: '`2000`',
    meaning: 'Longest `/health` waits for the database, in ms',
  },
  {
    name: 'BIBGRAPH_SHUTDOWN_TIMEOUT',
    default: '`25000`',
    meaning:
      'Longest a shutdown takes, in ms: requests in flight get up to 10 s (or half of this), then the process exits even if a step is stuck, naming it',
  },
  { name: 'BIBGRAPH_TOKEN', default: '(none)', meaning: 'Token the CLI sends when it goes through a server' },
  {
    name: 'BIBGRAPH_MAX_INGEST_SIZE',
    default: '`50MB`',
    meaning: 'Largest RIS input or upload (`512k`, `50MB`, `1g`, bytes)',
  },
  {
    name: 'BIBGRAPH_MAX_BACKGROUND_INGEST_SIZE',
    default: '`500MB`',
    meaning: 'Largest `startIngestion` input and upload (see docs/live-updates.md)',
  },
  { name: 'BIBGRAPH_MAX_BODY_SIZE', default: '`2MB`', meaning: 'Largest non-upload request body' },
  {
    name: 'BIBGRAPH_MAX_SUBSCRIPTIONS',
    default: '`20`',
    meaning: 'Open subscriptions per client (token or IP address) per instance',
  },
  { name: 'BIBGRAPH_MAX_DEPTH', default: '`12`', meaning: 'Deepest field nesting (1–100)' },
  { name: 'BIBGRAPH_MAX_COST', default: '`30000`', meaning: 'Largest estimated query cost' },
  { name: 'BIBGRAPH_MAX_ALIASES', default: '`30`', meaning: 'Most aliases per document' },
  { name: 'BIBGRAPH_MAX_TOKENS', default: '`2000`', meaning: 'Most lexical tokens per document' },
  { name: 'BIBGRAPH_MAX_DIRECTIVES', default: '`20`', meaning: 'Most directives per document' },
  { name: 'BIBGRAPH_MAX_PAGE_SIZE', default: '`100`', meaning: 'Largest `first` / `last` (1–100)' },
  {
    name: 'BIBGRAPH_REQUEST_TIMEOUT',
    default: '`30000`',
    meaning: 'Query time limit in ms (mutations are never cut off)',
  },
  {
    name: 'BIBGRAPH_RATE_LIMIT_IP',
    default: '`1200`',
    meaning: 'Requests per window per IP without a valid token',
  },
  {
    name: 'BIBGRAPH_RATE_LIMIT_IP_BURST',
    default: '`50`',
    meaning: 'Requests per second per IP without a valid token',
  },
  { name: 'BIBGRAPH_RATE_LIMIT_TOKEN', default: '`3000`', meaning: 'Requests per window per token' },
  { name: 'BIBGRAPH_RATE_LIMIT_WINDOW', default: '`60`', meaning: 'Rate-limit window in seconds' },
  { name: 'BIBGRAPH_HIDE_SUGGESTIONS', default: '`true` in production', meaning: 'Hide "Did you mean …?"' },
];

export class ConfigError extends Error {
  override name = 'ConfigError';
}

type Env = Record<string, string | undefined>;

function readInt(env: Env, key: string, fallback: number, min: number, max: number): number {
  const raw = env[key];
  if (raw === undefined || raw.trim() === '') return fallback;
  if (!/^\d+$/.test(raw.trim())) throw new ConfigError(`${key} must be a whole number, got "${raw}"`);
  const value = Number(raw.trim());
  if (value < min || value > max)
    throw new ConfigError(`${key} must be between ${min} and ${max}, got ${value}`);
  return value;
}

/** 0 (off) or 100 ms to 10 minutes: faster than every 100 ms buys nothing a page reload could see. */
function readCacheWatch(env: Env): number {
  const value = readInt(env, 'BIBGRAPH_CACHE_WATCH', DEFAULT_CACHE_WATCH_MS, 0, 600_000);
  if (value > 0 && value < 100)
    throw new ConfigError(`BIBGRAPH_CACHE_WATCH must be 0 (off) or between 100 and 600000 ms, got ${value}`);
  return value;
}

function readEnum<T extends string>(env: Env, key: string, allowed: readonly T[], fallback: T): T {
  const raw = env[key]?.trim();
  if (!raw) return fallback;
  if (!(allowed as readonly string[]).includes(raw)) {
    throw new ConfigError(`${key} must be one of ${allowed.join(', ')}, got "${raw}"`);
  }
  return raw as T;
}

function readBoolean(env: Env, key: string, fallback: boolean): boolean {
  const raw = env[key]?.trim().toLowerCase();
  if (!raw) return fallback;
  if (['true', '1', 'yes', 'on'].includes(raw)) return true;
  if (['false', '0', 'no', 'off'].includes(raw)) return false;
  throw new ConfigError(`${key} must be true or false, got "${env[key]}"`);
}

function readTokenList(env: Env, key: string): string[] {
  const raw = env[key]?.trim();
  if (!raw) return [];
  const tokens = raw.split(',').map((t) => t.trim());
  if (tokens.some((t) => t === ''))
    throw new ConfigError(`${key} has an empty entry; separate tokens with single commas`);
  // A guessable token protects nothing; refuse it rather than accept a false sense of safety.
  const short = tokens.findIndex((t) => t.length < 16);
  if (short >= 0) throw new ConfigError(`${key} entry ${short + 1} is shorter than 16 characters`);
  if (tokens.some((t) => /\s/.test(t))) throw new ConfigError(`${key} entries must not contain whitespace`);
  return [...new Set(tokens)];
}

/** Pages on the local machine, whatever port their dev server uses; the default outside production. */
export const DEVELOPMENT_CORS_ORIGINS = ['http://localhost:*', 'http://127.0.0.1:*', 'http://[::1]:*'];

/**
 * Reads BIBGRAPH_CORS_ORIGINS. Each entry must be an origin exactly as a browser sends it in the
 * `Origin` header (scheme, host, optional port; no path, no user): anything else could never
 * match, and a silent mismatch is how a deployment ends up open or broken without noticing.
 */
function readOrigins(env: Env, key: string, fallback: string[]): string[] {
  const raw = env[key]?.trim();
  if (!raw) return fallback;
  if (raw === '*') return ['*'];
  const entries = raw.split(',').map((e) => e.trim());
  return [
    ...new Set(
      entries.map((entry, i) => {
        if (entry === '')
          throw new ConfigError(`${key} has an empty entry; separate origins with single commas`);
        const bad = () =>
          new ConfigError(
            `${key} entry ${i + 1} "${entry}" is not an origin: write scheme://host[:port], e.g. https://app.example.org or http://localhost:*`,
          );
        const m = /^(https?):\/\/([^/?#@\s]+?)(?::(\d{1,5}|\*))?$/i.exec(entry);
        if (!m) throw bad();
        const [, scheme, host, port] = m;
        if (port === '*') {
          // URL cannot parse a wildcard port; check the rest with a stand-in.
          try {
            const u = new URL(`${scheme}://${host}`);
            if (u.port !== '') throw bad();
            return `${u.protocol}//${u.hostname}:*`;
          } catch {
            throw bad();
          }
        }
        try {
          return new URL(entry).origin;
        } catch {
          throw bad();
        }
      }),
    ),
  ];
}

function readClientToken(env: Env, key: string): string | null {
  const raw = env[key]?.trim();
  if (!raw) return null;
  // It goes into an HTTP header as it is; a pasted line break would break the request instead.
  if (/\s/.test(raw)) throw new ConfigError(`${key} must not contain whitespace`);
  return raw;
}

/** Parses a size such as `50MB`, `512k` or `1048576`. */
export function parseByteSize(key: string, raw: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([kmg]?)i?b?\s*$/i.exec(raw);
  if (!m) throw new ConfigError(`${key} must be a size such as 50MB or 1048576, got "${raw}"`);
  const unit = (m[2] ?? '').toLowerCase();
  const factor = unit === 'k' ? 1024 : unit === 'm' ? 1024 ** 2 : unit === 'g' ? 1024 ** 3 : 1;
  return Math.round(Number(m[1]) * factor);
}

function readRedisUrl(env: Env): string | null {
  const raw = env.REDIS_URL?.trim();
  if (!raw) return null;
  if (!/^rediss?:\/\//.test(raw))
    throw new ConfigError(`REDIS_URL must start with redis:// or rediss://, got "${raw}"`);
  try {
    new URL(raw);
  } catch {
    throw new ConfigError('REDIS_URL is not a valid URL');
  }
  return raw;
}

function readRedisPrefix(env: Env): string {
  const raw = env.BIBGRAPH_REDIS_PREFIX;
  if (raw === undefined || raw.trim() === '') return DEFAULT_REDIS_PREFIX;
  if (!/^[A-Za-z0-9:._-]{1,64}$/.test(raw))
    throw new ConfigError(`BIBGRAPH_REDIS_PREFIX must be 1 to 64 letters, digits or ":._-", got "${raw}"`);
  return raw;
}

/** Checks a postgres:// URL; the message names the setting and never repeats the URL, which may hold a password. */
function checkPostgresUrl(key: string, url: string): void {
  if (!/^postgres(ql)?:\/\//.test(url))
    throw new ConfigError(`${key} must start with postgres:// or postgresql://`);
  try {
    new URL(url);
  } catch {
    throw new ConfigError(`${key} is not a valid URL`);
  }
}

function readReplicaUrls(env: Env, primary: string | null): string[] {
  const raw = env.DATABASE_REPLICA_URLS?.trim();
  if (!raw) return [];
  // Replicas serve reads for a PostgreSQL primary; embedded PGlite has none to stream from.
  if (!primary) throw new ConfigError('DATABASE_REPLICA_URLS needs DATABASE_URL (the primary) to be set');
  const urls = raw.split(',').map((u) => u.trim());
  urls.forEach((url, i) => {
    const key = `DATABASE_REPLICA_URLS entry ${i + 1}`;
    if (url === '')
      throw new ConfigError(`DATABASE_REPLICA_URLS has an empty entry; separate URLs with single commas`);
    checkPostgresUrl(key, url);
    if (url === primary) throw new ConfigError(`${key} is DATABASE_URL itself; list the replicas only`);
  });
  if (new Set(urls).size !== urls.length) throw new ConfigError('DATABASE_REPLICA_URLS lists a URL twice');
  return urls;
}

/** Background uploads are stored in the database, so they may be larger than a synchronous ingest. */
function readBackgroundLimit(env: Env, syncLimit: string | undefined): number {
  const raw = env.BIBGRAPH_MAX_BACKGROUND_INGEST_SIZE?.trim();
  const sync = syncLimit ? parseByteSize('BIBGRAPH_MAX_INGEST_SIZE', syncLimit) : DEFAULT_MAX_INGEST_BYTES;
  const value = raw
    ? parseByteSize('BIBGRAPH_MAX_BACKGROUND_INGEST_SIZE', raw)
    : Math.max(DEFAULT_MAX_BACKGROUND_INGEST_BYTES, sync);
  if (value < sync) {
    throw new ConfigError(
      `BIBGRAPH_MAX_BACKGROUND_INGEST_SIZE (${value} bytes) must not be below BIBGRAPH_MAX_INGEST_SIZE (${sync} bytes)`,
    );
  }
  return value;
}

function readPersistedOnly(env: Env): boolean {
  const on = readBoolean(env, 'BIBGRAPH_PERSISTED_ONLY', false);
  // Without a list, persisted-only would refuse every anonymous request: say so at start-up instead.
  if (on && !env.BIBGRAPH_PERSISTED_DOCUMENTS?.trim()) {
    throw new ConfigError(
      'BIBGRAPH_PERSISTED_ONLY=true needs BIBGRAPH_PERSISTED_DOCUMENTS, the file of registered documents',
    );
  }
  return on;
}

export function loadConfig(env: Env = process.env): Config {
  const databaseUrl = env.DATABASE_URL?.trim() || null;
  if (databaseUrl && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    throw new ConfigError(`DATABASE_URL must start with postgres:// or postgresql://, got "${databaseUrl}"`);
  }
  if (databaseUrl) checkPostgresUrl('DATABASE_URL', databaseUrl);
  const maxIngest = env.BIBGRAPH_MAX_INGEST_SIZE?.trim();
  const maxBody = env.BIBGRAPH_MAX_BODY_SIZE?.trim();
  const nodeEnv = readEnum(env, 'NODE_ENV', ['development', 'production', 'test'] as const, 'development');
  const d = DEFAULT_LIMITS;
  return {
    databaseUrl,
    dataDir: env.BIBGRAPH_DATA_DIR?.trim() || './data',
    port: readInt(env, 'PORT', 4000, 0, 65535),
    host: env.HOST?.trim() || '0.0.0.0',
    maxIngestBytes: maxIngest
      ? parseByteSize('BIBGRAPH_MAX_INGEST_SIZE', maxIngest)
      : DEFAULT_MAX_INGEST_BYTES,
    logLevel: readEnum(env, 'LOG_LEVEL', ['debug', 'info', 'warn', 'error', 'silent'] as const, 'info'),
    nodeEnv,
    apiTokens: readTokenList(env, 'BIBGRAPH_API_TOKENS'),
    readRequiresToken: readBoolean(env, 'BIBGRAPH_READ_REQUIRES_TOKEN', false),
    trustProxy: readBoolean(env, 'BIBGRAPH_TRUST_PROXY', false),
    redisUrl: readRedisUrl(env),
    redisPrefix: readRedisPrefix(env),
    replicaUrls: readReplicaUrls(env, databaseUrl),
    replicaCheckMs: readInt(env, 'BIBGRAPH_REPLICA_CHECK', DEFAULT_REPLICA_CHECK_MS, 100, 3_600_000),
    cacheTtlSeconds: readInt(env, 'BIBGRAPH_CACHE_TTL', 60, 0, 86_400),
    cacheWatchMs: readCacheWatch(env),
    jit: readBoolean(env, 'BIBGRAPH_JIT', true),
    countCache: {
      maxEntries: readInt(env, 'BIBGRAPH_COUNT_CACHE_ENTRIES', DEFAULT_COUNT_CACHE.maxEntries, 0, 10_000_000),
      maxBytes: env.BIBGRAPH_COUNT_CACHE_SIZE?.trim()
        ? parseByteSize('BIBGRAPH_COUNT_CACHE_SIZE', env.BIBGRAPH_COUNT_CACHE_SIZE.trim())
        : DEFAULT_COUNT_CACHE.maxBytes,
      sharedTtlSeconds: readInt(
        env,
        'BIBGRAPH_COUNT_CACHE_TTL',
        DEFAULT_COUNT_CACHE.sharedTtlSeconds,
        1,
        604_800,
      ),
    },
    persistedDocumentsFile: env.BIBGRAPH_PERSISTED_DOCUMENTS?.trim() || null,
    persistedOnly: readPersistedOnly(env),
    corsOrigins: readOrigins(
      env,
      'BIBGRAPH_CORS_ORIGINS',
      nodeEnv === 'production' ? [] : DEVELOPMENT_CORS_ORIGINS,
    ),
    writeWaitMs: readInt(env, 'BIBGRAPH_WRITE_WAIT', DEFAULT_WRITE_WAIT_MS, 100, 86_400_000),
    healthTimeoutMs: readInt(env, 'BIBGRAPH_HEALTH_TIMEOUT', DEFAULT_HEALTH_TIMEOUT_MS, 100, 60_000),
    shutdownTimeoutMs: readInt(env, 'BIBGRAPH_SHUTDOWN_TIMEOUT', DEFAULT_SHUTDOWN_TIMEOUT_MS, 1_000, 600_000),
    clientToken: readClientToken(env, 'BIBGRAPH_TOKEN'),
    maxBackgroundIngestBytes: readBackgroundLimit(env, maxIngest),
    maxSubscriptionsPerClient: readInt(env, 'BIBGRAPH_MAX_SUBSCRIPTIONS', 20, 1, 100_000),
    limits: {
      maxDepth: readInt(env, 'BIBGRAPH_MAX_DEPTH', d.maxDepth, 1, 100),
      maxCost: readInt(env, 'BIBGRAPH_MAX_COST', d.maxCost, 1, 10_000_000),
      maxAliases: readInt(env, 'BIBGRAPH_MAX_ALIASES', d.maxAliases, 0, 10_000),
      maxTokens: readInt(env, 'BIBGRAPH_MAX_TOKENS', d.maxTokens, 10, 1_000_000),
      maxDirectives: readInt(env, 'BIBGRAPH_MAX_DIRECTIVES', d.maxDirectives, 0, 10_000),
      // The connection fields never return more than 100 items, so a larger limit would promise nothing.
      maxPageSize: readInt(env, 'BIBGRAPH_MAX_PAGE_SIZE', d.maxPageSize, 1, 100),
      maxBodyBytes: maxBody ? parseByteSize('BIBGRAPH_MAX_BODY_SIZE', maxBody) : d.maxBodyBytes,
      requestTimeoutMs: readInt(env, 'BIBGRAPH_REQUEST_TIMEOUT', d.requestTimeoutMs, 100, 3_600_000),
      rateLimitPerIp: readInt(env, 'BIBGRAPH_RATE_LIMIT_IP', d.rateLimitPerIp, 1, 10_000_000),
      rateLimitIpBurst: readInt(env, 'BIBGRAPH_RATE_LIMIT_IP_BURST', d.rateLimitIpBurst, 1, 1_000_000),
      rateLimitPerToken: readInt(env, 'BIBGRAPH_RATE_LIMIT_TOKEN', d.rateLimitPerToken, 1, 10_000_000),
      rateLimitWindowSeconds: readInt(env, 'BIBGRAPH_RATE_LIMIT_WINDOW', d.rateLimitWindowSeconds, 1, 86_400),
      hideFieldSuggestions: readBoolean(env, 'BIBGRAPH_HIDE_SUGGESTIONS', nodeEnv === 'production'),
    },
  };
}
