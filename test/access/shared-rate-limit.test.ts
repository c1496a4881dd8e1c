import type { ChildProcess } from 'node:child_process';
import { createServer as createNetServer } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { startServer, stopServer } from '../support/process.ts';
import { redisAnswers, testRedisUrl, uniqueRedisPrefix } from '../support/redis.ts';
import { createScratchDatabase } from '../support/scratch-db.ts';

/**
 * Rate limits across instances: two real server processes, one Redis. A client that spreads its
 * requests over both instances meets one limit, not one per instance. With TEST_DATABASE_URL the
 * two share a scratch PostgreSQL database; without it each has an in-memory PGlite (the limit
 * lives in Redis either way).
 */

const LIMIT = 6;
const limits = {
  BIBGRAPH_RATE_LIMIT_IP: String(LIMIT),
  // The burst is out of the way, so the window's budget is what the test meets.
  BIBGRAPH_RATE_LIMIT_IP_BURST: '1000',
  BIBGRAPH_RATE_LIMIT_WINDOW: '120',
};

const query = (base: string) =>
  fetch(`${base}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query: '{ citations(first: 1) { totalCount } }' }),
  });

const hasRedis = await redisAnswers(testRedisUrl);

/** A local port with nothing listening on it: a Redis that is down. */
function deadPort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createNetServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => done(port));
    });
  });
}

const children: ChildProcess[] = [];
const cleanups: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const child of children) await stopServer(child).catch(() => {});
  for (const cleanup of cleanups) await cleanup().catch(() => {});
});

/** Database settings for one instance: a shared scratch PostgreSQL database, else its own PGlite. */
async function databaseEnv(): Promise<Record<string, string>> {
  const url = process.env.TEST_DATABASE_URL;
  if (!url) return { BIBGRAPH_DATA_DIR: 'memory://' };
  const scratch = await createScratchDatabase(url, 'ratelimit');
  cleanups.push(() => scratch.drop());
  return { DATABASE_URL: scratch.url };
}

// Starting server processes takes a while on a busy machine (PGlite creates and migrates its database).
const slow = { timeout: 300_000 };

describe.skipIf(!hasRedis)(
  `rate limits shared through Redis (${testRedisUrl} not answering: skipped)`,
  slow,
  () => {
    it('holds one limit across two instances: requests split over both meet it together', async () => {
      const env = {
        ...(await databaseEnv()),
        ...limits,
        REDIS_URL: testRedisUrl,
        BIBGRAPH_REDIS_PREFIX: uniqueRedisPrefix('ratelimit'),
      };
      const [a, b] = await Promise.all([startServer(env), startServer(env)]);
      children.push(a.child, b.child);

      const statuses: number[] = [];
      for (let i = 0; i < LIMIT; i++) statuses.push((await query(i % 2 === 0 ? a.url : b.url)).status);
      // Each instance has seen only half the limit, yet the next request is refused on either.
      expect(statuses).toEqual(Array(LIMIT).fill(200));
      for (const base of [a.url, b.url]) {
        const refused = await query(base);
        expect(refused.status).toBe(429);
        expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(60);
        expect((await refused.json()).errors[0]).toMatchObject({
          message: expect.stringMatching(
            new RegExp(`${LIMIT} requests per 120 s per IP address \\(BIBGRAPH_RATE_LIMIT_IP\\)`),
          ),
          extensions: { code: 'RATE_LIMITED' },
        });
      }
    });
  },
);

describe('a Redis that is down', slow, () => {
  it('does not take the service down: each instance limits on its own meanwhile', async () => {
    const a = await startServer({
      ...(await databaseEnv()),
      ...limits,
      REDIS_URL: `redis://127.0.0.1:${await deadPort()}/0`,
      BIBGRAPH_REDIS_PREFIX: uniqueRedisPrefix('ratelimit-down'),
    });
    children.push(a.child);
    const statuses: number[] = [];
    for (let i = 0; i <= LIMIT; i++) {
      const res = await query(a.url);
      statuses.push(res.status);
      if (res.status === 200) expect((await res.json()).data.citations.totalCount).toBeTypeOf('number');
    }
    // Served while Redis is unreachable, and still limited (by the in-memory insurance).
    expect(statuses).toEqual([...Array(LIMIT).fill(200), 429]);
    expect(a.output()).toMatch(/Redis at REDIS_URL is unavailable/);
  });
});
