import { describe, expect, it } from 'vitest';
import { databaseTargets, inRolledBackTransaction } from '../support/db.ts';
import { useTestServer } from '../support/server.ts';

/** A word only this file's records contain, so searches see exactly them. */
const TAG = 'zqxdoiclash';
const DOI = `10.5555/${TAG}.1`;
const record = (lines: string[]) => `${lines.join('\n')}\nER  - \n\n`;

const stemCells = record([
  'TY  - JOUR',
  `TI  - Mesenchymal stem cells in thrombocytopenia ${TAG}`,
  'AU  - Wang, Xiaohua',
  'PY  - 2019',
  `DO  - ${DOI}`,
]);
// A different paper the exporter (or the publisher) gave the same DOI.
const proteinFolding = record([
  'TY  - JOUR',
  `TI  - Deep learning predicts protein folding ${TAG}`,
  'AU  - Jumper, John',
  'AU  - Hassabis, Demis',
  'PY  - 2021',
  `DO  - https://doi.org/${DOI.toUpperCase()}`,
  'KW  - Zqxfolding',
]);

const ingest = `mutation($ris: String!, $dryRun: Boolean) {
  ingestRis(input: { ris: $ris, dryRun: $dryRun }) {
    found created updated unchanged failed
    problems { record line severity message }
    records { record line action matchedBy citation { id } }
  }
}`;

const listing = `query($search: String!) {
  citations(filter: { search: $search }, first: 20, orderBy: TITLE) {
    totalCount
    nodes {
      id title doi conflictingDoi
      authors { name }
      doiConflicts { id title doi conflictingDoi }
    }
  }
}`;

type Listing = {
  citations: {
    totalCount: number;
    nodes: Array<{
      id: string;
      title: string;
      doi: string | null;
      conflictingDoi: string | null;
      authors: Array<{ name: string }>;
      doiConflicts: Array<{ id: string; title: string; doi: string | null; conflictingDoi: string | null }>;
    }>;
  };
};

