import { createServer as createHttpServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { like } from 'drizzle-orm';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import type { Database, DatabaseHandle } from '../../src/db/client.ts';
import { citations } from '../../src/db/schema.ts';
import { createServer, type ServerOptions } from '../../src/server/server.ts';
import { listen } from '../access/http.ts';
import { CHROMIUM, hasChromium, launchChromium } from '../support/browser.ts';
import { databaseTargets, inRolledBackTransaction, openTestDatabase } from '../support/db.ts';

const TOKEN = 'env-token-for-browser-tests-0123456789';
const PLANTED = 'zqxplanted';

/** What a page on another origin tries: each step reports what it saw, or the error that stopped it. */
const attack = async ({ target, token, marker }: { target: string; token?: string; marker: string }) => {
  const outcome = async (p: Promise<Response>) => {
    try {
      const res = await p;
      let body: unknown;
      try {
        body = await res.json();
      } catch {
        body = null;
      }
      return { status: res.status, body, retryAfter: res.headers.get('retry-after') };
    } catch (error) {
      return { blocked: String(error) };
    }
  };
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (token) headers.authorization = `Bearer ${token}`;
  const ris = `TY  - JOUR\nTI  - Planted ${marker}\nER  - \n`;
  const mutation = JSON.stringify({
    query: 'mutation($ris: String!) { ingestRis(input: { ris: $ris }) { created } }',
    variables: { ris },
  });
  const read = await outcome(
    fetch(`${target}/graphql`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ query: '{ citations(first: 5) { totalCount } }' }),
    }),
  );
  const write = await outcome(fetch(`${target}/graphql`, { method: 'POST', headers, body: mutation }));
  // The forms a page can send without a preflight: CSRF prevention has to stop these.
  await outcome(fetch(`${target}/graphql`, { method: 'POST', mode: 'no-cors', body: mutation }));
  const form = new FormData();
  form.append(
    'operations',
    JSON.stringify({
      query: 'mutation($f: File!) { ingestRisFile(file: $f) { created } }',
      variables: { f: null },
    }),
  );
  form.append('map', '{"0":["variables.f"]}');
  form.append('0', new File([ris], 'x.ris'));
  await outcome(fetch(`${target}/graphql`, { method: 'POST', mode: 'no-cors', body: form }));
  const exported = await (async () => {
    try {
      const res = await fetch(`${target}/export?format=ris`, {
        headers: token ? { authorization: `Bearer ${token}` } : {},
      });
      return { status: res.status, disposition: res.headers.get('content-disposition') };
    } catch (error) {
      return { blocked: String(error) };
    }
  })();
  return { read, write, exported };
};

