import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { type Database, rowsOf } from '../../src/db/client.ts';
import { databaseTargets, inRolledBackTransaction } from '../support/db.ts';
import { useTestServer } from '../support/server.ts';

const TAG = 'Zqxkeyless';
const record = (lines: string[]) => `${lines.join('\n')}\nER  - \n\n`;

// Nothing stable to match on: no DOI, and no title (or one that folds to nothing).
const untitled = record(['TY  - JOUR', 'AU  - Nobody, Anne', 'PY  - 2001', `JO  - Journal of ${TAG}`]);
const symbolsOnly = record(['TY  - JOUR', 'TI  - ???', 'AU  - Somebody, Bert', `T2  - Annals of ${TAG}`]);
// The first record again as another tool writes it: case, spacing and tag order differ.
const untitledAgain = record(['TY  - JOUR', `JO  - JOURNAL OF ${TAG}`, 'PY  - 2001', 'AU  - NOBODY,  Anne']);
// Another work without a title: it must not be taken for the first.
const otherUntitled = record(['TY  - JOUR', 'AU  - Nobody, Anne', 'PY  - 2002', `JO  - Journal of ${TAG}`]);

const ingest = `mutation($ris: String!, $dryRun: Boolean) {
  ingestRis(input: { ris: $ris, dryRun: $dryRun }) {
    found created updated unchanged failed
    records { record action matchedBy citation { id } }
  }
}`;

async function citationCount(tx: Database): Promise<number> {
  const rows = rowsOf<{ n: number }>(
    await tx.execute(sql`select count(*)::int as n from citations where raw_record ilike ${`%${TAG}%`}`),
  );
  return rows[0]?.n ?? 0;
}

describe.each(databaseTargets)('records with no DOI and no title on $name', ({ url }) => {
  const server = useTestServer(url);
  const { run } = server;

  it('are matched by their raw record on re-ingest instead of being created again', async () => {
    await inRolledBackTransaction(server.handle, async (tx) => {
      const first = await run(tx, ingest, { ris: untitled + symbolsOnly });
      expect(first.ingestRis).toMatchObject({ found: 2, created: 2 });
      const ids = first.ingestRis.records.map((r: { citation: { id: string } }) => r.citation.id);

      const dry = await run(tx, ingest, { ris: untitled + symbolsOnly, dryRun: true });
      expect(dry.ingestRis).toMatchObject({ created: 0, unchanged: 2 });

      const again = await run(tx, ingest, { ris: untitled + symbolsOnly + untitledAgain + otherUntitled });
      expect(again.ingestRis).toMatchObject({ found: 4, created: 1, unchanged: 3, updated: 0 });
      expect(again.ingestRis.records.slice(0, 3)).toEqual([
        { record: 1, action: 'UNCHANGED', matchedBy: 'RAW_RECORD', citation: { id: ids[0] } },
        { record: 2, action: 'UNCHANGED', matchedBy: 'RAW_RECORD', citation: { id: ids[1] } },
        { record: 3, action: 'UNCHANGED', matchedBy: 'RAW_RECORD', citation: { id: ids[0] } },
      ]);
      expect(again.ingestRis.records[3].action).toBe('CREATED');
      expect(await citationCount(tx)).toBe(3);
    });
  });

  it('repeats inside one file are one citation', async () => {
    await inRolledBackTransaction(server.handle, async (tx) => {
      const r = await run(tx, ingest, { ris: untitled + untitledAgain + untitled });
      expect(r.ingestRis).toMatchObject({ found: 3, created: 1, unchanged: 2 });
      expect(await citationCount(tx)).toBe(1);
    });
  });

  it('a curator giving one a title does not make the next ingest of the file create it again', async () => {
    await inRolledBackTransaction(server.handle, async (tx) => {
      const first = await run(tx, ingest, { ris: untitled });
      const id = first.ingestRis.records[0].citation.id;
      const update = await run(
        tx,
        `mutation($id: ID!) { updateCitation(id: $id, input: { title: "Found the title ${TAG}" }) { __typename } }`,
        { id },
      );
      expect(update.updateCitation.__typename).toBe('UpdateCitationPayload');
      const again = await run(tx, ingest, { ris: untitled });
      expect(again.ingestRis.records[0]).toMatchObject({ action: 'UNCHANGED', citation: { id } });
      expect(await citationCount(tx)).toBe(1);
    });
  });
});
