import { describe, expect, it } from 'vitest';
import { databaseTargets, inRolledBackTransaction } from '../support/db.ts';
import { useTestServer } from '../support/server.ts';

const TAG = 'Zqxspell';
const record = (title: string, keyword: string) =>
  [
    'TY  - JOUR',
    `TI  - ${title} ${TAG}`,
    'AU  - Speller, Sam',
    'PY  - 2020',
    `KW  - ${keyword}`,
    'ER  - ',
    '',
    '',
  ].join('\n');

const ingest = 'mutation($ris: String!) { ingestRis(input: { ris: $ris }) { created failed } }';
const keyword = `query($s: String!) { keywords(search: $s, first: 5) { nodes { term citations(first: 10) { totalCount } } } }`;

describe.each(databaseTargets)("a keyword's term on $name", ({ url }) => {
  const server = useTestServer(url);
  const { run } = server;

  it('is its most frequent spelling, not the first one seen, and ties keep the first', async () => {
    await inRolledBackTransaction(server.handle, async (tx) => {
      const term = async () => (await run(tx, keyword, { s: `${TAG}word` })).keywords.nodes;
      await run(tx, ingest, { ris: record('One', `${TAG.toLowerCase()}word`) });
      expect(await term()).toEqual([{ term: `${TAG.toLowerCase()}word`, citations: { totalCount: 1 } }]);
      // A tie (one each): the spelling seen first stays.
      await run(tx, ingest, { ris: record('Two', `${TAG.toUpperCase()}WORD`) });
      expect(await term()).toEqual([{ term: `${TAG.toLowerCase()}word`, citations: { totalCount: 2 } }]);
      // Two records write it the same way: that spelling now leads.
      await run(tx, ingest, { ris: record('Three', `${TAG}Word`) + record('Four', `${TAG}Word`) });
      expect(await term()).toEqual([{ term: `${TAG}Word`, citations: { totalCount: 4 } }]);
    });
  });
});