describe.skipIf(!hasChromium)(`pages on other origins, in Chromium (${CHROMIUM} missing: skipped)`, () => {
  let context: BrowserContext;
  let browser: Awaited<ReturnType<typeof launchChromium>> | undefined;
  let attacker: Server;
  let attackerPort: number;
  beforeAll(async () => {
    attacker = createHttpServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<!doctype html><title>another origin</title><p>nothing to see</p>');
    });
    await new Promise<void>((resolve) => attacker.listen(0, '127.0.0.1', resolve));
    attackerPort = (attacker.address() as AddressInfo).port;
    browser = await launchChromium([
      // Names a site on the network (or an attacker's rebinding DNS) would use, all at this machine.
      '--host-resolver-rules=MAP partner.test 127.0.0.1, MAP lan-host.test 127.0.0.1, MAP rebind.test 127.0.0.1',
    ]);
    context = browser.context;
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await new Promise((resolve) => attacker?.close(resolve));
  });

  describe.each(databaseTargets)('on $name', ({ url }) => {
    let handle: DatabaseHandle;
    let tx: Database | undefined;
    const closers: Array<() => Promise<void>> = [];
    const app = async (options: Partial<ServerOptions>) => {
      const yoga = createServer({ database: handle, maxIngestBytes: 1024 * 1024, ...options });
      const s = await listen(yoga, () => tx);
      closers.push(s.close);
      return s.port;
    };
    beforeAll(async () => {
      handle = await openTestDatabase(url);
    });
    afterAll(async () => {
      for (const close of closers) await close();
      await handle?.close();
    });
    const inTx = (fn: (t: Database) => Promise<void>) =>
      inRolledBackTransaction(handle, async (t) => {
        tx = t;
        try {
          await fn(t);
        } finally {
          tx = undefined;
        }
      });
    const pageAt = async (origin: string, path = '/'): Promise<Page> => {
      const page = await context.newPage();
      await page.goto(`${origin}${path}`, { waitUntil: 'domcontentloaded' });
      return page;
    };
    const planted = (t: Database) => t.$count(citations, like(citations.title, `%${PLANTED}%`));

    it('a page on another local port reads in development but cannot plant records through loopback trust', async () => {
      await inTx(async (t) => {
        const port = await app({ corsOrigins: loadConfig({ NODE_ENV: 'development' }).corsOrigins });
        const page = await pageAt(`http://localhost:${attackerPort}`);
        const seen = await page.evaluate(attack, { target: `http://127.0.0.1:${port}`, marker: PLANTED });
        await page.close();
        expect(seen.read).toMatchObject({ status: 200, body: { data: { citations: { totalCount: 0 } } } });
        expect(seen.write).toMatchObject({ status: 200, body: { data: null } });
        expect(JSON.stringify(seen.write)).toMatch(/another origin/);
        expect(await planted(t)).toBe(0);
      });
    }, 60_000);

    it('a page on a non-allowed origin can neither read nor write (development and production)', async () => {
      await inTx(async (t) => {
        const dev = await app({ corsOrigins: loadConfig({ NODE_ENV: 'development' }).corsOrigins });
        const prod = await app({ corsOrigins: loadConfig({ NODE_ENV: 'production' }).corsOrigins });
        for (const [origin, port] of [
          [`http://lan-host.test:${attackerPort}`, dev],
          [`http://localhost:${attackerPort}`, prod],
          [`http://lan-host.test:${attackerPort}`, prod],
        ] as const) {
          const page = await pageAt(origin);
          const seen = await page.evaluate(attack, { target: `http://127.0.0.1:${port}`, marker: PLANTED });
          await page.close();
          expect([origin, seen.read]).toEqual([origin, { blocked: expect.stringMatching(/TypeError/) }]);
          expect([origin, seen.write]).toEqual([origin, { blocked: expect.stringMatching(/TypeError/) }]);
          expect([origin, seen.exported]).toEqual([origin, { blocked: expect.stringMatching(/TypeError/) }]);
        }
        expect(await planted(t)).toBe(0);
      });
    }, 60_000);

    it('a DNS-rebinding page (same origin under a foreign name) gets no loopback privilege', async () => {
      await inTx(async (t) => {
        const port = await app({ corsOrigins: loadConfig({ NODE_ENV: 'development' }).corsOrigins });
        // The attacker's name now resolves to 127.0.0.1, so their page and the server share an origin.
        // (/live, not /health: the health check pings the database, which this open transaction holds.)
        const page = await pageAt(`http://rebind.test:${port}`, '/live');
        const seen = await page.evaluate(attack, { target: `http://rebind.test:${port}`, marker: PLANTED });
        await page.close();
        expect(seen.write).toMatchObject({ status: 200, body: { data: null } });
        expect(JSON.stringify(seen.write)).toMatch(/not a loopback name/);
        expect(await planted(t)).toBe(0);
        // The server's own page, under its own name, still writes without a token while none exists.
        const own = await pageAt(`http://127.0.0.1:${port}`, '/live');
        const mine = await own.evaluate(attack, { target: `http://127.0.0.1:${port}`, marker: 'zqxownpage' });
        await own.close();
        expect(mine.write).toMatchObject({ status: 200, body: { data: { ingestRis: { created: 1 } } } });
      });
    }, 60_000);

    it('an allowed origin reads, sees exposed headers, and writes with a token', async () => {
      await inTx(async (t) => {
        const partner = `http://partner.test:${attackerPort}`;
        const port = await app({
          corsOrigins: [partner],
          auth: { apiTokens: [TOKEN] },
          limits: { rateLimitPerIp: 2 },
        });
        const page = await pageAt(partner);
        const anonymous = await page.evaluate(attack, {
          target: `http://127.0.0.1:${port}`,
          marker: PLANTED,
        });
        expect(anonymous.read).toMatchObject({
          status: 200,
          body: { data: { citations: { totalCount: 0 } } },
        });
        expect(anonymous.write).toMatchObject({ status: 200, body: { data: null } });
        expect(JSON.stringify(anonymous.write)).toMatch(/needs an API token/);
        // The anonymous budget of 2 is spent: the page sees the 429 and can read Retry-After.
        expect(anonymous.exported).toMatchObject({ status: 429 });
        const limited = await page.evaluate(async (target) => {
          const res = await fetch(`${target}/graphql`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: '{"query":"{ __typename }"}',
          });
          return { status: res.status, retryAfter: res.headers.get('retry-after') };
        }, `http://127.0.0.1:${port}`);
        expect(limited.status).toBe(429);
        expect(Number(limited.retryAfter)).toBeGreaterThan(0);
        const withToken = await page.evaluate(attack, {
          target: `http://127.0.0.1:${port}`,
          token: TOKEN,
          marker: 'zqxpartner',
        });
        await page.close();
        expect(withToken.write).toMatchObject({ status: 200, body: { data: { ingestRis: { created: 1 } } } });
        expect(withToken.exported).toEqual({ status: 200, disposition: expect.stringMatching(/attachment/) });
        expect(await planted(t)).toBe(0);
      });
    }, 60_000);
  });
});
