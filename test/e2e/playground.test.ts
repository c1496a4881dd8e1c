import { createServer as createHttpServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatabaseHandle } from '../../src/db/client.ts';
import { defaultDocument } from '../../src/server/playground.ts';
import { createServer } from '../../src/server/server.ts';
import { CHROMIUM, hasChromium, launchChromium } from '../support/browser.ts';
import { openTestDatabase } from '../support/db.ts';

const operations = [...defaultDocument.matchAll(/^(query|mutation) (\w+)/gm)].map((m) => m[2] as string);

describe('playground examples', () => {
  let handle: DatabaseHandle;
  beforeAll(async () => {
    handle = await openTestDatabase(null);
  });
  afterAll(async () => {
    await handle.close();
  });

  it('names the three promised examples', () => {
    expect(operations).toEqual(expect.arrayContaining(['IngestExample', 'SearchWithFacets', 'AuthorPage']));
  });

  it('runs every example operation without errors, in document order', async () => {
    const yoga = createServer({ database: handle, maxIngestBytes: 1024 * 1024, maskErrors: false });
    for (const operationName of operations) {
      const res = await yoga.fetch(
        'http://localhost/graphql',
        {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ query: defaultDocument, operationName }),
          // The examples include an ingest; a loopback client may write while no token exists.
        },
        { clientAddress: '127.0.0.1' },
      );
      const body = (await res.json()) as { data?: Record<string, any>; errors?: unknown };
      expect(body.errors, operationName).toBeUndefined();
      expect(body.data, operationName).toBeTruthy();
    }
  });
});

// GraphiQL itself needs Debian's chromium; `.ci/run` installs it. Without it there is nothing to drive.
describe.skipIf(!hasChromium)(`playground in a browser (${CHROMIUM} missing: skipped)`, () => {
  let handle: DatabaseHandle;
  let http: Server;
  let base: string;
  let context: BrowserContext;
  let browser: Awaited<ReturnType<typeof launchChromium>> | undefined;

  beforeAll(async () => {
    handle = await openTestDatabase(null);
    const yoga = createServer({ database: handle, maxIngestBytes: 1024 * 1024 });
    http = createHttpServer(yoga);
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
    browser = await launchChromium();
    context = browser.context;
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await new Promise((resolve) => http?.close(resolve));
    await handle?.close();
  });

  it('opens /graphql, runs the examples from the page and sees data', async () => {
    const page = await context.newPage();
    const response = await page.goto(`${base}/graphql`, { waitUntil: 'domcontentloaded' });
    expect(response?.status()).toBe(200);
    expect(await page.title()).toContain('bibgraph');
    // The page carries the example document GraphiQL opens with.
    expect(await page.content()).toContain('SearchWithFacets');

    // Run the examples the way GraphiQL does: a POST from the page's own origin.
    const run = (operationName: string) =>
      page.evaluate(
        async ({ query, operationName }) => {
          const res = await fetch('/graphql', {
            method: 'POST',
            headers: { 'content-type': 'application/json', accept: 'application/json' },
            body: JSON.stringify({ query, operationName }),
          });
          return res.json();
        },
        { query: defaultDocument, operationName },
      );
    const ingest = await run('IngestExample');
    expect(ingest.errors).toBeUndefined();
    expect(ingest.data.ingestRis.created).toBe(2);
    const search = await run('SearchWithFacets');
    expect(search.errors).toBeUndefined();
    expect(search.data.citations.totalCount).toBe(2);
    expect(search.data.citations.facets.authors[0]).toMatchObject({ label: 'Käthe Müller', count: 2 });
    const author = await run('AuthorPage');
    expect(author.data.authors.nodes[0]).toMatchObject({ name: 'Käthe Müller', citationCount: 2 });
  }, 60_000);

  it('renders the bundled GraphiQL without any network access', async () => {
    const page = await context.newPage();
    const external: string[] = [];
    page.on('request', (r) => {
      if (!r.url().startsWith(base) && !r.url().startsWith('data:') && !r.url().startsWith('blob:'))
        external.push(r.url());
    });
    await page.goto(`${base}/graphql`, { waitUntil: 'load' });
    await page.waitForSelector('.graphiql-container', { timeout: 30_000 });
    await page.waitForSelector('.graphiql-execute-button', { timeout: 30_000 });
    await page.getByText('IngestExample', { exact: true }).first().waitFor({ timeout: 30_000 });
    expect(external).toEqual([]);
  }, 90_000);
});
