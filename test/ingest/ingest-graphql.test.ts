import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DatabaseHandle, rowsOf } from '../../src/db/client.ts';
import { type BibgraphServer, createServer } from '../../src/server/server.ts';
import { databaseTargets, inRolledBackTransaction, openTestDatabase } from '../support/db.ts';
import { gql, LOOPBACK } from '../support/graphql.ts';

const ingest = `mutation($ris: String!, $dryRun: Boolean) {
  ingestRis(input: { ris: $ris, dryRun: $dryRun, source: "test" }) {
    dryRun found created updated unchanged failed
    problems { record line severity message }
    records { record line action matchedBy title citation { id title } }
    citations { id title doi authors { id name } keywords { id term } affiliations { id name } }
    ingestion { id found }
  }
}`;

const record = (lines: string[]) => `${lines.join('\n')}\nER  - \n`;

const paperA = record([
  'TY  - JOUR',
  'TI  - Mesenchymal stem cells in thrombocytopenia',
  'AU  - Wang, Xiaohua',
  'AU  - Müller, Käthe',
  'PY  - 2019',
  'KW  - Stem Cells',
  'KW  - ITP',
  'AD  - Department of Hematology, Charité, Berlin, Germany',
]);
const paperB = record([
  'TY  - JOUR',
  'TI  - A second paper by the same people',
  'AU  - WANG, Xiaohua',
  'AU  - Wang, X.',
  'PY  - 2020',
  'DO  - https://doi.org/10.1000/XYZ.123',
  'KW  - stem cells',
  'AD  - Department of Hematology, Charité, Berlin, Germany',
]);

async function count(tx: Parameters<Parameters<typeof inRolledBackTransaction>[1]>[0], table: string) {
  const rows = rowsOf<{ n: number }>(await tx.execute(sql.raw(`select count(*)::int as n from ${table}`)));
  return rows[0]?.n ?? 0;
}

