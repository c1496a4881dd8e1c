import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { ConfigError, DEFAULT_LIMITS, loadConfig } from '../../src/config.ts';
import type { DatabaseHandle } from '../../src/db/client.ts';
import { type BibgraphServer, createServer } from '../../src/server/server.ts';
import { openTestDatabase } from '../support/db.ts';

/**
 * The limiter reads the clock; the tests set it, so "within one second" and "a second later" are
 * facts of the test, not of how fast the machine runs it.
 */
describe('per-IP rate limit: a per-second burst within a per-window budget', () => {
  let handle: DatabaseHandle;
  beforeAll(async () => {
    handle = await openTestDatabase(null);
  });
  afterAll(() => handle.close());
  afterEach(() => {
    vi.useRealTimers();
  });

  const typeahead = (yoga: BibgraphServer, address: string, prefix: string) =>
    yoga.fetch(
      'http://localhost/graphql',
      {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          query: 'query($s: String) { authors(search: $s, first: 5) { nodes { name } } }',
          variables: { s: prefix },
        }),
      },
      { clientAddress: address },
    );

  it('lets a burst of typeahead requests through by default, from one shared address', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2026-01-01T10:00:00Z'));
    const yoga = createServer({ database: handle, maxIngestBytes: 1024 });
    // Three people behind one office address type "bibliography" at once: 36 requests in a second.
    const word = 'bibliography';
    const statuses: number[] = [];
    for (let person = 0; person < 3; person++)
      for (let i = 1; i <= word.length; i++)
        statuses.push((await typeahead(yoga, '198.51.100.7', word.slice(0, i))).status);
    expect(statuses.every((s) => s === 200)).toBe(true);
    expect(statuses).toHaveLength(36);
    expect(DEFAULT_LIMITS.rateLimitIpBurst).toBeGreaterThanOrEqual(36);
  });

  it('refuses past the burst within one second, naming it, and again past the window budget', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    let now = new Date('2026-01-01T10:00:00Z').getTime();
    vi.setSystemTime(now);
    const yoga = createServer({
      database: handle,
      maxIngestBytes: 1024,
      limits: { rateLimitIpBurst: 3, rateLimitPerIp: 5, rateLimitWindowSeconds: 60 },
    });
    const from = '198.51.100.8';
    for (let i = 0; i < 3; i++) expect((await typeahead(yoga, from, 'a')).status).toBe(200);
    const burst = await typeahead(yoga, from, 'a');
    expect(burst.status).toBe(429);
    expect(burst.headers.get('retry-after')).toBe('1');
    expect((await burst.json()).errors[0]).toMatchObject({
      message: expect.stringMatching(/3 requests per second per IP address \(BIBGRAPH_RATE_LIMIT_IP_BURST\)/),
      extensions: { code: 'RATE_LIMITED' },
    });
    // Another address is not affected.
    expect((await typeahead(yoga, '198.51.100.9', 'a')).status).toBe(200);
    // A second later the burst allows more, until the window's budget of 5 is spent.
    now += 1_000;
    vi.setSystemTime(now);
    expect((await typeahead(yoga, from, 'a')).status).toBe(200);
    expect((await typeahead(yoga, from, 'a')).status).toBe(200);
    const budget = await typeahead(yoga, from, 'a');
    expect(budget.status).toBe(429);
    expect(Number(budget.headers.get('retry-after'))).toBeGreaterThan(50);
    expect((await budget.json()).errors[0].message).toMatch(
      /5 requests per 60 s per IP address \(BIBGRAPH_RATE_LIMIT_IP\)/,
    );
    now += 60_000;
    vi.setSystemTime(now);
    expect((await typeahead(yoga, from, 'a')).status).toBe(200);
  });

  it('reads BIBGRAPH_RATE_LIMIT_IP_BURST, validated', () => {
    expect(loadConfig({ BIBGRAPH_RATE_LIMIT_IP_BURST: '12' }).limits.rateLimitIpBurst).toBe(12);
    expect(() => loadConfig({ BIBGRAPH_RATE_LIMIT_IP_BURST: '0' })).toThrow(ConfigError);
    expect(() => loadConfig({ BIBGRAPH_RATE_LIMIT_IP_BURST: 'many' })).toThrow(
      /BIBGRAPH_RATE_LIMIT_IP_BURST must be a whole number/,
    );
  });
});
