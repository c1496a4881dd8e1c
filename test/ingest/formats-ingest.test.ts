import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatabaseHandle } from '../../src/db/client.ts';
import { type BibgraphServer, createServer } from '../../src/server/server.ts';
import { databaseTargets, inRolledBackTransaction, openTestDatabase } from '../support/db.ts';
import { gql } from '../support/graphql.ts';

const fixture = (name: string) =>
  readFileSync(resolve(import.meta.dirname, '../fixtures/formats', name), 'utf8');

const ingest = `mutation($text: String!, $format: InputFormat, $dryRun: Boolean) {
  ingestCitations(input: { text: $text, format: $format, dryRun: $dryRun, source: "formats" }) {
    format found created updated unchanged failed
    records { action matchedBy }
    citations { id doi title authors { name } }
    ingestion { format }
  }
}`;

const count = async (tx: Parameters<Parameters<typeof inRolledBackTransaction>[1]>[0]) =>
  (await tx.query.citations.findMany({ columns: { id: true } })).length;

describe.each(databaseTargets)('ingestCitations on $name', ({ url }) => {
  let handle: DatabaseHandle;
  let yoga: BibgraphServer;
  beforeAll(async () => {
    handle = await openTestDatabase(url);
    yoga = createServer({ database: handle, maxIngestBytes: 1024 * 1024 });
  });
  afterAll(async () => handle?.close());

  it('makes one citation of the same paper from RIS, BibTeX, CSL-JSON, MEDLINE and Web of Science', async () => {
    await inRolledBackTransaction(handle, async (tx) => {
      const seen: Array<[string, string]> = [];
      for (const [format, file] of [
        ['RIS', 'same-paper.ris'],
        ['BIBTEX', 'same-paper.bib'],
        ['CSL_JSON', 'same-paper.json'],
        ['MEDLINE', 'same-paper.nbib'],
        ['WOS', 'same-paper.txt'],
      ] as const) {
        const r = await gql(yoga, tx, ingest, { text: fixture(file) });
        expect(r.errors, file).toBeUndefined();
        const payload = r.data?.ingestCitations;
        expect(payload.format, file).toBe(format);
        expect(payload.ingestion.format, file).toBe(format);
        expect(payload.failed, file).toBe(0);
        seen.push([format, payload.citations[0].id]);
        if (format !== 'RIS') expect(payload.records[0]).toMatchObject({ matchedBy: 'DOI' });
      }
      // Every format's copy is the citation the RIS record created; the BibTeX and MEDLINE files
      // carry one more paper each.
      expect(new Set(seen.map(([, id]) => id)).size).toBe(1);
      expect(await count(tx)).toBe(3);
    });
  });

  it('reads the format it is told, and refuses input in none it reads, naming what it looks like', async () => {
    await inRolledBackTransaction(handle, async (tx) => {
      const forced = await gql(yoga, tx, ingest, {
        text: fixture('same-paper.nbib'),
        format: 'MEDLINE',
        dryRun: true,
      });
      expect(forced.data?.ingestCitations).toMatchObject({ format: 'MEDLINE', found: 2, created: 2 });
      const xml = await gql(yoga, tx, ingest, { text: '<?xml version="1.0"?><records/>' });
      expect(xml.errors?.[0]?.extensions?.code).toBe('UNSUPPORTED_FORMAT');
      expect(xml.errors?.[0]?.message).toMatch(/XML.*bibgraph reads RIS, BibTeX/);
      const risOnly = await gql(
        yoga,
        tx,
        `mutation($ris: String!) { ingestRis(input: { ris: $ris }) { found } }`,
        { ris: fixture('same-paper.bib') },
      );
      expect(risOnly.errors?.[0]?.extensions?.code).toBe('UNSUPPORTED_FORMAT');
      expect(risOnly.errors?.[0]?.message).toMatch(/BibTeX.*ingestCitations/);
      expect(await count(tx)).toBe(0);
    });
  });

  const checked = `mutation($text: String!, $format: InputFormat, $dryRun: Boolean) {
    ingestCitations(input: { text: $text, format: $format, dryRun: $dryRun, source: "formats" }) {
      found created failed
      problems { record line severity message }
      citations { title affiliations { name organizations { name } } }
    }
  }`;

  it.each([
    [
      'BIBTEX',
      '@article{k0, title={Kept zqxfmt}, author={Roe, Ann}, year=2019}\n@article{k1, title={Bib \ud800 title zqxfmt},\n author={Doe, Jane}, year=2020}\n',
      2,
    ],
    [
      'CSL_JSON',
      '[\n{"type": "book", "title": "Kept zqxfmt"},\n{"title": "Csl \\ud800 title zqxfmt", "author": [{"family": "Doe"}]}\n]',
      3,
    ],
    ['MEDLINE', 'PMID- 1\nTI  - Kept zqxfmt\n\nPMID- 2\nTI  - Medline \ud800 title zqxfmt\n', 5],
    ['WOS', 'PT J\nTI Kept zqxfmt\nER\n\nPT J\nTI Wos \ud800 title zqxfmt\nER\n', 6],
  ] as const)(
    '%s with an unpaired surrogate: stored with U+FFFD and a warning, dry run and real',
    async (format, text, line) => {
      await inRolledBackTransaction(handle, async (tx) => {
        for (const dryRun of [true, false]) {
          const r = await gql(yoga, tx, checked, { text, dryRun });
          expect(r.errors, `${format} dryRun=${dryRun}`).toBeUndefined();
          const payload = r.data?.ingestCitations;
          expect(payload).toMatchObject({ found: 2, created: 2, failed: 0 });
          if (!dryRun) expect(payload.citations[1].title).toMatch(/^\w+ \ufffd title zqxfmt$/);
          expect(payload.problems).toEqual([
            expect.objectContaining({
              record: 2,
              line,
              severity: 'WARNING',
              message: expect.stringMatching(/unpaired UTF-16 surrogate/),
            }),
          ]);
        }
        expect(await count(tx)).toBe(2);
      });
    },
  );

  it('fails a BibTeX entry that cannot be read whole, keeps the others, and reads Scopus affiliations', async () => {
    await inRolledBackTransaction(handle, async (tx) => {
      const text = [
        '@article{good1, author = {Alpha, Ann}, title = {Rivers zqxfmt}, year = {2020},',
        '  affiliation = {Department of Physics, University of Granada, Granada, Spain; Tsinghua University, Beijing, China}}',
        '@article{broken1,',
        '  author = {Gamma, Gil},',
        '  title = {An unterminated brace {in the title,',
        '  year = {2020}',
        '}',
        '',
        '@article{good2, author = {Delta, Dan}, title = {Lakes zqxfmt}, year = 2021}',
      ].join('\n');
      const r = await gql(yoga, tx, checked, { text });
      expect(r.errors).toBeUndefined();
      const payload = r.data?.ingestCitations;
      expect(payload).toMatchObject({ found: 3, created: 2, failed: 1 });
      expect(payload.problems).toEqual([
        expect.objectContaining({
          record: 2,
          line: 3,
          severity: 'ERROR',
          message: expect.stringMatching(/'broken1' could not be read/),
        }),
      ]);
      expect(payload.citations.map((c: { title: string }) => c.title)).toEqual([
        'Rivers zqxfmt',
        'Lakes zqxfmt',
      ]);
      expect(
        payload.citations[0].affiliations.map(
          (a: { organizations: Array<{ name: string }> }) => a.organizations[0]?.name,
        ),
      ).toEqual(['University of Granada', 'Tsinghua University']);
    });
  });
});
