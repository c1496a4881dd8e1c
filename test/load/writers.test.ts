import { sql } from 'drizzle-orm';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DatabaseHandle, openDatabase, rowsOf } from '../../src/db/client.ts';
import { writeTransaction } from '../../src/db/writers.ts';
import { INGEST_LOCK } from '../../src/ingest/ingest.ts';
import { type BibgraphServer, createServer } from '../../src/server/server.ts';
import { databaseTargets } from '../support/db.ts';
import type { GraphQLResult } from '../support/graphql.ts';
import { scratchDatabase } from '../support/scratch.ts';

/** `n` distinct journal articles; `tag` keeps files apart so counts add up. */
function risFile(tag: string, n: number): string {
  let out = '';
  for (let i = 0; i < n; i++) {
    out += `TY  - JOUR\nTI  - ${tag} paper number ${i}\nAU  - Person${i % 13}, Given\nAU  - Shared, Author\n`;
    out += `PY  - ${2000 + (i % 20)}\nKW  - topic ${i % 9}\nDO  - 10.5555/${tag}.${i}\nER  - \n\n`;
  }
  return out;
}

const INGEST = `mutation($ris: String!, $source: String) {
  ingestRis(input: { ris: $ris, source: $source }) { found created failed }
}`;
const READ = '{ citations(first: 5, orderBy: YEAR_DESC) { totalCount nodes { id title } } }';

/** A request from loopback on the server's own database (no transaction handed in). */
async function call(yoga: BibgraphServer, query: string, variables?: Record<string, unknown>) {
  const response = await yoga.fetch(
    'http://localhost/graphql',
    {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query, variables }),
    },
    { clientAddress: '127.0.0.1' },
  );
  return (await response.json()) as GraphQLResult;
}

async function countRows(handle: DatabaseHandle, table: string): Promise<number> {
  const [row] = rowsOf<{ n: number }>(
    await handle.db.execute(sql.raw(`select count(*)::int as n from ${table}`)),
  );
  return row?.n ?? 0;
}

/** A writer that holds the writers' turn until `release()` is called. */
function holdWriters(handle: DatabaseHandle, label: string) {
  let release!: () => void;
  let entered!: () => void;
  const holding = new Promise<void>((done) => {
    entered = done;
  });
  const done = writeTransaction(handle.db, label, async () => {
    entered();
    await new Promise<void>((r) => {
      release = r;
    });
  });
  return { holding, release: () => release(), done };
}

