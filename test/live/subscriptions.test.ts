import type { ChildProcess } from 'node:child_process';
import { ApolloClient, gql as apolloGql, InMemoryCache } from '@apollo/client';
import { GraphQLWsLink } from '@apollo/client/link/subscriptions';
import { createClient as createSseClient } from 'graphql-sse';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateRis } from '../../bench/lib/generate-ris.ts';
import { databaseTargets } from '../support/db.ts';
import {
  collect,
  GRAPH_CHANGED,
  INGESTION_PROGRESS,
  liveCounts,
  post,
  startIngestion,
  waitUntil,
  wsClient,
} from '../support/live.ts';
import { startServer, stopServer } from '../support/process.ts';
import { createScratchDatabase } from '../support/scratch-db.ts';

const TOKEN = 'live-subscriptions-token-0123456789';

function record(title: string, author = 'Live, Lena'): string {
  return `TY  - JOUR\nTI  - ${title}\nAU  - ${author}\nPY  - 2024\nER  - \n`;
}

/**
 * One real server process per database (main.ts, so the WebSocket server is attached the way
 * production attaches it), with real graphql-ws, graphql-sse and Apollo clients.
 */
describe.each(databaseTargets)('subscriptions on $name', ({ name, url: databaseUrl }) => {
  let server: { child: ChildProcess; url: string; output: () => string };
  let scratch: { url: string; drop(): Promise<void> } | null = null;

  beforeAll(async () => {
    scratch = databaseUrl ? await createScratchDatabase(databaseUrl, `live_subs_${name}`) : null;
    server = await startServer({
      ...(scratch ? { DATABASE_URL: scratch.url } : { BIBGRAPH_DATA_DIR: 'memory://' }),
      BIBGRAPH_MAX_SUBSCRIPTIONS: '3',
      BIBGRAPH_MAX_INGEST_SIZE: '16k',
    });
  }, 120_000);
  afterAll(async () => {
    if (server) await stopServer(server.child);
    await scratch?.drop();
  });

  it('sends graphChanged after the commit of ingestRis, updateCitation and deleteCitation, filtered', async () => {
    const client = wsClient(server.url);
    const all = collect(client, GRAPH_CHANGED);
    const citationsOnly = collect(client, GRAPH_CHANGED, {
      filter: { kinds: ['CITATION'], actions: ['DELETED'] },
    });
    await waitUntil(
      async () => (await liveCounts(server.url)).subscriptions === 2,
      10_000,
      'two subscriptions',
    );

    const ingested = await post(
      server.url,
      `mutation($r: String!) { ingestRis(input: { ris: $r }) { citations { id } } }`,
      {
        r: record('Events after commit'),
      },
    );
    const citationId = ingested.data.ingestRis.citations[0].id as string;
    const created = await all.waitFor((e) =>
      e.graphChanged.changes.some((c: any) => c.id === citationId && c.action === 'CREATED'),
    );
    expect(created.graphChanged.operation).toBe('ingestRis');
    expect(created.graphChanged.changes.map((c: any) => c.kind).sort()).toEqual(['AUTHOR', 'CITATION']);
    // Told after the commit: what the event names can be read by anyone at once.
    const seen = await post(server.url, `query($id: ID!) { node(id: $id) { id } }`, { id: citationId });
    expect(seen.data.node).toEqual({ id: citationId });

    await post(
      server.url,
      `mutation($id: ID!) { updateCitation(id: $id, input: { volume: "7" }) { __typename } }`,
      {
        id: citationId,
      },
    );
    await all.waitFor((e) => e.graphChanged.operation === 'updateCitation');
    await post(server.url, `mutation($id: ID!) { deleteCitation(id: $id) { __typename } }`, {
      id: citationId,
    });
    const deleted = await all.waitFor((e) => e.graphChanged.operation === 'deleteCitation');
    expect(deleted.graphChanged.changes).toContainEqual({
      kind: 'CITATION',
      id: citationId,
      action: 'DELETED',
      mergedInto: null,
    });

    // The filtered subscription saw only the deletion, and only its citation.
    await citationsOnly.waitFor((e) => e.graphChanged.operation === 'deleteCitation');
    expect(citationsOnly.events).toHaveLength(1);
    expect(citationsOnly.events[0].graphChanged.changes).toEqual([
      { kind: 'CITATION', id: citationId, action: 'DELETED', mergedInto: null },
    ]);
    // A dry run commits nothing and announces nothing.
    const before = all.events.length;
    await post(
      server.url,
      `mutation($r: String!) { ingestRis(input: { ris: $r, dryRun: true }) { created } }`,
      {
        r: record('Only a dry run'),
      },
    );
    await post(server.url, `mutation($r: String!) { ingestRis(input: { ris: $r }) { created } }`, {
      r: record('After the dry run'),
    });
    await all.waitFor((e) => e.graphChanged.operation === 'ingestRis' && all.events.indexOf(e) >= before);
    expect(all.events.slice(before)).toHaveLength(1);
    await client.dispose();
  }, 90_000);

  it('reports a background ingestion over graphql-sse, ending with the report ingestRis gives', async () => {
    const ris = generateRis(40, 71);
    const started = await startIngestion(server.url, ris, { source: 'sse test' });
    expect(started.status).toBe('QUEUED');
    const sse = createSseClient({ url: `${server.url}/graphql/stream`, retryAttempts: 0 });
    const events: any[] = [];
    await new Promise<void>((resolve, reject) => {
      sse.subscribe(
        { query: INGESTION_PROGRESS, variables: { id: started.id } },
        { next: (v) => events.push(v.data?.ingestionProgress), error: reject, complete: resolve },
      );
    });
    sse.dispose();
    const last = events.at(-1);
    expect(last.status).toBe('SUCCEEDED');
    expect(last.result).toMatchObject({ dryRun: false, found: 40, created: 40, failed: 0 });
    expect(last.result.records).toHaveLength(40);
    expect(last.bytes).toBe(Buffer.byteLength(ris));
    // The Ingestion keeps the same report, and a second synchronous ingest of the file agrees.
    const row = await post(
      server.url,
      `query($id: ID!) { node(id: $id) { ... on Ingestion { status attempts bytesTotal source report { found created } } } }`,
      { id: started.id },
    );
    expect(row.data.node).toEqual({
      status: 'SUCCEEDED',
      attempts: 1,
      bytesTotal: Buffer.byteLength(ris),
      source: 'sse test',
      report: { found: 40, created: 40 },
    });
  }, 90_000);

  it('takes input over the synchronous limit in the background; ingestRis still refuses it', async () => {
    const ris = generateRis(30, 72);
    expect(Buffer.byteLength(ris)).toBeGreaterThan(16 * 1024);
    const refused = await post(
      server.url,
      `mutation($r: String!) { ingestRis(input: { ris: $r }) { created } }`,
      {
        r: ris,
      },
    );
    expect(refused.errors?.[0]?.extensions?.code).toBe('PAYLOAD_TOO_LARGE');
    expect(refused.errors?.[0]?.message).toMatch(/startIngestion/);

    const started = await startIngestion(server.url, ris, { dryRun: true });
    const client = wsClient(server.url);
    const progress = collect(client, INGESTION_PROGRESS, { id: started.id });
    await progress.ended(60_000);
    const last = progress.events.at(-1).ingestionProgress;
    expect(last).toMatchObject({ status: 'SUCCEEDED', result: { dryRun: true, found: 30, created: 30 } });
    // A dry run: none of its records was stored.
    const doi = /^DO {2}- (.+)$/m.exec(ris)?.[1];
    const stored = await post(server.url, `query($doi: String!) { citation(doi: $doi) { id } }`, { doi });
    expect(stored.data).toEqual({ citation: null });
    await client.dispose();
  }, 90_000);

  it('delivers to an Apollo Client subscription (GraphQLWsLink)', async () => {
    const apollo = new ApolloClient({
      cache: new InMemoryCache(),
      link: new GraphQLWsLink(wsClient(server.url)),
    });
    const received: any[] = [];
    const subscription = apollo
      .subscribe({
        query: apolloGql`subscription OnAuthors { graphChanged(filter: { kinds: [AUTHOR] }) { operation changes { kind id action } } }`,
      })
      .subscribe({ next: (r) => received.push(r.data) });
    await waitUntil(
      async () => (await liveCounts(server.url)).subscriptions >= 1,
      10_000,
      'the Apollo subscription',
    );
    await post(server.url, `mutation($r: String!) { ingestRis(input: { ris: $r }) { created } }`, {
      r: record('Apollo hears this', 'Apollo, Ada'),
    });
    await waitUntil(async () => received.length > 0, 20_000, 'an Apollo event');
    expect(received[0].graphChanged.changes).toEqual([
      expect.objectContaining({ kind: 'AUTHOR', action: 'CREATED' }),
    ]);
    subscription.unsubscribe();
    apollo.stop();
  }, 60_000);

  it('ends the subscription of a client that goes away and frees its listeners; limits subscriptions per client', async () => {
    await waitUntil(
      async () => (await liveCounts(server.url)).subscriptions === 0,
      10_000,
      'no subscriptions',
    );
    const idle = await liveCounts(server.url);
    expect(idle.listeners).toBe(0);

    // SSE (Yoga's distinct connection on /graphql): the client aborts the request.
    const abort = new AbortController();
    const response = await fetch(`${server.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
      body: JSON.stringify({ query: 'subscription { graphChanged { operation } }' }),
      signal: abort.signal,
    });
    expect(response.headers.get('content-type')).toMatch(/text\/event-stream/);
    const client = wsClient(server.url);
    const one = collect(client, GRAPH_CHANGED);
    const two = collect(client, GRAPH_CHANGED);
    const open = await waitUntil(
      async () => {
        const c = await liveCounts(server.url);
        return c.subscriptions === 3 ? c : undefined;
      },
      10_000,
      'three subscriptions',
    );
    expect(open.listeners).toBe(3);

    // The fourth of this client (BIBGRAPH_MAX_SUBSCRIPTIONS=3) is refused with a clear error.
    const four = collect(client, GRAPH_CHANGED);
    await four.ended(10_000);
    expect(JSON.stringify(four.errors)).toMatch(/SUBSCRIPTION_LIMIT/);
    expect(JSON.stringify(four.errors)).toMatch(/BIBGRAPH_MAX_SUBSCRIPTIONS/);
    // A refusal is an answer to the client, not an incident: nothing in the server's log.
    expect(server.output()).not.toMatch(/SubscriptionLimit|BIBGRAPH_MAX_SUBSCRIPTIONS|\n\s+at /);

    abort.abort();
    one.stop();
    await waitUntil(
      async () => (await liveCounts(server.url)).subscriptions === 1,
      10_000,
      'one subscription left',
    );
    // A socket that closes ends the rest.
    await client.dispose();
    const after = await waitUntil(
      async () => {
        const c = await liveCounts(server.url);
        return c.subscriptions === 0 ? c : undefined;
      },
      10_000,
      'no subscriptions after the socket closed',
    );
    expect(after.listeners).toBe(0);
  }, 60_000);
});

describe('subscriptions follow the token rules of queries', () => {
  let server: { child: ChildProcess; url: string };

  beforeAll(async () => {
    server = await startServer({
      BIBGRAPH_DATA_DIR: 'memory://',
      BIBGRAPH_API_TOKENS: TOKEN,
      BIBGRAPH_READ_REQUIRES_TOKEN: 'true',
    });
  }, 120_000);
  afterAll(async () => {
    if (server) await stopServer(server.child);
  });

  it('refuses a socket without a token or with a bad one (4401), and serves one with a good token', async () => {
    for (const token of [undefined, 'not-a-valid-token-at-all-000000']) {
      const refused = collect(wsClient(server.url, token), GRAPH_CHANGED);
      await refused.ended(10_000);
      const error = refused.errors[0] as { code?: number; reason?: string };
      expect(error.code).toBe(4401);
      expect(error.reason).toMatch(token ? /not valid/ : /needs an API token/);
    }
    const client = wsClient(server.url, TOKEN);
    const allowed = collect(client, GRAPH_CHANGED);
    await waitUntil(
      async () => (await liveCounts(server.url)).subscriptions === 1,
      10_000,
      'the subscription',
    );
    await post(
      server.url,
      `mutation($r: String!) { ingestRis(input: { ris: $r }) { created } }`,
      { r: record('Token holders hear this') },
      TOKEN,
    );
    await allowed.waitFor((e) => e.graphChanged.operation === 'ingestRis', 20_000);
    await client.dispose();
  }, 60_000);

  it('refuses SSE without a token with 401, like a query', async () => {
    const response = await fetch(`${server.url}/graphql/stream`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
      body: JSON.stringify({ query: 'subscription { graphChanged { operation } }' }),
    });
    expect(response.status).toBe(401);
    expect(await response.text()).toMatch(/UNAUTHENTICATED/);
  }, 30_000);
});
