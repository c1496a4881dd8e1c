import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatabaseHandle } from '../../src/db/client.ts';
import { DRY_RUN_PREVIEWS, ingestRis } from '../../src/ingest/ingest.ts';
import { type BibgraphServer, createServer } from '../../src/server/server.ts';
import { databaseTargets, inRolledBackTransaction, openTestDatabase } from '../support/db.ts';
import { gql } from '../support/graphql.ts';

const ingest = `mutation($text: String!, $dryRun: Boolean) {
  ingestCitations(input: { text: $text, dryRun: $dryRun }) {
    dryRun found created unchanged failed
    records {
      record action matchedBy
      mapped {
        risType title containerTitle journalAbbreviation year date volume issue startPage endPage doi
        issns isbns urls publisher place language notes abstract shortTitle
        contributors { role position name family given suffix literal affiliations }
        affiliations { name country countryCode organizations }
        keywords
      }
    }
  }
}`;

const record = (lines: string[]) => `${lines.join('\n')}\nER  - \n\n`;

const paper = record([
  'TY  - JOUR',
  'TI  - Platelets after splenectomy zqxmapped',
  'T2  - Blood',
  'J2  - Blood',
  'AU  - Wang, Xiaohua',
  'AU  - Müller, Käthe',
  'ED  - Editor, Erin',
  'AU  - World Health Organization',
  'PY  - 2019',
  'DA  - 2019/03/04',
  'VL  - 7',
  'IS  - 2',
  'SP  - 112',
  'EP  - 25',
  'DO  - https://doi.org/10.5555/ZQXMAPPED.1',
  'SN  - 0006-4971',
  'KW  - Stem Cells',
  'KW  - ITP',
  'AD  - Department of Hematology, University of Sydney, Sydney, NSW 2006, Australia',
  'AD  - Box 23, 75105',
]);
const broken = 'TY  - JOUR\nER  - \n\n';

describe.each(databaseTargets)('a dry run shows how each record is read, on $name', ({ url }) => {
  let handle: DatabaseHandle;
  let yoga: BibgraphServer;
  beforeAll(async () => {
    handle = await openTestDatabase(url);
    yoga = createServer({ database: handle, maxIngestBytes: 256 * 1024, maskErrors: true });
  });
  afterAll(() => handle.close());

  it('returns the citation as it would be stored: fields, contributors, affiliations, keywords', async () => {
    await inRolledBackTransaction(handle, async (tx) => {
      const r = await gql(yoga, tx, ingest, { text: paper + broken, dryRun: true });
      expect(r.errors).toBeUndefined();
      const p = r.data?.ingestCitations;
      expect(p).toMatchObject({ dryRun: true, found: 2, created: 1, failed: 1 });
      const [first, second] = p.records;
      expect(first.action).toBe('CREATED');
      expect(first.mapped).toMatchObject({
        risType: 'JOUR',
        title: 'Platelets after splenectomy zqxmapped',
        containerTitle: 'Blood',
        journalAbbreviation: null,
        year: 2019,
        date: '2019-03-04',
        volume: '7',
        issue: '2',
        startPage: '112',
        endPage: '125',
        doi: '10.5555/zqxmapped.1',
        issns: ['0006-4971'],
        keywords: ['Stem Cells', 'ITP'],
      });
      expect(first.mapped.contributors).toEqual([
        {
          role: 'AUTHOR',
          position: 1,
          name: 'Wang, Xiaohua',
          family: 'Wang',
          given: 'Xiaohua',
          suffix: null,
          literal: null,
          affiliations: [],
        },
        {
          role: 'AUTHOR',
          position: 2,
          name: 'Müller, Käthe',
          family: 'Müller',
          given: 'Käthe',
          suffix: null,
          literal: null,
          affiliations: [],
        },
        {
          role: 'EDITOR',
          position: 1,
          name: 'Editor, Erin',
          family: 'Editor',
          given: 'Erin',
          suffix: null,
          literal: null,
          affiliations: [],
        },
        {
          role: 'AUTHOR',
          position: 3,
          name: 'World Health Organization',
          family: null,
          given: null,
          suffix: null,
          literal: 'World Health Organization',
          affiliations: [],
        },
      ]);
      expect(first.mapped.affiliations).toEqual([
        {
          name: 'Department of Hematology, University of Sydney, Sydney, NSW 2006, Australia',
          country: 'Australia',
          countryCode: 'AU',
          organizations: ['University of Sydney'],
        },
        { name: 'Box 23, 75105', country: null, countryCode: null, organizations: [] },
      ]);
      // A record that cannot be mapped has nothing to show; its problems say why.
      expect(second).toMatchObject({ action: 'FAILED', mapped: null });
    });
  });

  it('links a single author to the addresses, and shows a match with a stored citation', async () => {
    await inRolledBackTransaction(handle, async (tx) => {
      const single = record([
        'TY  - JOUR',
        'TI  - Alone zqxmapped',
        'AU  - Solo, Sam',
        'PY  - 2020',
        'AD  - Karolinska Institutet, Stockholm, Sweden',
      ]);
      await gql(yoga, tx, ingest, { text: single });
      const r = await gql(yoga, tx, ingest, { text: single, dryRun: true });
      const [only] = r.data?.ingestCitations.records ?? [];
      expect(only).toMatchObject({ action: 'UNCHANGED', matchedBy: 'FINGERPRINT' });
      expect(only.mapped.contributors[0]).toMatchObject({ name: 'Solo, Sam', affiliations: [1] });
      expect(only.mapped.affiliations[0]).toMatchObject({ country: 'Sweden', countryCode: 'SE' });
    });
  });

  it('is left out of real ingests', async () => {
    await inRolledBackTransaction(handle, async (tx) => {
      const r = await gql(yoga, tx, ingest, { text: paper });
      expect(r.data?.ingestCitations.records).toEqual([
        expect.objectContaining({ action: 'CREATED', mapped: null }),
      ]);
    });
  });

  it(`stops after the first ${DRY_RUN_PREVIEWS} records`, async () => {
    const many = Array.from({ length: DRY_RUN_PREVIEWS + 2 }, (_, i) =>
      record(['TY  - JOUR', `TI  - Bounded preview ${i + 1} zqxmapped`, 'PY  - 2021']),
    ).join('');
    await inRolledBackTransaction(handle, async (tx) => {
      const r = await gql(yoga, tx, ingest, { text: many, dryRun: true });
      const records = r.data?.ingestCitations.records as Array<{
        record: number;
        mapped: { title: string } | null;
      }>;
      expect(records).toHaveLength(DRY_RUN_PREVIEWS + 2);
      expect(records[DRY_RUN_PREVIEWS - 1]?.mapped?.title).toBe(
        `Bounded preview ${DRY_RUN_PREVIEWS} zqxmapped`,
      );
      expect(records.slice(DRY_RUN_PREVIEWS).map((x) => x.mapped)).toEqual([null, null]);
    });
  });

  it('keeps the previews without the other outcomes when outcomes are not kept (the CLI)', async () => {
    await inRolledBackTransaction(handle, async (tx) => {
      const report = await ingestRis(tx, paper + paper + broken, {
        dryRun: true,
        keepOutcomes: false,
        previews: 2,
        offThread: false,
      });
      expect(report.outcomes.map((o) => [o.record, o.mapped?.fields.title ?? null])).toEqual([
        [1, 'Platelets after splenectomy zqxmapped'],
        [2, 'Platelets after splenectomy zqxmapped'],
      ]);
      const real = await ingestRis(tx, paper, { keepOutcomes: true, offThread: false });
      expect(real.outcomes[0]?.mapped).toBeUndefined();
    });
  });
});
