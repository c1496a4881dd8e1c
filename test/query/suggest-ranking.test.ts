import { describe, expect, it } from 'vitest';
import { ingestRis } from '../../src/ingest/ingest.ts';
import { databaseTargets, inRolledBackTransaction } from '../support/db.ts';
import { gql } from '../support/graphql.ts';
import { useTestServer } from '../support/server.ts';

const TAG = 'qsuggest';

/** `times` records by one author (each its own citation), with an address for the first. */
function papers(author: string, times: number, address?: string): string {
  return Array.from({ length: times }, (_, i) =>
    [
      'TY  - JOUR',
      `TI  - Paper ${i + 1} of ${author} ${TAG}`,
      `AU  - ${author}`,
      ...(address ? [`AD  - ${address}`] : []),
      'PY  - 2020',
      `DO  - 10.9999/${TAG}.${author.replace(/\W+/g, '-')}.${i}`,
      'ER  - ',
      '',
    ].join('\n'),
  ).join('\n');
}

const LIBRARY = [
  papers('Quorvath, Anna Maria Louise', 3),
  papers('Quorvath, A.', 1),
  papers('Quorvathson, Bo', 5),
  papers('Quorvat, Cy', 8, 'Karolinska Institutet, Stockholm, Sweden'),
].join('\n');

const SUGGEST = `query($p: String!, $first: Int, $kinds: [SuggestionKind!]) {
  suggest(prefix: $p, first: $first, kinds: $kinds) { label kind count } }`;

describe.each(databaseTargets)('typeahead ranking on $name', ({ url }) => {
  const server = useTestServer(url, { maskErrors: false });

  it('ranks names starting with the typed words first, then inside a word, then fuzzy; each by citations', async () => {
    await inRolledBackTransaction(server.handle, async (tx) => {
      await ingestRis(tx, LIBRARY, { source: TAG });
      const all = await gql(server.yoga, tx, SUGGEST, { p: 'Quorvath', kinds: ['AUTHOR'] });
      expect(all.errors).toBeUndefined();
      expect(all.data?.suggest).toEqual([
        // The family name as typed: the most cited first, though the other name is closer.
        { label: 'Anna Maria Louise Quorvath', kind: 'AUTHOR', count: 3 },
        { label: 'A. Quorvath', kind: 'AUTHOR', count: 1 },
        // Starts with it inside a word.
        { label: 'Bo Quorvathson', kind: 'AUTHOR', count: 5 },
        // Only close to it (read because the prefix matches cannot fill ten): last, however cited.
        { label: 'Cy Quorvat', kind: 'AUTHOR', count: 8 },
      ]);
      const two = await gql(server.yoga, tx, SUGGEST, { p: 'quorvath', first: 2, kinds: ['AUTHOR'] });
      expect(two.data?.suggest.map((s: { label: string }) => s.label)).toEqual([
        'Anna Maria Louise Quorvath',
        'A. Quorvath',
      ]);
    });
  });

  it('finds a person by the start of the given name, and an organization by the start of any word', async () => {
    await inRolledBackTransaction(server.handle, async (tx) => {
      await ingestRis(tx, LIBRARY, { source: TAG });
      const given = await gql(server.yoga, tx, SUGGEST, { p: 'Anna Maria Lou', kinds: ['AUTHOR'], first: 1 });
      expect(given.data?.suggest).toEqual([
        { label: 'Anna Maria Louise Quorvath', kind: 'AUTHOR', count: 3 },
      ]);
      const org = await gql(server.yoga, tx, SUGGEST, { p: 'karol', kinds: ['ORGANIZATION'] });
      expect(org.data?.suggest).toEqual([{ label: 'Karolinska Institutet', kind: 'ORGANIZATION', count: 8 }]);
      // A typo still finds the name, through the fuzzy match.
      const typo = await gql(server.yoga, tx, SUGGEST, { p: 'quorvathsen', kinds: ['AUTHOR'], first: 1 });
      expect(typo.data?.suggest).toEqual([{ label: 'Bo Quorvathson', kind: 'AUTHOR', count: 5 }]);
    });
  });
});