describe.each(databaseTargets)('writers and readers under load on $name', ({ name, url }) => {
  let scratch: { url: string; drop: () => Promise<void> } | null = null;
  const handles: DatabaseHandle[] = [];

  async function open(options: {
    writeWaitMs?: number;
    statementTimeoutMs?: number;
    maxConnections?: number;
  }) {
    const handle = await openDatabase({
      databaseUrl: scratch?.url ?? null,
      dataDir: 'memory://',
      ...options,
    });
    handles.push(handle);
    return handle;
  }

  beforeAll(async () => {
    if (url) scratch = await scratchDatabase(url, 'bibgraph_writers_load');
  });
  afterAll(async () => {
    await Promise.all(handles.map((h) => h.close()));
    await scratch?.drop();
  });

  it('runs three concurrent ingests and a merge to the end although each waits longer than the request timeout', async () => {
    // The request timeout bounds statements on PostgreSQL; waiting for the writers' turn must not be
    // one. Each ingest here takes seconds, so the last in line waits many times this timeout (which
    // is still long enough for the reads the merge makes on a machine busy with three ingests).
    const handle = await open({ statementTimeoutMs: 500 });
    const yoga = createServer({
      database: handle,
      maxIngestBytes: 50 * 1024 * 1024,
      maskErrors: false,
      limits: { requestTimeoutMs: 500 },
    });
    const seed = await call(yoga, INGEST, {
      ris: 'TY  - JOUR\nTI  - Seed\nAU  - Doe, Jane\nAU  - DOE, J.\nPY  - 2001\nER  - \n',
    });
    expect(seed.errors).toBeUndefined();
    const people = await call(yoga, '{ authors(search: "doe", first: 5) { nodes { id name } } }');
    const ids = ((people.data?.authors.nodes ?? []) as Array<{ id: string }>).map((a) => a.id);
    expect(ids).toHaveLength(2);

    const n = name === 'pglite' ? 400 : 1500;
    const ingests = ['alpha', 'beta', 'gamma'].map((tag) =>
      call(yoga, INGEST, { ris: risFile(tag, n), source: tag }),
    );
    const merge = call(
      yoga,
      'mutation($into: ID!, $from: [ID!]!) { mergeAuthors(into: $into, from: $from) { __typename } }',
      {
        into: ids[0],
        from: [ids[1]],
      },
    );
    const results = await Promise.all([...ingests, merge]);
    for (const r of results) expect(r.errors, JSON.stringify(r.errors)).toBeUndefined();
    for (const r of results.slice(0, 3))
      expect(r.data?.ingestRis).toEqual({ found: n, created: n, failed: 0 });
    expect(results[3]?.data?.mergeAuthors.__typename).toBe('MergeAuthorsPayload');
    expect(await countRows(handle, 'citations')).toBe(3 * n + 1);
  }, 120_000);

  it('answers BUSY, saying how long it waited and for what, when the writers do not get a turn in time', async () => {
    const handle = await open({ writeWaitMs: 300, statementTimeoutMs: 100 });
    const yoga = createServer({
      database: handle,
      maxIngestBytes: 1024 * 1024,
      limits: { requestTimeoutMs: 100 },
    });
    const holder = holdWriters(handle, 'test holder');
    await holder.holding;
    try {
      const result = await call(yoga, INGEST, { ris: risFile('busy', 2) });
      expect(result.data?.ingestRis ?? null).toBeNull();
      expect(result.errors?.[0]?.extensions?.code).toBe('BUSY');
      expect(result.errors?.[0]?.message).toMatch(/waited 0\.3 s/);
      expect(result.errors?.[0]?.message).toMatch(/test holder/);
      expect(result.errors?.[0]?.message).toMatch(/BIBGRAPH_WRITE_WAIT/);
    } finally {
      holder.release();
      await holder.done;
    }
    // The turn is free again: the next write goes through.
    const after = await call(yoga, INGEST, { ris: risFile('after-busy', 2) });
    expect(after.errors).toBeUndefined();
  });

  it.skipIf(!url)(
    'answers BUSY naming another instance that holds the lock past the write wait',
    async () => {
      const handle = await open({ writeWaitMs: 400, statementTimeoutMs: 100 });
      const yoga = createServer({
        database: handle,
        maxIngestBytes: 1024 * 1024,
        limits: { requestTimeoutMs: 100 },
      });
      const other = postgres(scratch?.url as string, {
        max: 1,
        onnotice: () => {},
        connection: { application_name: 'other instance' },
      });
      try {
        await other`select pg_advisory_lock(${INGEST_LOCK})`;
        const result = await call(yoga, INGEST, { ris: risFile('busy-pg', 2) });
        expect(result.errors?.[0]?.extensions?.code).toBe('BUSY');
        expect(result.errors?.[0]?.message).toMatch(/waited 0\.4 s/);
        expect(result.errors?.[0]?.message).toMatch(/other instance/);
      } finally {
        await other.end();
      }
    },
  );

  it('answers reads while writers hold the lock and a dozen more wait for it', async () => {
    // A small pool: waiting writers holding connections would leave none for reads.
    const handle = await open({ maxConnections: 2 });
    const yoga = createServer({ database: handle, maxIngestBytes: 1024 * 1024 });
    const holder = holdWriters(handle, 'long ingest');
    await holder.holding;
    let released = false;
    const small = Array.from({ length: 12 }, (_, i) => call(yoga, INGEST, { ris: risFile(`small${i}`, 3) }));
    try {
      const reads = await Promise.all(Array.from({ length: 6 }, () => call(yoga, READ)));
      // Every read answered while the writers were still waiting for their turn.
      expect(released).toBe(false);
      for (const r of reads) {
        expect(r.errors).toBeUndefined();
        expect(typeof r.data?.citations.totalCount).toBe('number');
      }
    } finally {
      released = true;
      holder.release();
      await holder.done;
    }
    const done = await Promise.all(small);
    for (const r of done) {
      expect(r.errors).toBeUndefined();
      expect(r.data?.ingestRis.created).toBe(3);
    }
  }, 60_000);

  it.skipIf(!url)(
    'answers reads while another instance holds the lock and a dozen writers here wait',
    async () => {
      const handle = await open({ maxConnections: 2 });
      const yoga = createServer({ database: handle, maxIngestBytes: 1024 * 1024 });
      const other = postgres(scratch?.url as string, { max: 1, onnotice: () => {} });
      await other`select pg_advisory_lock(${INGEST_LOCK})`;
      let released = false;
      const small = Array.from({ length: 12 }, (_, i) =>
        call(yoga, INGEST, { ris: risFile(`other${i}`, 3) }),
      );
      try {
        // Wait until writers of this process are queued at the lock, and give the rest time to reach
        // it too (were they to wait on pooled connections, these would all be taken by now).
        for (;;) {
          const [row] = await other<{ n: number }[]>`select count(*)::int as n from pg_locks
          where locktype = 'advisory' and objid = ${INGEST_LOCK} and not granted`;
          if ((row?.n ?? 0) >= 1) break;
          await new Promise((r) => setTimeout(r, 20));
        }
        await new Promise((r) => setTimeout(r, 500));
        const reads = await Promise.all(Array.from({ length: 6 }, () => call(yoga, READ)));
        expect(released).toBe(false);
        for (const r of reads) expect(r.errors).toBeUndefined();
      } finally {
        released = true;
        await other`select pg_advisory_unlock(${INGEST_LOCK})`;
        await other.end();
      }
      for (const r of await Promise.all(small)) expect(r.data?.ingestRis.created).toBe(3);
    },
    60_000,
  );
});

