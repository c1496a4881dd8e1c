import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createToken, revokeToken } from '../../src/auth/tokens.ts';
import type { Database, DatabaseHandle } from '../../src/db/client.ts';
import { ingestRis } from '../../src/ingest/ingest.ts';
import { type BibgraphServer, createServer, type ServerOptions } from '../../src/server/server.ts';
import { databaseTargets, inRolledBackTransaction, openTestDatabase } from '../support/db.ts';
import { gql, LOOPBACK } from '../support/graphql.ts';

const REMOTE = '203.0.113.9';
const ENV_TOKEN = 'env-token-for-tests-0123456789';
const ris = 'TY  - JOUR\nTI  - Access control zqxaccess\nPY  - 2024\nER  - \n';
const ingest = 'mutation($ris: String!) { ingestRis(input: { ris: $ris }) { created } }';
const update = `mutation($id: ID!) { updateCitation(id: $id, input: { volume: "2" }) {
  __typename ... on Error { message } ... on UpdateCitationPayload { changedFields }
} }`;

describe.each(databaseTargets)('access control on $name', ({ url }) => {
  let handle: DatabaseHandle;
  const servers = new Map<string, BibgraphServer>();
  const server = (name: string, extra: Partial<ServerOptions> = {}) => {
    let s = servers.get(name);
    if (!s) {
      // The loops below send dozens of requests a second from one address, as no single user
      // would; the burst limit has tests of its own (rate-burst.test.ts).
      s = createServer({
        database: handle,
        maxIngestBytes: 64 * 1024,
        maskErrors: true,
        ...extra,
        limits: { rateLimitIpBurst: 100_000, ...extra.limits },
      });
      servers.set(name, s);
    }
    return s;
  };
  beforeAll(async () => {
    handle = await openTestDatabase(url);
  });
  afterAll(() => handle.close());

  async function seedCitation(tx: Database): Promise<string> {
    const r = await gql(
      server('open'),
      tx,
      `mutation($ris: String!) { ingestRis(input: { ris: $ris }) { citations { id } } }`,
      {
        ris,
      },
    );
    return r.data?.ingestRis.citations[0].id;
  }

  it('without any token: loopback clients may write, others get FORBIDDEN naming the rule', async () => {
    await inRolledBackTransaction(handle, async (tx) => {
      const yoga = server('open');
      expect((await gql(yoga, tx, ingest, { ris }, {}, LOOPBACK)).data?.ingestRis.created).toBe(1);
      expect((await gql(yoga, tx, ingest, { ris }, {}, '::1')).errors).toBeUndefined();
      const remote = await gql(yoga, tx, ingest, { ris }, {}, REMOTE);
      expect(remote.data).toBeNull();
      expect(remote.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
      expect(remote.errors?.[0]?.message).toMatch(/only from loopback clients.*203\.0\.113\.9/);
      expect(JSON.stringify(remote)).not.toMatch(/\.ts:\d+/);
      // Curation mutations return the same refusal as a typed result.
      const id = await seedCitation(tx);
      const typed = await gql(yoga, tx, update, { id }, {}, REMOTE);
      expect(typed.data?.updateCitation).toMatchObject({ __typename: 'ForbiddenError' });
      // Reads stay public.
      expect(
        (await gql(yoga, tx, '{ citations(first: 1) { totalCount } }', {}, {}, REMOTE)).errors,
      ).toBeUndefined();
    });
  });

  it('with tokens: a valid one writes (and is named in the log); missing, unknown, malformed and revoked ones do not', async () => {
    await inRolledBackTransaction(handle, async (tx) => {
      const yoga = server('tokens', { auth: { apiTokens: [ENV_TOKEN] } });
      const id = await seedCitation(tx);
      const { token } = await createToken(tx, 'curator-anna');
      const bearer = (t: string) => ({ authorization: `Bearer ${t}` });
      // Once a token exists, loopback alone is not enough.
      const local = await gql(yoga, tx, ingest, { ris }, {}, LOOPBACK);
      expect(local.errors?.[0]).toMatchObject({ extensions: { code: 'UNAUTHENTICATED' } });
      expect(local.errors?.[0]?.message).toMatch(/needs an API token/);
      expect((await gql(yoga, tx, ingest, { ris }, bearer(token), REMOTE)).errors).toBeUndefined();
      expect((await gql(yoga, tx, ingest, { ris }, bearer(ENV_TOKEN), REMOTE)).errors).toBeUndefined();
      const unknown = await gql(yoga, tx, ingest, { ris }, bearer('bg_not-a-real-token'), REMOTE);
      expect(unknown.errors?.[0]?.message).toBe('The API token is not valid');
      expect(unknown.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
      // A bad token is refused on a read too, instead of being served as anonymous.
      const badRead = await gql(yoga, tx, '{ locales }', {}, bearer('bg_not-a-real-token'), REMOTE);
      expect(badRead.data).toBeUndefined();
      expect(badRead.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
      const malformed = await gql(yoga, tx, ingest, { ris }, { authorization: `Token ${token}` }, REMOTE);
      expect(malformed.errors?.[0]?.message).toMatch(/must read "Bearer <token>"/);
      // `-H "Authorization: Bearer $BIBGRAPH_TOKEN"` with the variable unset says so.
      const empty = await gql(yoga, tx, ingest, { ris }, { authorization: 'Bearer ' }, REMOTE);
      expect(empty.errors?.[0]?.message).toMatch(/says "Bearer" but holds no token/);
      const ok = await gql(yoga, tx, update, { id }, bearer(token), REMOTE);
      expect(ok.data?.updateCitation).toMatchObject({
        __typename: 'UpdateCitationPayload',
        changedFields: ['volume'],
      });
      const log = await gql(
        yoga,
        tx,
        'query($id: ID!) { history(subjectId: $id) { nodes { actor action } } }',
        { id },
        bearer(token),
      );
      expect(log.data?.history.nodes[0]).toEqual({ actor: 'curator-anna', action: 'updateCitation' });
      // The log names tokens, so it is for writers only.
      const peek = await gql(
        yoga,
        tx,
        'query($id: ID!) { history(subjectId: $id) { nodes { actor } } }',
        { id },
        {},
        REMOTE,
      );
      expect(peek.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');

      await revokeToken(tx, 'curator-anna');
      const revoked = await gql(yoga, tx, update, { id }, bearer(token), REMOTE);
      expect(revoked.data).toBeUndefined();
      expect(revoked.errors?.[0]).toMatchObject({
        message: 'The API token "curator-anna" has been revoked',
        extensions: { code: 'UNAUTHENTICATED' },
      });
    });
  });

  it('BIBGRAPH_READ_REQUIRES_TOKEN refuses anonymous reads before running them', async () => {
    await inRolledBackTransaction(handle, async (tx) => {
      const yoga = server('closed', { auth: { apiTokens: [ENV_TOKEN], readRequiresToken: true } });
      const res = await yoga.fetch(
        'http://localhost/graphql',
        {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: '{"query":"{ citations { totalCount } }"}',
        },
        { db: tx, clientAddress: LOOPBACK },
      );
      expect(res.status).toBe(401);
      expect((await res.json()).errors[0].message).toMatch(/BIBGRAPH_READ_REQUIRES_TOKEN/);
      const exp = await yoga.fetch(
        'http://localhost/export?format=ris',
        {},
        { db: tx, clientAddress: LOOPBACK },
      );
      expect(exp.status).toBe(401);
      // A browser following a download link asks for HTML too; that is no reason to skip the check.
      const browser = { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' };
      const linked = await yoga.fetch(
        'http://localhost/export?format=bibtex',
        { headers: browser },
        { db: tx, clientAddress: LOOPBACK },
      );
      expect(linked.status).toBe(401);
      const withToken = await yoga.fetch(
        'http://localhost/export?format=ris',
        { headers: { ...browser, authorization: `Bearer ${ENV_TOKEN}` } },
        { db: tx, clientAddress: LOOPBACK },
      );
      expect(withToken.status).toBe(200);
      // The playground page holds no data and still opens, to let the token be entered.
      const page = await yoga.fetch(
        'http://localhost/graphql',
        { headers: browser },
        { clientAddress: LOOPBACK },
      );
      expect(page.status).toBe(200);
      expect(page.headers.get('content-type')).toMatch(/text\/html/);
      const ok = await gql(
        yoga,
        tx,
        '{ citations { totalCount } }',
        {},
        { authorization: `Bearer ${ENV_TOKEN}` },
      );
      expect(ok.errors).toBeUndefined();
    });
  });

  it('SQL metacharacters in every string argument are data, never SQL', async () => {
    await inRolledBackTransaction(handle, async (tx) => {
      const yoga = server('open');
      const nasty = [
        `'; drop table citations; --`,
        `" or 1=1 --`,
        `\\'); select pg_sleep(5); --`,
        '%_\\',
        '$1 $$ $tag$',
      ];
      const id = await seedCitation(tx);
      for (const s of nasty) {
        const up = await gql(
          yoga,
          tx,
          `mutation($id: ID!, $s: String!) { updateCitation(id: $id, input: { title: $s, publisher: $s, place: $s, volume: $s, abstract: $s, language: $s, containerTitle: $s }) {
            __typename ... on UpdateCitationPayload { citation { title publisher } }
          } }`,
          { id, s },
        );
        expect(up.data?.updateCitation).toEqual({
          __typename: 'UpdateCitationPayload',
          citation: { title: s, publisher: s },
        });
        const bad = await gql(
          yoga,
          tx,
          'mutation($i: ID!, $s: String!) { updateCitation(id: $i, input: { doi: $s, risType: $s }) { __typename } }',
          { i: s, s },
        );
        expect(bad.data?.updateCitation.__typename).toBe('ValidationError');
        for (const q of [
          'query($s: String!) { citations(filter: { search: $s, containerTitle: $s, doi: $s, keywords: [$s] }) { totalCount } }',
          'query($s: ID!) { history(subjectId: $s) { nodes { action } } }',
          'query($s: String!) { changes(since: "2020-01-01T00:00:00Z", actor: $s) { nodes { action } } }',
          'mutation($s: ID!) { deleteCitation(id: $s) { __typename } }',
          'mutation($s: ID!) { mergeAuthors(into: $s, from: [$s]) { __typename } }',
          'mutation($s: ID!) { mergeAffiliations(into: $s, from: [$s]) { __typename } }',
          'mutation($s: ID!) { mergeKeywords(into: $s, from: [$s]) { __typename } }',
          'mutation($s: ID!) { linkAuthorAffiliation(author: $s, affiliation: $s, citation: $s) { __typename } }',
          'mutation($s: ID!) { unlinkAuthorAffiliation(author: $s, affiliation: $s, citation: $s) { __typename } }',
          'mutation($s: ID!) { markNotDuplicate(a: $s, b: $s) { __typename } }',
          'mutation($s: String!) { ingestRis(input: { ris: $s, source: $s }) { found } }',
        ]) {
          const r = await gql(yoga, tx, q, { s });
          // Either an answer or a clean, typed refusal; never a database error.
          expect(JSON.stringify(r), q).not.toMatch(/syntax error|INTERNAL_SERVER_ERROR|Unexpected error/i);
        }
      }
      const still = await gql(yoga, tx, 'query($id: ID!) { node(id: $id) { id } }', { id });
      expect(still.data?.node).toEqual({ id });
    });
  });
});

describe('abuse limits', () => {
  let handle: DatabaseHandle;
  let yoga: BibgraphServer;
  beforeAll(async () => {
    handle = await openTestDatabase(null);
    yoga = createServer({
      database: handle,
      maxIngestBytes: 64 * 1024,
      limits: { maxBodyBytes: 32 * 1024, maxDepth: 8, maxAliases: 10, maxTokens: 800, maxDirectives: 5 },
    });
  });
  afterAll(() => handle.close());

  const post = (body: BodyInit, headers: Record<string, string> = {}, server = yoga) =>
    server.fetch(
      'http://localhost/graphql',
      { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body },
      { clientAddress: LOOPBACK },
    );
  const query = async (q: string, variables?: Record<string, unknown>, server = yoga) => {
    const res = await post(JSON.stringify({ query: q, variables }), {}, server);
    return {
      status: res.status,
      body: (await res.json()) as { data?: unknown; errors?: Array<{ message: string }> },
    };
  };

  it('rejects a depth bomb, naming the depth limit', async () => {
    const bomb = `{ citations { nodes { authors { citations { nodes { authors { citations { nodes { authors { citations { nodes { id } } } } } } } } } } } }`;
    const r = await query(bomb);
    expect(r.body.data).toBeUndefined();
    expect(r.body.errors?.[0]?.message).toMatch(/depth limit of 8/i);
  });

  it('rejects an alias bomb, naming the alias limit', async () => {
    const aliases = Array.from({ length: 50 }, (_, i) => `a${i}: citations(first: 1) { totalCount }`).join(
      ' ',
    );
    const r = await query(`{ ${aliases} }`);
    expect(r.body.errors?.[0]?.message).toMatch(/aliases limit of 10/i);
  });

  it('rejects 1,000 repeated fields by the token limit before validation', async () => {
    const r = await query(`{ citations(first: 1) { ${'totalCount '.repeat(1000)} } }`);
    expect(r.body.errors?.[0]?.message).toMatch(/token limit of 800/i);
  });

  it('rejects too many directives, naming the limit', async () => {
    const r = await query(`{ citations(first: 1) { totalCount ${'@include(if: true) '.repeat(8)} } }`);
    expect(r.body.errors?.[0]?.message).toMatch(/directives limit of 5/i);
  });

  it('rejects huge page sizes, literal or in a variable, naming the page-size limit', async () => {
    const literal = await query('{ citations(first: 100000) { nodes { id } } }');
    expect(literal.body.errors?.[0]?.message).toBe(
      'first: 100000 on field "citations" exceeds the maximum page size of 100 (BIBGRAPH_MAX_PAGE_SIZE)',
    );
    const viaVariable = await query('query($n: Int!) { keywords(last: $n) { nodes { id } } }', { n: 5000 });
    expect(viaVariable.body.errors?.[0]?.message).toMatch(/last: 5000 .* maximum page size of 100/);
  });

  it('judges every request by its own variables, whatever the same query text got before', async () => {
    const paged = 'query Paged($n: Int) { citations(first: $n) { nodes { id } } }';
    expect((await query(paged, { n: 5 })).body.errors).toBeUndefined();
    expect((await query(paged, { n: 3000 })).body.errors?.[0]?.message).toMatch(
      /first: 3000 .* maximum page/,
    );
    expect((await query(paged, { n: 5 })).body.errors).toBeUndefined();
    const lookup = 'query Lookup($d: String) { citation(doi: $d) { title } }';
    expect((await query(lookup, { d: 5 })).body.errors?.[0]?.message).toMatch(/String cannot represent/);
    const good = await query(lookup, { d: '10.5555/none' });
    expect(good.body.errors).toBeUndefined();
    expect(good.body.data).toEqual({ citation: null });
  });

  it('refuses NUL characters in string arguments with a clear error, but not in RIS text', async () => {
    const literal = await query('{ citations(filter: { search: "a\\u0000b" }) { totalCount } }');
    expect(literal.body.errors?.[0]).toMatchObject({
      message: 'Field "search" contains a NUL character (U+0000), which no stored text can hold',
      extensions: { code: 'BAD_USER_INPUT' },
    });
    const variable = await query('query($s: String) { authors(search: $s) { totalCount } }', {
      s: 'a\u0000b',
    });
    expect(variable.body.errors?.[0]?.message).toMatch(/^Variable \$s contains a NUL character/);
    const ris = await query(
      'mutation($ris: String!) { ingestRis(input: { ris: $ris, dryRun: true }) { found problems { message } } }',
      {
        ris: `${'TY  - JOUR\nTI  - padding record\nER  - \n'.repeat(40)}TY  - JOUR\nTI  - a\u0000b\nER  - \n`,
      },
    );
    expect(ris.body.errors).toBeUndefined();
    expect(JSON.stringify(ris.body.data)).toMatch(/held NUL characters; they were removed/);
    // Exempt by the field, not by a variable's name: the source label beside the RIS text is not.
    const whole = 'mutation($input: IngestRisInput!) { ingestRis(input: $input) { found } }';
    const text = `${'TY  - JOUR\nTI  - padding record\nER  - \n'.repeat(40)}TY  - JOUR\nTI  - a\u0000b\nER  - \n`;
    expect((await query(whole, { input: { ris: text, dryRun: true } })).body.errors).toBeUndefined();
    const labelled = await query(whole, { input: { ris: text, source: 'x\u0000', dryRun: true } });
    expect(labelled.body.errors?.[0]?.message).toMatch(/^Variable \$input\.source contains a NUL character/);
  });

  it('treats IDs beyond the 32-bit range as unknown, not as internal errors', async () => {
    const huge = Buffer.from('Citation:99999999999').toString('base64');
    const hugeKeyword = Buffer.from('Keyword:99999999999').toString('base64');
    const r = await query(
      `{ citation(id: "${huge}") { id } node(id: "${huge}") { id } citations(filter: { keywordIds: ["${hugeKeyword}"] }) { totalCount } }`,
    );
    expect(r.body.errors).toBeUndefined();
    expect(r.body.data).toEqual({ citation: null, node: null, citations: { totalCount: 0 } });
    const del = await query(`mutation { deleteCitation(id: "${huge}") { __typename } }`);
    expect(del.body.data).toEqual({ deleteCitation: { __typename: 'NotFoundError' } });
  });

  it('limits nodes(ids:) like a page', async () => {
    const ids = Array.from({ length: 101 }, (_, i) => Buffer.from(`Citation:${i + 1}`).toString('base64'));
    const r = await query('query($ids: [ID!]!) { nodes(ids: $ids) { id } }', { ids });
    expect(r.body.errors?.[0]?.message).toMatch(
      /^ids: 101 IDs on field "nodes" exceed the maximum page size of 100/,
    );
  });

  it('names what is wrong in an inline argument', async () => {
    const wrongType = await query('{ citation(doi: 5) { title } }');
    expect(wrongType.body.errors?.[0]?.message).toBe('String cannot represent a non string value: 5');
    const missing = await query('mutation { ingestRis(input: { source: "x" }) { created } }');
    expect(missing.body.errors?.[0]?.message).toBe(
      'Field "IngestRisInput.ris" of required type "String!" was not provided.',
    );
  });

  it('rejects a costly nesting of pages, naming the cost limit', async () => {
    const r = await query(
      '{ citations(first: 100) { nodes { authors { citations(first: 100) { nodes { id title } } } } } }',
    );
    expect(r.body.errors?.[0]?.message).toMatch(
      /^Query cost of \d+ exceeds the cost limit of 30000 \(BIBGRAPH_MAX_COST\)/,
    );
  });

  it('answers 413 for an oversized body, declared or streamed', async () => {
    const big = JSON.stringify({
      query: '{ citations { totalCount } }',
      variables: { pad: 'x'.repeat(40 * 1024) },
    });
    const declared = await post(big, { 'content-length': String(Buffer.byteLength(big)) });
    expect(declared.status).toBe(413);
    expect((await declared.json()).errors[0].message).toMatch(
      /request body limit of 32 KB \(BIBGRAPH_MAX_BODY_SIZE\)/,
    );
    const stream = new ReadableStream({
      start(controller) {
        controller.enqueue(new TextEncoder().encode(big));
        controller.close();
      },
    });
    const streamed = await yoga.fetch(
      'http://localhost/graphql',
      {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: stream,
        duplex: 'half',
      } as RequestInit,
      { clientAddress: LOOPBACK },
    );
    expect(streamed.status).toBe(413);
  });

  it('answers 413 for an oversized upload, naming the upload limit', async () => {
    const form = new FormData();
    form.append(
      'operations',
      JSON.stringify({
        query: 'mutation($f: File!) { ingestRisFile(file: $f) { created } }',
        variables: { f: null },
      }),
    );
    form.append('map', JSON.stringify({ 0: ['variables.f'] }));
    form.append('0', new File(['x'.repeat(200 * 1024)], 'huge.ris'));
    const body = new Response(form);
    const bytes = await body.arrayBuffer();
    const res = await yoga.fetch(
      'http://localhost/graphql',
      {
        method: 'POST',
        body: bytes,
        headers: {
          'content-type': body.headers.get('content-type') as string,
          'content-length': String(bytes.byteLength),
          'x-graphql-yoga-csrf': '1',
        },
      },
      { clientAddress: LOOPBACK },
    );
    expect(res.status).toBe(413);
    expect((await res.json()).errors[0].message).toMatch(
      /upload size limit of 64 KB \(BIBGRAPH_MAX_INGEST_SIZE\)/,
    );
  });

  it("takes uploads up to the configured limit, past Yoga's own 25 MB default", async () => {
    const roomy = createServer({ database: handle, maxIngestBytes: 40 * 1024 * 1024 });
    const form = new FormData();
    form.append(
      'operations',
      JSON.stringify({
        query: 'mutation($f: File!) { ingestRisFile(file: $f, dryRun: true) { created } }',
        variables: { f: null },
      }),
    );
    form.append('map', JSON.stringify({ 0: ['variables.f'] }));
    // 26 MB that the sniffer turns away at once: the answer proves the body got through.
    form.append('0', new File([`@article{x,\n  title = {${'x'.repeat(26 * 1024 * 1024)}}\n}\n`], 'big.bib'));
    const res = await roomy.fetch(
      'http://localhost/graphql',
      { method: 'POST', body: form, headers: { 'x-graphql-yoga-csrf': '1' } },
      { clientAddress: LOOPBACK },
    );
    const body = (await res.json()) as {
      errors?: Array<{ message: string; extensions?: { code?: string } }>;
    };
    expect(res.status).toBe(200);
    expect(body.errors?.[0]?.extensions?.code).toBe('UNSUPPORTED_FORMAT');
  });

  it('refuses a mutation over GET and requests a browser could forge (CSRF)', async () => {
    const q = encodeURIComponent(
      'mutation { ingestRis(input: { ris: "TY  - JOUR\\nER  - \\n" }) { created } }',
    );
    const get = await yoga.fetch(
      `http://localhost/graphql?query=${q}`,
      { headers: { 'x-graphql-yoga-csrf': '1' } },
      { clientAddress: LOOPBACK },
    );
    expect(get.status).toBe(405);
    // A plain cross-site GET (a link, an <img>) can carry a mutation but never runs it.
    const plainGet = await yoga.fetch(`http://localhost/graphql?query=${q}`, {}, { clientAddress: LOOPBACK });
    expect(plainGet.status).toBe(405);
    // A form post is what a page on another site can send without a preflight: it needs the header.
    const form = new FormData();
    form.set(
      'operations',
      JSON.stringify({
        query: 'mutation { ingestRis(input: { ris: "TY  - JOUR\\nER  - \\n" }) { created } }',
      }),
    );
    form.set('map', '{}');
    const forged = await yoga.fetch(
      'http://localhost/graphql',
      { method: 'POST', body: form },
      { clientAddress: LOOPBACK },
    );
    expect(forged.status).toBe(403);
    const body = await forged.json();
    expect(body.errors[0].message).toMatch(/CSRF/);
    expect(body.errors[0].extensions.code).toBe('FORBIDDEN');
  });

  it('rate-limits per IP address and per token with 429 and Retry-After', async () => {
    const limited = createServer({
      database: handle,
      maxIngestBytes: 1024,
      auth: { apiTokens: [ENV_TOKEN] },
      limits: { rateLimitPerIp: 2, rateLimitPerToken: 3, rateLimitWindowSeconds: 60 },
    });
    const send = (address: string, headers: Record<string, string> = {}) =>
      limited.fetch(
        'http://localhost/graphql',
        {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...headers },
          body: '{"query":"{ __typename }"}',
        },
        { clientAddress: address },
      );
    expect((await send('198.51.100.1')).status).toBe(200);
    expect((await send('198.51.100.1')).status).toBe(200);
    const third = await send('198.51.100.1');
    expect(third.status).toBe(429);
    expect(Number(third.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await third.json()).errors[0].message).toMatch(
      /2 requests per 60 s per IP address \(BIBGRAPH_RATE_LIMIT_IP\)/,
    );
    expect((await send('198.51.100.2')).status).toBe(200);
    const auth = { authorization: `Bearer ${ENV_TOKEN}` };
    for (let i = 0; i < 3; i++) expect((await send('198.51.100.1', auth)).status).toBe(200);
    const over = await send('198.51.100.3', auth);
    expect(over.status).toBe(429);
    expect((await over.json()).errors[0].message).toMatch(/per token \(BIBGRAPH_RATE_LIMIT_TOKEN\)/);
  });

  it('hides field suggestions when configured, and masks internal errors', async () => {
    const open = await query('{ citatons { totalCount } }');
    expect(open.body.errors).toHaveLength(1);
    expect(open.body.errors?.[0]?.message).toMatch(
      /^Cannot query field "citatons" on type "Query"\. Did you mean/,
    );
    const hidden = createServer({
      database: handle,
      maxIngestBytes: 1024,
      limits: { hideFieldSuggestions: true },
    });
    const r = await query('{ citatons { totalCount } }', undefined, hidden);
    expect(r.body.errors).toHaveLength(1);
    expect(r.body.errors?.[0]?.message).toMatch(/^Cannot query field "citatons" on type "Query"/);
    expect(r.body.errors?.[0]?.message).not.toMatch(/Did you mean/);
    // An internal failure reaches the client as a generic message, without a stack or SQL.
    const broken = await query('{ node(id: "bm90LWEtdHlwZTox") { id } }');
    expect(JSON.stringify(broken.body)).not.toMatch(/\.ts:\d+|select |postgres/i);
  });

  it('cuts off a query that runs past the time limit', async () => {
    await inRolledBackTransaction(handle, async (tx) => {
      // Enough rows that a page with nested lists and facets takes well over a millisecond.
      const records = Array.from(
        { length: 60 },
        (_, i) =>
          `TY  - JOUR\nTI  - Slow ${i}\nAU  - Person${i}, A.\nKW  - k${i % 7}\nPY  - ${1990 + (i % 30)}\nER  - \n`,
      ).join('');
      await ingestRis(tx, records);
      const slow = createServer({ database: handle, maxIngestBytes: 1024, limits: { requestTimeoutMs: 1 } });
      const res = await slow.fetch(
        'http://localhost/graphql',
        {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({
            query:
              '{ citations(first: 100) { totalCount nodes { id title authors { name } keywords { term } } facets { years { value count } keywords { value count } } } }',
          }),
        },
        { db: tx, clientAddress: LOOPBACK },
      );
      const body = (await res.json()) as { errors?: Array<{ message: string }> };
      expect(body.errors?.[0]?.message).toBe(
        'Query exceeded the request time limit of 1 ms (BIBGRAPH_REQUEST_TIMEOUT)',
      );
    });
  });
});
