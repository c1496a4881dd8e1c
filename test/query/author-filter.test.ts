import { describe, expect, it } from 'vitest';
import { ingestRis } from '../../src/ingest/ingest.ts';
import { databaseTargets, inRolledBackTransaction } from '../support/db.ts';
import { useTestServer } from '../support/server.ts';

const record = (title: string, authors: string[], year: number, keyword: string) =>
  `TY  - JOUR\nTI  - ${title}\n${authors.map((a) => `AU  - ${a}\n`).join('')}PY  - ${year}\nKW  - ${keyword}\nER  - \n`;

/** `authors(filter: { citations: … })`: the authors credited on at least one matching citation. */
describe.each(databaseTargets)('authors filtered by their citations on $name', ({ url }) => {
  const server = useTestServer(url, { maskErrors: false });

  it('finds the authors of the citations the filter matches, and only them', async () => {
    await inRolledBackTransaction(server.handle, async (tx) => {
      await ingestRis(
        tx,
        [
          record('Seagrass carbon burial', ['Halvorsen, Ingrid', 'Osei, Kwame'], 2018, 'afilter seagrass'),
          record('Seagrass and dugongs', ['Osei, Kwame'], 2022, 'afilter seagrass'),
          record('Mangrove roots', ['Pillai, Meera'], 2022, 'afilter mangroves'),
        ].join('\n'),
      );
      const names = async (citations: Record<string, unknown>) => {
        const data = await server.run<{ authors: { nodes: Array<{ name: string }> } }>(
          tx,
          'query A($c: CitationFilter) { authors(filter: { citations: $c }, first: 20) { nodes { name } } }',
          { c: citations },
        );
        return data.authors.nodes.map((a) => a.name).sort();
      };
      expect(await names({ keywords: ['afilter seagrass'] })).toEqual(['Ingrid Halvorsen', 'Kwame Osei']);
      expect(await names({ keywords: ['afilter seagrass', 'afilter mangroves'], yearFrom: 2020 })).toEqual([
        'Kwame Osei',
        'Meera Pillai',
      ]);
      expect(await names({ keywords: ['afilter mangroves'], yearTo: 2020 })).toEqual([]);
    });
  });
});
