import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, parseByteSize } from '../../src/config.ts';

describe('configuration', () => {
  it('defaults to embedded PGlite in ./data on port 4000', () => {
    const c = loadConfig({});
    expect(c).toMatchObject({
      databaseUrl: null,
      dataDir: './data',
      port: 4000,
      maxIngestBytes: 50 * 1024 * 1024,
    });
  });

  it('lets writers wait 10 minutes and /health 2 s unless told otherwise', () => {
    expect(loadConfig({})).toMatchObject({ writeWaitMs: 600_000, healthTimeoutMs: 2_000 });
    expect(loadConfig({ BIBGRAPH_WRITE_WAIT: '30000', BIBGRAPH_HEALTH_TIMEOUT: '500' })).toMatchObject({
      writeWaitMs: 30_000,
      healthTimeoutMs: 500,
    });
  });

  it('selects PostgreSQL when DATABASE_URL is set', () => {
    expect(loadConfig({ DATABASE_URL: 'postgres://u@localhost:5432/db' }).databaseUrl).toBe(
      'postgres://u@localhost:5432/db',
    );
  });

  it.each([
    [{ PORT: 'eighty' }, /PORT must be a whole number/],
    [{ PORT: '70000' }, /PORT must be between 0 and 65535/],
    [{ DATABASE_URL: 'mysql://x' }, /DATABASE_URL must start with postgres/],
    [{ BIBGRAPH_MAX_INGEST_SIZE: 'lots' }, /BIBGRAPH_MAX_INGEST_SIZE must be a size/],
    [{ LOG_LEVEL: 'loud' }, /LOG_LEVEL must be one of/],
    [{ BIBGRAPH_READ_REQUIRES_TOKEN: 'sometimes' }, /BIBGRAPH_READ_REQUIRES_TOKEN must be true or false/],
    [{ BIBGRAPH_API_TOKENS: 'short' }, /BIBGRAPH_API_TOKENS entry 1 is shorter than 16 characters/],
    [{ BIBGRAPH_API_TOKENS: 'a-long-enough-token-1,,x' }, /BIBGRAPH_API_TOKENS has an empty entry/],
    [{ BIBGRAPH_MAX_DEPTH: '0' }, /BIBGRAPH_MAX_DEPTH must be between 1 and 100/],
    [{ BIBGRAPH_MAX_PAGE_SIZE: '500' }, /BIBGRAPH_MAX_PAGE_SIZE must be between 1 and 100/],
    [{ BIBGRAPH_MAX_COST: 'lots' }, /BIBGRAPH_MAX_COST must be a whole number/],
    [{ BIBGRAPH_MAX_BODY_SIZE: 'huge' }, /BIBGRAPH_MAX_BODY_SIZE must be a size/],
    [{ BIBGRAPH_RATE_LIMIT_IP: '0' }, /BIBGRAPH_RATE_LIMIT_IP must be between 1/],
    [{ BIBGRAPH_WRITE_WAIT: '10min' }, /BIBGRAPH_WRITE_WAIT must be a whole number/],
    [{ BIBGRAPH_HEALTH_TIMEOUT: '5' }, /BIBGRAPH_HEALTH_TIMEOUT must be between 100 and 60000/],
    [{ BIBGRAPH_CACHE_WATCH: '50' }, /BIBGRAPH_CACHE_WATCH must be 0 \(off\) or between 100 and 600000 ms/],
    [{ BIBGRAPH_CACHE_WATCH: '1s' }, /BIBGRAPH_CACHE_WATCH must be a whole number/],
  ])('rejects %o with a clear message', (env, message) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(message);
  });

  it('reads streaming replicas for queries (DATABASE_REPLICA_URLS) and how often they are probed', () => {
    const primary = 'postgres://app:secret@primary:5432/bib';
    expect(loadConfig({ DATABASE_URL: primary })).toMatchObject({ replicaUrls: [], replicaCheckMs: 5_000 });
    expect(
      loadConfig({
        DATABASE_URL: primary,
        DATABASE_REPLICA_URLS: ' postgres://app:secret@r1:5432/bib , postgresql://app:secret@r2/bib ',
        BIBGRAPH_REPLICA_CHECK: '1000',
      }),
    ).toMatchObject({
      replicaUrls: ['postgres://app:secret@r1:5432/bib', 'postgresql://app:secret@r2/bib'],
      replicaCheckMs: 1_000,
    });
  });

  it.each([
    [{ DATABASE_REPLICA_URLS: 'postgres://app:secret@r1/bib' }, /needs DATABASE_URL/],
    [
      { DATABASE_URL: 'postgres://p/bib', DATABASE_REPLICA_URLS: 'mysql://app:secret@r1/bib' },
      /DATABASE_REPLICA_URLS entry 1 must start with postgres/,
    ],
    [
      { DATABASE_URL: 'postgres://p/bib', DATABASE_REPLICA_URLS: 'postgres://r1/bib,,postgres://r2/bib' },
      /DATABASE_REPLICA_URLS has an empty entry/,
    ],
    [
      { DATABASE_URL: 'postgres://p/bib', DATABASE_REPLICA_URLS: 'postgres://r1/bib,postgres://r1/bib' },
      /lists a URL twice/,
    ],
    [
      { DATABASE_URL: 'postgres://p/bib', DATABASE_REPLICA_URLS: 'postgres://p/bib' },
      /entry 1 is DATABASE_URL itself/,
    ],
    [{ BIBGRAPH_REPLICA_CHECK: '10' }, /BIBGRAPH_REPLICA_CHECK must be between 100/],
    [{ BIBGRAPH_REDIS_PREFIX: 'has space' }, /BIBGRAPH_REDIS_PREFIX must be 1 to 64/],
  ])('rejects replica and Redis settings %o, never repeating a password', (env, message) => {
    expect(() => loadConfig(env)).toThrow(message);
    expect(() => loadConfig(env)).not.toThrow(/secret/);
  });

  it('reads how often a server looks for writes made outside it (BIBGRAPH_CACHE_WATCH, 0: never)', () => {
    expect(loadConfig({}).cacheWatchMs).toBe(1_000);
    expect(loadConfig({ BIBGRAPH_CACHE_WATCH: '250' }).cacheWatchMs).toBe(250);
    expect(loadConfig({ BIBGRAPH_CACHE_WATCH: '0' }).cacheWatchMs).toBe(0);
  });

  it('prefixes Redis keys with bibgraph: unless told otherwise (BIBGRAPH_REDIS_PREFIX)', () => {
    expect(loadConfig({}).redisPrefix).toBe('bibgraph:');
    expect(loadConfig({ BIBGRAPH_REDIS_PREFIX: 'library-a:' }).redisPrefix).toBe('library-a:');
  });

  it('reads the token CLI commands send to a server (BIBGRAPH_TOKEN)', () => {
    expect(loadConfig({}).clientToken).toBeNull();
    expect(loadConfig({ BIBGRAPH_TOKEN: '  bg_abc  ' }).clientToken).toBe('bg_abc');
    expect(() => loadConfig({ BIBGRAPH_TOKEN: 'bg_abc\nbg_def' })).toThrow(
      'BIBGRAPH_TOKEN must not contain whitespace',
    );
  });

  it('reads tokens and limits, with sane defaults and suggestions hidden in production', () => {
    const c = loadConfig({
      BIBGRAPH_API_TOKENS: ' first-token-0123456789 , second-token-0123456789 ',
      BIBGRAPH_READ_REQUIRES_TOKEN: 'true',
      BIBGRAPH_MAX_DEPTH: '6',
      BIBGRAPH_MAX_BODY_SIZE: '512k',
      BIBGRAPH_RATE_LIMIT_TOKEN: '50',
    });
    expect(c.apiTokens).toEqual(['first-token-0123456789', 'second-token-0123456789']);
    expect(c.readRequiresToken).toBe(true);
    expect(c.limits).toMatchObject({
      maxDepth: 6,
      maxBodyBytes: 512 * 1024,
      rateLimitPerToken: 50,
      maxPageSize: 100,
    });
    expect(loadConfig({}).limits.hideFieldSuggestions).toBe(false);
    expect(loadConfig({ NODE_ENV: 'production' }).limits.hideFieldSuggestions).toBe(true);
    expect(
      loadConfig({ NODE_ENV: 'production', BIBGRAPH_HIDE_SUGGESTIONS: 'false' }).limits.hideFieldSuggestions,
    ).toBe(false);
  });

  it('reads sizes with units', () => {
    expect(parseByteSize('X', '50MB')).toBe(50 * 1024 * 1024);
    expect(parseByteSize('X', '512k')).toBe(512 * 1024);
    expect(parseByteSize('X', '1000')).toBe(1000);
  });
});
