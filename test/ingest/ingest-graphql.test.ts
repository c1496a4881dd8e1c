import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DatabaseHandle, rowsOf } from '../../src/db/client.ts';
import { type BibgraphServer, createServer } from '../../src/server/server.ts';
import {
  databaseTargets,
  failCitationInsert,
  inRolledBackTransaction,
  openTestDatabase,
} from '../support/db.ts';
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
      await failCitationInsert(tx, 'BOOM', 'simulated disk failure');
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
      expect(r.errors?.[0]?.extensions?.code).toBe('UNSUPPORTED_FORMAT');
      expect(await count(tx, 'citations')).toBe(0);
    });
  });

  it('rejects input over the configured size limit', async () => {
    await inRolledBackTransaction(handle, async (tx) => {
      const r = await gql(yoga, tx, ingest, { ris: paperA.repeat(400) });
      expect(r.errors?.[0]?.message).toMatch(/over the ingest size limit of 65536 bytes/);
      expect(r.errors?.[0]?.extensions?.code).toBe('PAYLOAD_TOO_LARGE');
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

  it('says a File argument needs an upload when it gets a string', async () => {
    await inRolledBackTransaction(handle, async (tx) => {
      const r = await gql(yoga, tx, 'mutation($f: File!) { ingestRisFile(file: $f) { created } }', {
        f: 'TY  - JOUR',
      });
      expect(r.errors?.[0]?.message).toMatch(/File expects an uploaded file: send a multipart request/);
      expect(r.errors?.[0]?.extensions?.code).not.toBe('INTERNAL_SERVER_ERROR');
    });
  });

  it('stores records whose title, author, affiliation, keyword or DOI is thousands of characters long', async () => {
    await inRolledBackTransaction(handle, async (tx) => {
      const long = 'Lorem ipsum dolor sit amet consectetur '.repeat(80);
      const huge = [
        record(['TY  - JOUR', `TI  - ${long}`, 'PY  - 2010']),
        record(['TY  - JOUR', 'TI  - long keyword', `KW  - ${long}`]),
        record(['TY  - JOUR', 'TI  - long people', `AU  - ${long}`, `AD  - ${long}`]),
        record(['TY  - JOUR', 'TI  - long DOI', `DO  - 10.1000/${'x'.repeat(3000)}`]),
        record([`TY  - ${long}`, 'TI  - long type']),
      ].join('');
      for (const dryRun of [true, false]) {
        const r = await gql(yoga, tx, ingest, { ris: paperA + huge, dryRun });
        expect(r.errors).toBeUndefined();
        expect(r.data?.ingestRis).toMatchObject({ found: 6, created: 6, failed: 0 });
      }
      // The same long values match again instead of failing or duplicating.
      const again = await gql(yoga, tx, ingest, { ris: huge });
      expect(again.data?.ingestRis).toMatchObject({ created: 0, unchanged: 5 });
      const warnings = again.data?.ingestRis.problems.map((p: { message: string }) => p.message).join('\n');
      expect(warnings).toMatch(/DO '10\.1000\/x+.*' is not a valid DOI/);
      expect(warnings).toMatch(/is not a reference type; using GEN/);
    });
  });

  it('a record without a TY, or with an empty one, gets one warning that says it is stored as GEN', async () => {
    await inRolledBackTransaction(handle, async (tx) => {
      const r = await gql(yoga, tx, ingest, {
        ris: 'TI  - No type at all\nAU  - Doe, Jane\nPY  - 2020\nER  - \n\nTY  - \nTI  - An empty type\nER  - \n',
      });
      expect(r.errors).toBeUndefined();
      expect(r.data?.ingestRis).toMatchObject({ found: 2, created: 2, failed: 0 });
      // One problem per record: the reader's, with its line, not a second one from the mapping
      // that contradicted it ("type left empty", then "using GEN").
      expect(r.data?.ingestRis.problems).toEqual([
        {
          record: 1,
          line: 1,
          severity: 'WARNING',
          message: 'Record 1 has no TY line (starts with TI on line 1); stored as GEN (generic)',
        },
        {
          record: 2,
          line: 6,
          severity: 'WARNING',
          message: 'Record 2 has an empty TY; stored as GEN (generic)',
        },
      ]);
    });
  });

  it('removes NUL characters deep in a file, says where, and stores the rest', async () => {
    await inRolledBackTransaction(handle, async (tx) => {
      const r = await gql(yoga, tx, ingest, {
        ris: `${paperA}${paperB}TY  - JOUR\nTI  - Broken\u0000 export\nKW  - k\u0000w\nER  - \n`,
      });
      expect(r.errors).toBeUndefined();
      expect(r.data?.ingestRis).toMatchObject({ found: 3, created: 3 });
      const nul = r.data?.ingestRis.problems.filter((p: { message: string }) => /NUL/.test(p.message));
      expect(nul).toEqual([
        expect.objectContaining({ record: 3, line: 20, severity: 'WARNING' }),
        expect.objectContaining({ record: 3, line: 21, severity: 'WARNING' }),
      ]);
      const titles = r.data?.ingestRis.citations.map((c: { title: string }) => c.title);
      expect(titles).toContain('Broken export');
    });
  });

  it('reports a copy that differs only in spelling as unchanged, and keeps the first raw record', async () => {
    await inRolledBackTransaction(handle, async (tx) => {
      const original = record([
        'TY  - JOUR',
        'TI  - Spelling test',
        'AU  - Smith, John',
        'DO  - 10.5555/foo',
      ]);
      const copy = record([
        'TY  - JOUR',
        'TI  - Spelling test',
        'AU  - SMITH, John',
        'DO  - https://doi.org/10.5555/FOO',
      ]);
      await gql(yoga, tx, ingest, { ris: original });
      const r = await gql(yoga, tx, ingest, { ris: copy });
      expect(r.data?.ingestRis).toMatchObject({ updated: 0, unchanged: 1 });
      // A poorer copy whose title differs only a little adds raw tags but rewrites nothing it was
      // given first; a title that is clearly another work is another citation (a DOI conflict).
      const variant = record(['TY  - JOUR', 'TI  - The spelling test', 'DO  - 10.5555/foo']);
      const other = record(['TY  - JOUR', 'TI  - Something else entirely', 'DO  - 10.5555/foo']);
      const both = await gql(yoga, tx, ingest, { ris: variant + other });
      expect(both.data?.ingestRis).toMatchObject({ updated: 1, created: 1 });
      const stored = await gql(
        yoga,
        tx,
        '{ citation(doi: "10.5555/foo") { title rawRecord rawTags { tag value } doiConflicts { title conflictingDoi } } }',
      );
      expect(stored.data?.citation.title).toBe('Spelling test');
      expect(stored.data?.citation.rawRecord).toContain('AU  - Smith, John');
      expect(stored.data?.citation.rawRecord).not.toContain('spelling test');
      expect(stored.data?.citation.rawTags).toContainEqual({ tag: 'TI', value: 'The spelling test' });
      expect(stored.data?.citation.rawTags).not.toContainEqual({
        tag: 'TI',
        value: 'Something else entirely',
      });
      expect(stored.data?.citation.doiConflicts).toEqual([
        { title: 'Something else entirely', conflictingDoi: '10.5555/foo' },
      ]);
    });
  });
});
