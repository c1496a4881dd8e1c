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
}

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

function readEnum<T extends string>(env: Env, key: string, allowed: readonly T[], fallback: T): T {
  const raw = env[key]?.trim();
  if (!raw) return fallback;
  if (!(allowed as readonly string[]).includes(raw)) {
    throw new ConfigError(`${key} must be one of ${allowed.join(', ')}, got "${raw}"`);
  }
  return raw as T;
}

/** Parses a size such as `50MB`, `512k` or `1048576`. */
export function parseByteSize(key: string, raw: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([kmg]?)i?b?\s*$/i.exec(raw);
  if (!m) throw new ConfigError(`${key} must be a size such as 50MB or 1048576, got "${raw}"`);
  const unit = (m[2] ?? '').toLowerCase();
  const factor = unit === 'k' ? 1024 : unit === 'm' ? 1024 ** 2 : unit === 'g' ? 1024 ** 3 : 1;
  return Math.round(Number(m[1]) * factor);
}

export function loadConfig(env: Env = process.env): Config {
  const databaseUrl = env.DATABASE_URL?.trim() || null;
  if (databaseUrl && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    throw new ConfigError(`DATABASE_URL must start with postgres:// or postgresql://, got "${databaseUrl}"`);
  }
  if (databaseUrl) {
    try {
      new URL(databaseUrl);
    } catch {
      throw new ConfigError('DATABASE_URL is not a valid URL');
    }
  }
  const maxIngest = env.BIBGRAPH_MAX_INGEST_SIZE?.trim();
  return {
    databaseUrl,
    dataDir: env.BIBGRAPH_DATA_DIR?.trim() || './data',
    port: readInt(env, 'PORT', 4000, 0, 65535),
    host: env.HOST?.trim() || '0.0.0.0',
    maxIngestBytes: maxIngest ? parseByteSize('BIBGRAPH_MAX_INGEST_SIZE', maxIngest) : 50 * 1024 * 1024,
    logLevel: readEnum(env, 'LOG_LEVEL', ['debug', 'info', 'warn', 'error', 'silent'] as const, 'info'),
    nodeEnv: readEnum(env, 'NODE_ENV', ['development', 'production', 'test'] as const, 'development'),
  };
}
