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
  ])('rejects %o with a clear message', (env, message) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(message);
  });

  it('reads sizes with units', () => {
    expect(parseByteSize('X', '50MB')).toBe(50 * 1024 * 1024);
    expect(parseByteSize('X', '512k')).toBe(512 * 1024);
    expect(parseByteSize('X', '1000')).toBe(1000);
  });
});