describe('reads between ingest batches on PGlite', () => {
  let handle: DatabaseHandle;
  let yoga: BibgraphServer;
  beforeAll(async () => {
    handle = await openDatabase({ databaseUrl: null, dataDir: 'memory://' });
    yoga = createServer({ database: handle, maxIngestBytes: 50 * 1024 * 1024 });
  });
  afterAll(() => handle.close());

  it('answers reads while a multi-batch ingest is still running, and a failing read does not abort it', async () => {
    const { ingestRis } = await import('../../src/ingest/ingest.ts');
    let finished = false;
    let reads: Promise<unknown[]> | null = null;
    const records = risFile('batches', 600).split('\n\n');
    async function* input() {
      for (let i = 0; i < records.length; i++) {
        // Issued once the ingest's transaction is open and its first batches are written.
        if (i === 100) reads = startReads();
        yield `${records[i]}\n\n`;
      }
    }
    const startReads = () =>
      Promise.all([
        call(yoga, READ).then((r) => ({ finished, r })),
        handle.db.execute(sql`select count(*)::int as n from citations`).then(() => ({ finished })),
        // A read that fails inside the ingest's transaction must not take the ingest down with it.
        handle.db.execute(sql`select 1 / 0`).then(
          () => ({ finished, failed: false }),
          () => ({ finished, failed: true }),
        ),
      ]);
    const ingest = ingestRis(handle.db, input(), {
      batchSize: 20,
    }).then((report) => {
      finished = true;
      return report;
    });
    const report = await ingest;
    expect(reads).not.toBeNull();
    const [graphql, raw, failing] = (await reads) as unknown as [
      { finished: boolean; r: GraphQLResult },
      { finished: boolean },
      { finished: boolean; failed: boolean },
    ];
    expect(graphql.finished).toBe(false);
    expect(graphql.r.errors).toBeUndefined();
    expect(raw.finished).toBe(false);
    expect(failing).toEqual({ finished: false, failed: true });
    expect(report.created).toBe(600);
    expect(await countRows(handle, 'citations')).toBe(600);
  }, 60_000);
});
