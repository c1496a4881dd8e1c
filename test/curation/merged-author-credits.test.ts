import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { type Database, rowsOf } from '../../src/db/client.ts';
import { databaseTargets, inRolledBackTransaction } from '../support/db.ts';
import { useTestServer } from '../support/server.ts';

const TAG = 'zqxtwicecredited';
const record = (lines: string[]) => `${lines.join('\n')}\nER  - \n\n`;

// Stored before the merge, naming both spellings of one person.
const bothSpellings = record([
  'TY  - JOUR',
  `TI  - Both spellings in one record ${TAG}`,
  'AU  - Wang, Xiaohua',
  'AU  - Wang, X.',
  'AU  - Li, Ming',
  'PY  - 2019',
]);
const onlyInitials = record(['TY  - JOUR', `TI  - Initials only ${TAG}`, 'AU  - Wang, X.', 'PY  - 2020']);
// New after the merge, naming both spellings again (and one of them twice, by case).
const newAfterMerge = record([
  'TY  - JOUR',
  `TI  - A new paper after the merge ${TAG}`,
  'AU  - Wang, X.',
  'AU  - Li, Ming',
  'AU  - Wang, Xiaohua',
  'AU  - WANG, Xiaohua',
  'PY  - 2021',
]);

const ingest = `mutation($ris: String!) {
  ingestRis(input: { ris: $ris }) {
    created updated unchanged
    records { action citation { id title contributors { position role name author { id name } } } }
  }
}`;
const authorsQuery = `query { authors(search: "wang", first: 20) { nodes { id name } } }`;

async function doubleCredits(tx: Database): Promise<unknown[]> {
  return rowsOf(
    await tx.execute(sql`select citation_id, role, author_id, count(*)::int as n from contributions
      group by citation_id, role, author_id having count(*) > 1`),
  );
}

describe.each(databaseTargets)('an author merged from two spellings on $name', ({ url }) => {
  const server = useTestServer(url);
  const { run } = server;

  it('is credited once per role, after the merge and on every later ingest', async () => {
    await inRolledBackTransaction(server.handle, async (tx) => {
      const first = await run(tx, ingest, { ris: bothSpellings + onlyInitials });
      expect(first.ingestRis.created).toBe(2);
      const authors = (await run(tx, authorsQuery)).authors.nodes as Array<{ id: string; name: string }>;
      const full = authors.find((a) => a.name === 'Xiaohua Wang');
      const initials = authors.find((a) => a.name === 'X. Wang');
      expect(full && initials).toBeTruthy();

      const merged = await run(
        tx,
        `mutation($into: ID!, $from: [ID!]!) { mergeAuthors(into: $into, from: $from) { __typename } }`,
        { into: full?.id, from: [initials?.id] },
      );
      expect(merged.mergeAuthors.__typename).toBe('MergeAuthorsPayload');
      expect(await doubleCredits(tx)).toEqual([]);

      // Re-ingesting the record that names both spellings: the survivor stays credited once.
      const again = await run(tx, ingest, { ris: bothSpellings });
      const citation = again.ingestRis.records[0].citation;
      expect(
        citation.contributors.map((c: { position: number; author: { id: string } }) => [
          c.position,
          c.author.id,
        ]),
      ).toEqual([
        [1, full?.id],
        [2, expect.any(String)],
      ]);
      expect(again.ingestRis.records[0].action).toBe('UNCHANGED');
      expect(await doubleCredits(tx)).toEqual([]);

      // A new record naming both spellings (one of them twice) credits the survivor once too.
      const fresh = await run(tx, ingest, { ris: newAfterMerge });
      expect(fresh.ingestRis.created).toBe(1);
      const contributors = fresh.ingestRis.records[0].citation.contributors as Array<{
        position: number;
        name: string;
        author: { id: string; name: string };
      }>;
      expect(contributors.map((c) => [c.position, c.name, c.author.name])).toEqual([
        [1, 'Wang, X.', 'Xiaohua Wang'],
        [2, 'Li, Ming', 'Ming Li'],
      ]);
      expect(await doubleCredits(tx)).toEqual([]);
      const repeat = await run(tx, ingest, { ris: newAfterMerge });
      expect(repeat.ingestRis.records[0].action).toBe('UNCHANGED');
      expect(await doubleCredits(tx)).toEqual([]);
    });
  });
});