describe.each(databaseTargets)('a DOI shared by different works on $name', ({ url }) => {
  const server = useTestServer(url);
  const { run } = server;

  it('keeps the second work as its own citation, warns naming both, and shows the conflict', async () => {
    await inRolledBackTransaction(server.handle, async (tx) => {
      // A dry run names the holder by its record: the citation it would create never exists.
      const dry = await run(tx, ingest, { ris: stemCells + proteinFolding, dryRun: true });
      const dryWarning = dry.ingestRis.problems.find((p: { message: string }) => p.message.includes('DOI'));
      expect(dryWarning.message).toMatch(/which record 1 of this input "Mesenchymal/);
      expect(dryWarning.message).not.toMatch(/Citation:\d+/);

      const first = await run(tx, ingest, { ris: stemCells + proteinFolding });
      expect(first.ingestRis).toMatchObject({ found: 2, created: 2, updated: 0, unchanged: 0, failed: 0 });
      const [a, b] = first.ingestRis.records;
      expect(a.citation.id).not.toBe(b.citation.id);
      const warning = first.ingestRis.problems.find((p: { message: string }) => p.message.includes('DOI'));
      expect(warning).toMatchObject({ record: 2, line: 8, severity: 'WARNING' });
      expect(warning.message).toContain(DOI);
      expect(warning.message).toContain('Mesenchymal stem cells in thrombocytopenia');
      expect(warning.message).toMatch(/record 1 of this input/);

      // The second paper is a full citation: its authors exist and search finds it.
      const folding = await run<Listing>(tx, listing, { search: 'protein folding' });
      expect(folding.citations.totalCount).toBe(1);
      const second = folding.citations.nodes[0];
      expect(second).toMatchObject({
        id: b.citation.id,
        doi: null,
        conflictingDoi: DOI,
        authors: [{ name: 'John Jumper' }, { name: 'Demis Hassabis' }],
      });
      expect(second?.doiConflicts).toEqual([
        {
          id: a.citation.id,
          title: `Mesenchymal stem cells in thrombocytopenia ${TAG}`,
          doi: DOI,
          conflictingDoi: null,
        },
      ]);
      const both = await run<Listing>(tx, listing, { search: TAG });
      const holder = both.citations.nodes.find((n) => n.id === a.citation.id);
      expect(holder?.doi).toBe(DOI);
      expect(holder?.doiConflicts.map((c) => c.id)).toEqual([b.citation.id]);

      // Re-ingesting the file recognises both and creates nothing.
      const again = await run(tx, ingest, { ris: stemCells + proteinFolding });
      expect(again.ingestRis).toMatchObject({ found: 2, created: 0, unchanged: 2 });
      expect(again.ingestRis.records.map((r: { citation: { id: string } }) => r.citation.id)).toEqual([
        a.citation.id,
        b.citation.id,
      ]);
      // So does a file holding only the second paper, and in a dry run too.
      const alone = await run(tx, ingest, { ris: proteinFolding, dryRun: true });
      expect(alone.ingestRis.records[0]).toMatchObject({
        action: 'UNCHANGED',
        citation: { id: b.citation.id },
      });
      expect((await run<Listing>(tx, listing, { search: TAG })).citations.totalCount).toBe(2);
    });
  });

  it('still deduplicates a re-export whose title differs only slightly, or has no title', async () => {
    await inRolledBackTransaction(server.handle, async (tx) => {
      await run(tx, ingest, { ris: stemCells });
      const variants = [
        // A subtitle added (the stored title is a prefix of it).
        record([
          'TY  - JOUR',
          `TI  - Mesenchymal stem cells in thrombocytopenia ${TAG}: a systematic review`,
          `DO  - ${DOI}`,
        ]),
        // Reworded, but most words shared (token Jaccard 6/7).
        record([
          'TY  - JOUR',
          `TI  - Mesenchymal stem-cells in immune thrombocytopenia ${TAG}`,
          `DO  - ${DOI}`,
        ]),
        // No title at all: nothing says it is another work.
        record(['TY  - JOUR', 'AU  - Wang, Xiaohua', 'VL  - 12', `DO  - ${DOI}`]),
      ];
      const r = await run(tx, ingest, { ris: variants.join('') });
      expect(r.ingestRis).toMatchObject({ found: 3, created: 0, failed: 0 });
      expect(r.ingestRis.records.every((x: { matchedBy: string }) => x.matchedBy === 'DOI')).toBe(true);
      expect(r.ingestRis.problems.filter((p: { message: string }) => p.message.includes('DOI'))).toEqual([]);
      const all = await run<Listing>(tx, listing, { search: TAG });
      expect(all.citations.totalCount).toBe(1);
      expect(all.citations.nodes[0]?.doiConflicts).toEqual([]);
    });
  });

  it('gives the DOI to the work kept apart once its holder is deleted', async () => {
    await inRolledBackTransaction(server.handle, async (tx) => {
      const first = await run(tx, ingest, { ris: stemCells + proteinFolding });
      const [a, b] = first.ingestRis.records;
      const deleted = await run(tx, 'mutation($id: ID!) { deleteCitation(id: $id) { __typename } }', {
        id: a.citation.id,
      });
      expect(deleted.deleteCitation.__typename).toBe('DeleteCitationPayload');
      const again = await run(tx, ingest, { ris: proteinFolding });
      expect(again.ingestRis.records[0]).toMatchObject({
        action: 'UPDATED',
        citation: { id: b.citation.id },
      });
      const folding = await run<Listing>(tx, listing, { search: 'protein folding' });
      expect(folding.citations.nodes[0]).toMatchObject({ doi: DOI, conflictingDoi: null, doiConflicts: [] });
    });
  });

  it('keeps a third work with the same DOI apart from both', async () => {
    await inRolledBackTransaction(server.handle, async (tx) => {
      const third = record([
        'TY  - JOUR',
        `TI  - Coral reef bleaching under marine heatwaves ${TAG}`,
        'AU  - Hughes, Terry',
        `DO  - ${DOI}`,
      ]);
      const r = await run(tx, ingest, { ris: stemCells + proteinFolding + third });
      expect(r.ingestRis).toMatchObject({ created: 3 });
      const all = await run<Listing>(tx, listing, { search: TAG });
      expect(all.citations.totalCount).toBe(3);
      const coral = all.citations.nodes.find((n) => n.title.startsWith('Coral'));
      expect(coral?.conflictingDoi).toBe(DOI);
      expect(coral?.doiConflicts.map((c) => c.title.split(' ')[0]).sort()).toEqual(['Deep', 'Mesenchymal']);
      const again = await run(tx, ingest, { ris: third + proteinFolding });
      expect(again.ingestRis).toMatchObject({ created: 0, unchanged: 2 });
    });
  });
});
