import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateRis } from '../../bench/lib/generate-ris.ts';
import { type Database, type DatabaseHandle, rowsOf } from '../../src/db/client.ts';
import { IngestError } from '../../src/ingest/errors.ts';
import { type IngestInput, type IngestReport, ingestRis } from '../../src/ingest/ingest.ts';
import { PrepareWorkerError, preparePool } from '../../src/ingest/prepare-pool.ts';
import { databaseTargets, inRolledBackTransaction, openTestDatabase } from '../support/db.ts';
import { root, runNode } from '../support/process.ts';

/*
 * Ingest input is parsed and mapped in a worker thread (src/ingest/prepare-pool.ts) so a server's
 * reads are not held up behind it. The worker must change nothing but where the work runs.
 */

/** `text` as a stream of small byte chunks, so decoding and lines cross chunk boundaries. */
async function* inPieces(bytes: Uint8Array, size = 4096): AsyncGenerator<Uint8Array> {
  for (let at = 0; at < bytes.length; at += size) yield bytes.subarray(at, at + size);
}

const generated = generateRis(200, 5);
const inputs: Array<{ name: string; input: () => IngestInput }> = [
  {
    name: 'generated records, some repeated in a later batch, streamed in 4 KB pieces',
    input: () => inPieces(Buffer.from(generated + generateRis(40, 5))),
  },
  {
    name: 'a string with problems: a lone surrogate, a record without TY, an unknown type',
    input: () =>
      `TY  - JOUR\nTI  - Broken \ud800 title\nAU  - Doe, Jane\nPY  - 2020\nER  - \n\nTI  - No type line\nER  - \n\nTY  - WHAT\nTI  - Odd type\nPY  - 1999\nER  - \n\nTY  - JOUR\nER  - \n`,
  },
  {
    name: 'Windows-1252 bytes',
    input: () =>
      Buffer.from(
        'TY  - JOUR\r\nTI  - Caf\xe9 \x93quoted\x94 \x96 dash\r\nAU  - M\xfcller, J\xfcrgen\r\nER  - \r\n',
        'latin1',
      ),
  },
];

/** A report and the rows it stored, without the ids a rolled-back run still used up. */
async function ingestAndDump(tx: Database, input: IngestInput, offThread: boolean) {
  const report: IngestReport = await ingestRis(tx, input, {
    offThread,
    batchSize: 64,
    source: 'worker test',
  });
  const citations = rowsOf(
    await tx.execute(
      sql`select title, doi, conflicting_doi, fingerprint, raw_hash, raw_record, raw_tags::text, year, date, abstract from citations c join ingestions i on i.id = c.ingestion_id where i.source = 'worker test' order by raw_record, title`,
    ),
  );
  const links = rowsOf(
    await tx.execute(
      sql`select c.raw_record, a.name_key, k.role, k.position, k.name_as_written from contributions k join citations c on c.id = k.citation_id join authors a on a.id = k.author_id join ingestions i on i.id = c.ingestion_id where i.source = 'worker test' order by 1, 3, 4`,
    ),
  );
  const keywords = rowsOf(
    await tx.execute(
      sql`select c.raw_record, w.term_key, ck.position from citation_keywords ck join citations c on c.id = ck.citation_id join keywords w on w.id = ck.keyword_id join ingestions i on i.id = c.ingestion_id where i.source = 'worker test' order by 1, 3`,
    ),
  );
  return {
    report: {
      ...report,
      ingestionId: report.ingestionId === null ? null : 'stored',
      outcomes: report.outcomes.map((o) => ({ ...o, citationId: o.citationId === null ? null : 'stored' })),
      problems: report.problems.map((p) => ({
        ...p,
        message: p.message.replace(/Citation:\d+/g, 'Citation:#'),
      })),
    },
    citations,
    links,
    keywords,
  };
}

async function count(db: Database, query: string): Promise<number> {
  return rowsOf<{ n: number }>(await db.execute(sql.raw(query)))[0]?.n ?? -1;
}

/** `n` small records with titles no other test uses. */
function papers(label: string, n: number): string {
  let out = '';
  for (let i = 0; i < n; i++)
    out += `TY  - JOUR\nTI  - ${label} paper ${i}\nAU  - Writer${i % 7}, Ann\nPY  - 2022\nER  - \n\n`;
  return out;
}

