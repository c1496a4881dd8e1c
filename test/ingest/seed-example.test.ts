import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatabaseHandle } from '../../src/db/client.ts';
import { type BibgraphServer, createServer } from '../../src/server/server.ts';
import { databaseTargets, inRolledBackTransaction, openTestDatabase } from '../support/db.ts';
import { gql } from '../support/graphql.ts';

// The record every user starts with: newlines flattened into single spaces.
const seed = readFileSync(resolve(import.meta.dirname, '../fixtures/seed-flattened.ris'), 'utf8');

const citationFields = `
  risType title containerTitle journalAbbreviation shortTitle abstract year date volume issue pages
  startPage endPage doi issns isbns urls publisher place language notes
  authors { family given suffix name }
  contributors { position role name author { name } }
  affiliations { name country }
  keywords { term }
  rawTags { tag value }
`;

describe.each(databaseTargets)('the seed example on $name', ({ url }) => {
  let handle: DatabaseHandle;
  let yoga: BibgraphServer;
  beforeAll(async () => {
    handle = await openTestDatabase(url);
    yoga = createServer({ database: handle, maxIngestBytes: 1024 * 1024, maskErrors: false });
  });
  afterAll(() => handle.close());

  it('gives exactly the fields the issue names', async () => {
    await inRolledBackTransaction(handle, async (tx) => {
      const result = await gql(
        yoga,
        tx,
        `mutation($ris: String!) { ingestRis(input: { ris: $ris, source: "seed" }) {
          created updated unchanged failed problems { record line severity message }
          citations { ${citationFields} }
          ingestion { source found created }
        } }`,
        { ris: seed },
      );
      expect(result.errors).toBeUndefined();
      const payload = result.data?.ingestRis;
      expect(payload).toMatchObject({ created: 1, updated: 0, unchanged: 0, failed: 0 });
      expect(payload.ingestion).toEqual({ source: 'seed', found: 1, created: 1 });
      const c = payload.citations[0];
      expect(c.risType).toBe('JOUR');
      expect(c.title).toBe(
        'Intravenous infusion umbilical cord-derived mesenchymal stem cell in primary immune thrombocytopenia: A two-year follow-up',
      );
      expect(c.containerTitle).toBe('Experimental and Therapeutic Medicine');
      expect(c.journalAbbreviation).toBe('Exp Ther Med');
      expect(c.authors.map((a: { family: string; given: string }) => [a.family, a.given])).toEqual([
        ['Wang', 'Xiaohua'],
        ['Yin', 'Xiaoguang'],
        ['Sun', 'Wei'],
        ['Bai', 'Jin'],
        ['Shen', 'Yawen'],
        ['Ao', 'Qiang'],
        ['Gu', 'Yongquan'],
        ['Liu', 'Ying'],
      ]);
      expect(c.contributors[0]).toEqual({
        position: 1,
        role: 'AUTHOR',
        name: 'Wang,Xiaohua',
        author: { name: 'Xiaohua Wang' },
      });
      expect(c.year).toBe(2017);
      expect(c.date).toBe('2017-05-01');
      expect([c.volume, c.issue, c.startPage, c.endPage, c.pages]).toEqual([
        '13',
        '5',
        '2255',
        '2258',
        '2255-2258',
      ]);
      expect(c.doi).toBe('10.3892/etm.2017.4229');
      expect(c.issns).toEqual(['1792-0981', '1792-1015']);
      expect(c.urls).toEqual(['https://doi.org/10.3892/etm.2017.4229']);
      expect(c.abstract).toMatch(
        /^Four patients with chronic refractory .* transplantation therapy on ITP\.$/,
      );
      expect(c.abstract).toContain('(median, 17 months; range, 13-24)');
      expect(c.affiliations).toEqual([
        {
          name: 'Department of Hematology, Siping Hospital of China Medical University, Siping, Jilin 136000, P.R. China',
          country: 'China',
        },
        {
          name: 'Jilin Tuhua Bioengineering Company Ltd., Siping, Jilin 136000, P.R. China',
          country: 'China',
        },
        {
          name: 'Department of Tissue Engineering, China Medical University, Shenyang, Liaoning 110122, P.R. China',
          country: 'China',
        },
        {
          name: 'Department of Vascular Surgery, Xuanwu Hospital of Capital Medical University, Beijing 100053, P.R. China',
          country: 'China',
        },
      ]);
      expect(c.rawTags.map((t: { tag: string }) => t.tag)).toEqual([
        'TY',
        'AB',
        'AD',
        'AU',
        'AU',
        'AU',
        'AU',
        'AU',
        'AU',
        'AU',
        'AU',
        'DA',
        'DO',
        'EP',
        'IS',
        'JO',
        'KW',
        'PY',
        'SN',
        'SP',
        'ST',
        'T2',
        'TI',
        'UR',
        'VL',
      ]);
    });
  });

  it('is idempotent: the same record again changes nothing', async () => {
    await inRolledBackTransaction(handle, async (tx) => {
      const mutation = `mutation($ris: String!) { ingestRis(input: { ris: $ris }) { created updated unchanged failed records { action matchedBy } } }`;
      const first = await gql(yoga, tx, mutation, { ris: seed });
      expect(first.data?.ingestRis).toMatchObject({ created: 1, unchanged: 0 });
      const second = await gql(yoga, tx, mutation, { ris: seed });
      expect(second.data?.ingestRis).toEqual({
        created: 0,
        updated: 0,
        unchanged: 1,
        failed: 0,
        records: [{ action: 'UNCHANGED', matchedBy: 'DOI' }],
      });
    });
  });
});
