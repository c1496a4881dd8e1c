import { describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/client.ts';
import { databaseTargets, inRolledBackTransaction } from '../support/db.ts';
import { useTestServer } from '../support/server.ts';

const TAG = 'zqxcurated';
const record = (lines: string[]) => `${lines.join('\n')}\nER  - \n\n`;

const withDoi = record([
  'TY  - JOUR',
  `TI  - Platelet counts after splenectomy ${TAG}`,
  'AU  - Wang, Xiaohua',
  'PY  - 2019',
  `DO  - 10.5555/${TAG}.wrong`,
  'AB  - An abstract that belongs to another paper.',
]);
const withoutDoi = record([
  'TY  - JOUR',
  `TI  - Teh efect of aspirn on platelts ${TAG}`,
  'AU  - Müller, Käthe',
  'PY  - 2020',
]);

const ingest = `mutation($ris: String!) {
  ingestRis(input: { ris: $ris }) {
    found created updated unchanged
    records { action matchedBy citation { id title doi abstract } }
  }
}`;
const update = `mutation($id: ID!, $input: UpdateCitationInput!) {
  updateCitation(id: $id, input: $input) {
    __typename
    ... on UpdateCitationPayload { changedFields citation { id title doi abstract clearedFields } }
    ... on Error { message }
  }
}`;
const count = `query { citations(filter: { search: "${TAG}" }) { totalCount } }`;

describe.each(databaseTargets)('curated values and re-ingest on $name', ({ url }) => {
  const server = useTestServer(url);
  const { run } = server;

  async function curate(tx: Database, id: string, input: Record<string, unknown>) {
    const r = await run(tx, update, { id, input });
    expect(r.updateCitation.__typename, r.updateCitation.message).toBe('UpdateCitationPayload');
    return r.updateCitation;
  }

  it('a corrected DOI is remembered: re-ingesting the original file finds the citation', async () => {
    await inRolledBackTransaction(server.handle, async (tx) => {
      const first = await run(tx, ingest, { ris: withDoi });
      const id = first.ingestRis.records[0].citation.id;
      await curate(tx, id, { doi: `https://doi.org/10.5555/${TAG}.right` });
      const again = await run(tx, ingest, { ris: withDoi });
      expect(again.ingestRis.records[0]).toEqual({
        action: 'UNCHANGED',
        matchedBy: 'DOI',
        citation: {
          id,
          title: `Platelet counts after splenectomy ${TAG}`,
          doi: `10.5555/${TAG}.right`,
          abstract: 'An abstract that belongs to another paper.',
        },
      });
      expect((await run(tx, count)).citations.totalCount).toBe(1);
    });
  });

  it('a cleared DOI stays cleared and still finds the citation', async () => {
    await inRolledBackTransaction(server.handle, async (tx) => {
      const first = await run(tx, ingest, { ris: withDoi });
      const id = first.ingestRis.records[0].citation.id;
      const cleared = await curate(tx, id, { doi: null });
      expect(cleared.citation.clearedFields).toEqual(['doi']);
      const again = await run(tx, ingest, { ris: withDoi });
      expect(again.ingestRis.records[0]).toMatchObject({ action: 'UNCHANGED', citation: { id, doi: null } });
      expect((await run(tx, count)).citations.totalCount).toBe(1);
    });
  });

  it('a corrected title of a citation without DOI is remembered', async () => {
    await inRolledBackTransaction(server.handle, async (tx) => {
      const first = await run(tx, ingest, { ris: withoutDoi });
      const id = first.ingestRis.records[0].citation.id;
      await curate(tx, id, { title: `The effect of aspirin on platelets ${TAG}`, year: 2021 });
      const again = await run(tx, ingest, { ris: withoutDoi });
      expect(again.ingestRis.records[0]).toMatchObject({
        action: 'UNCHANGED',
        matchedBy: 'FINGERPRINT',
        citation: { id, title: `The effect of aspirin on platelets ${TAG}` },
      });
      expect((await run(tx, count)).citations.totalCount).toBe(1);
    });
  });

  it('a cleared abstract does not come back; a value set again lifts the mark', async () => {
    await inRolledBackTransaction(server.handle, async (tx) => {
      const first = await run(tx, ingest, { ris: withDoi });
      const id = first.ingestRis.records[0].citation.id;
      const cleared = await curate(tx, id, { abstract: null });
      expect(cleared).toMatchObject({ changedFields: ['abstract'], citation: { abstract: null } });
      expect(cleared.citation.clearedFields).toEqual(['abstract']);
      const again = await run(tx, ingest, { ris: withDoi });
      expect(again.ingestRis.records[0]).toMatchObject({
        action: 'UNCHANGED',
        citation: { id, abstract: null },
      });

      const set = await curate(tx, id, { abstract: 'The right abstract.' });
      expect(set.citation.clearedFields).toEqual([]);
      const third = await run(tx, ingest, { ris: withDoi });
      expect(third.ingestRis.records[0].citation.abstract).toBe('The right abstract.');
    });
  });
});