describe.each(databaseTargets)('ingestion through GraphQL on $name', ({ url }) => {
  let handle: DatabaseHandle;
  let yoga: BibgraphServer;
  beforeAll(async () => {
    handle = await openTestDatabase(url);
    yoga = createServer({ database: handle, maxIngestBytes: 64 * 1024, maskErrors: true });
  });
  afterAll(() => handle.close());

  it('deduplicates authors, keywords and affiliations across records', async () => {
    await inRolledBackTransaction(handle, async (tx) => {
      const r = await gql(yoga, tx, ingest, { ris: paperA + paperB });
      expect(r.errors).toBeUndefined();
      const p = r.data?.ingestRis;
      expect(p).toMatchObject({ found: 2, created: 2, updated: 0, unchanged: 0, failed: 0 });
      const [a, b] = p.citations;
      // "Wang, Xiaohua" = "WANG, Xiaohua"; "Wang, X." (initial only) stays a separate author.
      expect(b.authors[0].id).toBe(a.authors[0].id);
      expect(b.authors[1].id).not.toBe(a.authors[0].id);
      expect(b.keywords[0].id).toBe(a.keywords[0].id);
      expect(b.affiliations[0].id).toBe(a.affiliations[0].id);
      expect(b.doi).toBe('10.1000/xyz.123');
      expect(await count(tx, 'authors')).toBe(3);
      expect(await count(tx, 'keywords')).toBe(2);
      expect(await count(tx, 'affiliations')).toBe(1);
      // created + updated + unchanged + failed = found
      expect(p.records.map((x: { action: string }) => x.action)).toEqual(['CREATED', 'CREATED']);
      expect(p.ingestion.found).toBe(2);
    });
  });

  it('updates a known citation from a richer record and leaves the same record unchanged', async () => {
    await inRolledBackTransaction(handle, async (tx) => {
      await gql(yoga, tx, ingest, { ris: paperA });
      const richer = paperA.replace(
        'PY  - 2019',
        'PY  - 2019\nDA  - 2019/03/04\nVL  - 7\nKW  - Platelets\nAU  - Third, Author',
      );
      const r = await gql(yoga, tx, ingest, { ris: richer + paperA });
      const p = r.data?.ingestRis;
      expect(p).toMatchObject({ found: 2, created: 0, updated: 1, unchanged: 1, failed: 0 });
      expect(p.records.map((x: { matchedBy: string }) => x.matchedBy)).toEqual([
        'FINGERPRINT',
        'FINGERPRINT',
      ]);
      const c = p.citations[0];
      expect(c.authors.map((x: { name: string }) => x.name)).toEqual([
        'Xiaohua Wang',
        'Käthe Müller',
        'Author Third',
      ]);
      expect(c.keywords.map((x: { term: string }) => x.term)).toEqual(['Stem Cells', 'ITP', 'Platelets']);
      expect(await count(tx, 'citations')).toBe(1);
    });
  });

  it('matches a DOI in any form and case', async () => {
    await inRolledBackTransaction(handle, async (tx) => {
      await gql(yoga, tx, ingest, { ris: paperB });
      const again = paperB
        .replace('https://doi.org/10.1000/XYZ.123', 'doi:10.1000/xyz.123')
        .replace('A second', 'The second');
      const r = await gql(yoga, tx, ingest, { ris: again });
      expect(r.data?.ingestRis.records[0]).toMatchObject({ matchedBy: 'DOI' });
      expect(await count(tx, 'citations')).toBe(1);
    });
  });

  it('dry run reports what would happen, with existing matches, and writes nothing', async () => {
    await inRolledBackTransaction(handle, async (tx) => {
      await gql(yoga, tx, ingest, { ris: paperA });
      const before = await Promise.all(
        ['citations', 'authors', 'keywords', 'ingestions'].map((t) => count(tx, t)),
      );
      const r = await gql(yoga, tx, ingest, { ris: paperA + paperB, dryRun: true });
      const p = r.data?.ingestRis;
      expect(p).toMatchObject({ dryRun: true, found: 2, created: 1, unchanged: 1, ingestion: null });
      expect(p.records[0]).toMatchObject({ action: 'UNCHANGED', matchedBy: 'FINGERPRINT' });
      expect(p.records[0].citation.title).toBe('Mesenchymal stem cells in thrombocytopenia');
      expect(p.records[1]).toMatchObject({ action: 'CREATED', citation: null });
      const after = await Promise.all(
        ['citations', 'authors', 'keywords', 'ingestions'].map((t) => count(tx, t)),
      );
      expect(after).toEqual(before);
    });
  });

  it('skips a record that cannot be mapped, reports it with record and line, and stores the rest', async () => {
    await inRolledBackTransaction(handle, async (tx) => {
      const empty = 'TY  - JOUR\nER  - \n';
      const r = await gql(yoga, tx, ingest, { ris: `${paperA}\n${empty}\n${paperB}` });
      const p = r.data?.ingestRis;
      expect(p).toMatchObject({ found: 3, created: 2, failed: 1 });
      expect(p.created + p.updated + p.unchanged + p.failed).toBe(p.found);
      const failed = p.records.find((x: { action: string }) => x.action === 'FAILED');
      expect(failed).toMatchObject({ record: 2, citation: null });
      const problem = p.problems.find((x: { severity: string }) => x.severity === 'ERROR');
      expect(problem.record).toBe(2);
      expect(problem.line).toBe(failed.line);
      expect(problem.message).toMatch(/nothing to store/i);
    });
  });

  it('rolls the whole call back when the database fails', async () => {
    await inRolledBackTransaction(handle, async (tx) => {
      await tx.execute(
        sql.raw(`create function bibgraph_test_boom() returns trigger language plpgsql as $$
          begin if new.title = 'BOOM' then raise exception 'simulated disk failure'; end if; return new; end $$`),
      );
      await tx.execute(
        sql.raw(
          'create trigger bibgraph_test_boom before insert on citations for each row execute function bibgraph_test_boom()',
        ),
      );
      const boom = record(['TY  - JOUR', 'TI  - BOOM', 'PY  - 2001']);
      const r = await gql(yoga, tx, ingest, { ris: paperA + boom });
      expect(r.data).toBeNull();
      expect(r.errors?.[0]?.message).toMatch(/rolled back/);
      expect(r.errors?.[0]?.extensions?.code).toBe('DATABASE');
      expect(await count(tx, 'citations')).toBe(0);
      expect(await count(tx, 'ingestions')).toBe(0);
    });
  });

  it.each([
    ['BibTeX', '@article{key,\n  title = {A title},\n  year = 2020\n}\n', /BibTeX/],
    ['MEDLINE', 'PMID- 12345678\nOWN - NLM\nTI  - A title\n', /MEDLINE|PubMed/i],
    [
      'Web of Science',
      'FN Clarivate Analytics Web of Science\nVR 1.0\nPT J\nAU Smith, J\nER\n',
      /Web of Science/,
    ],
    ['empty', '   \n\n', /empty/i],
  ])('rejects %s input with a message that says what it looks like', async (_name, input, message) => {
    await inRolledBackTransaction(handle, async (tx) => {
      const r = await gql(yoga, tx, ingest, { ris: input });
      expect(r.errors?.[0]?.message).toMatch(message);
      expect(r.errors?.[0]?.extensions?.code).toBe('NOT_RIS');
      expect(await count(tx, 'citations')).toBe(0);
    });
  });

  it('rejects input over the configured size limit', async () => {
    await inRolledBackTransaction(handle, async (tx) => {
      const r = await gql(yoga, tx, ingest, { ris: paperA.repeat(400) });
      expect(r.errors?.[0]?.message).toMatch(/over the ingest size limit of 65536 bytes/);
      expect(r.errors?.[0]?.extensions?.code).toBe('TOO_LARGE');
    });
  });

  it('ingests an uploaded file (multipart request)', async () => {
    await inRolledBackTransaction(handle, async (tx) => {
      const form = new FormData();
      form.append(
        'operations',
        JSON.stringify({
          query:
            'mutation($file: File!) { ingestRisFile(file: $file) { created ingestion { source } citations { title } } }',
          variables: { file: null },
        }),
      );
      form.append('map', JSON.stringify({ 0: ['variables.file'] }));
      // UTF-16 with BOM, as some Windows exporters write it.
      const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(paperA, 'utf16le')]);
      form.append('0', new File([utf16], 'export.ris', { type: 'application/x-research-info-systems' }));
      // A multipart request is one a browser form could send cross-site, so it needs a CSRF header;
      // the loopback address stands in for a local client while no token exists.
      const res = await yoga.fetch(
        'http://localhost/graphql',
        { method: 'POST', body: form, headers: { 'x-graphql-yoga-csrf': '1' } },
        { db: tx, clientAddress: LOOPBACK },
      );
      const body = (await res.json()) as {
        data: {
          ingestRisFile: {
            created: number;
            ingestion: { source: string };
            citations: Array<{ title: string }>;
          };
        };
      };
      expect(body.data.ingestRisFile).toEqual({
        created: 1,
        ingestion: { source: 'export.ris' },
        citations: [{ title: 'Mesenchymal stem cells in thrombocytopenia' }],
      });
    });
  });
});