describe.each(databaseTargets)('parsing ingest input in a worker thread on $name', ({ url }) => {
  let handle: DatabaseHandle;
  beforeAll(async () => {
    handle = await openTestDatabase(url);
  });
  afterAll(() => handle.close());

  // Two ingests of a few hundred records each: slow on PGlite when the machine is busy.
  it.each(inputs)(
    'stores the same rows and reports the same as parsing inline: $name',
    { timeout: 120_000 },
    async ({ input }) => {
      const jobs = preparePool.stats().jobs;
      const inline = await inRolledBackTransaction(handle, (tx) => ingestAndDump(tx, input(), false));
      const worker = await inRolledBackTransaction(handle, (tx) => ingestAndDump(tx, input(), true));
      expect(preparePool.stats().jobs).toBe(jobs + 1);
      expect(inline.report.found).toBeGreaterThan(0);
      expect(worker).toEqual(inline);
    },
  );

  it('gives the same UNSUPPORTED_FORMAT error as parsing inline', async () => {
    const notRis = '<?xml version="1.0"?><records><record/></records>\n';
    const attempt = (offThread: boolean) =>
      inRolledBackTransaction(handle, (tx) => ingestRis(tx, notRis, { offThread }).catch((e: unknown) => e));
    const inline = await attempt(false);
    const worker = await attempt(true);
    expect(inline).toBeInstanceOf(IngestError);
    expect(worker).toEqual(inline);
  });

  // The ingests below run inside a transaction (as a savepoint) that is rolled back at the end:
  // other test files count rows on the same PostgreSQL database.
  it('fails the whole ingest cleanly when the worker dies, and stores nothing', async () => {
    await inRolledBackTransaction(handle, async (tx) => {
      let killed = false;
      const failure = await ingestRis(tx, inPieces(Buffer.from(papers('Worker death', 3000))), {
        source: 'worker death',
        batchSize: 100,
        onProgress: () => {
          // The first progress event comes after 64 KB, long before the worker could have finished.
          if (!killed) void preparePool.close();
          killed = true;
        },
      }).catch((e: unknown) => e);
      expect(killed).toBe(true);
      expect(failure).toBeInstanceOf(PrepareWorkerError);
      expect((failure as Error).message).toMatch(/parsing worker stopped unexpectedly/);
      expect(await count(tx, "select count(*)::int as n from ingestions where source = 'worker death'")).toBe(
        0,
      );
      expect(
        await count(tx, "select count(*)::int as n from citations where title like 'Worker death %'"),
      ).toBe(0);
      expect(preparePool.stats().busy).toBe(0);

      // The pool starts a new worker for the next ingest.
      const after = await ingestRis(tx, inPieces(Buffer.from(papers('After worker death', 5))));
      expect(after.created).toBe(5);
    });
  });

  it('still refuses input over the size limit, found while the worker asks for more', async () => {
    await inRolledBackTransaction(handle, async (tx) => {
      const failure = await ingestRis(tx, inPieces(Buffer.from(papers('Worker too large', 2000))), {
        source: 'worker too large',
        batchSize: 50,
        maxBytes: 50_000,
      }).catch((e: unknown) => e);
      expect(failure).toBeInstanceOf(IngestError);
      expect((failure as IngestError).code).toBe('PAYLOAD_TOO_LARGE');
      expect(
        await count(tx, "select count(*)::int as n from ingestions where source = 'worker too large'"),
      ).toBe(0);
      expect(preparePool.stats().busy).toBe(0);
    });
  });
});

describe('the parsing worker and the process', () => {
  it('does not keep a process alive once its ingests are done', { timeout: 120_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bibgraph-worker-'));
    try {
      const script = join(dir, 'ingest.mts');
      // No process.exit: the script ends when nothing is left to run, an idle worker included.
      writeFileSync(
        script,
        `import { openDatabase } from ${JSON.stringify(join(root, 'src/db/client.ts'))};
import { ingestRis } from ${JSON.stringify(join(root, 'src/ingest/ingest.ts'))};
const handle = await openDatabase({ databaseUrl: null, dataDir: 'memory://' });
const report = await ingestRis(handle.db, ${JSON.stringify(papers('Exit test', 20))}, { offThread: true });
console.log('created', report.created);
await handle.close();
`,
      );
      const run = await runNode(['--import', 'tsx', script], { env: process.env });
      expect(run.stderr).toBe('');
      expect(run.stdout.trim()).toBe('created 20');
      expect(run.code).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
