import { describe, expect, it } from 'vitest';
import { ingestRis } from '../../src/ingest/ingest.ts';
import { runBuilt } from '../../src/query/built-statements.ts';
import { databaseTargets, inRolledBackTransaction } from '../support/db.ts';
import { useTestServer } from '../support/server.ts';

const record = (title: string, author: string, year: number) =>
  `TY  - JOUR\nTI  - ${title}\nAU  - ${author}\nPY  - ${year}\nKW  - kept statements\nER  - \n`;

const FIXTURE = [
  record('Kelp forests after the heatwave', 'Tanaka, Aiko', 2019),
  record('Kelp spores in cold water', 'Tanaka, Aiko', 2020),
  record('Urchin barrens and kelp loss', 'Moreau, Claire', 2021),
].join('\n');

const PAGE = `query Page($first: Int!, $after: String, $from: Int) {
  citations(first: $first, after: $after, filter: { keywords: ["kept statements"], yearFrom: $from }, orderBy: YEAR_ASC) {
    totalCount
    pageInfo { endCursor hasNextPage }
    nodes { title year authors { name } keywords { term } }
  }
}`;

const NESTED = `{
  authors(filter: { citations: { keywords: ["kept statements"] } }, first: 10) {
    nodes { name citations(first: 10, orderBy: YEAR_ASC) { totalCount nodes { title } } }
  }
}`;

/**
 * A connection page's statement is built once per selection and inputs and then run again
 * (src/query/built-statements.ts). What is kept is the statement, never its rows: these hold the
 * page to what the tables say when only a variable, the parent or the data changes.
 */
describe.each(databaseTargets)('statements kept per selection on $name', ({ url }) => {
  const server = useTestServer(url, { maskErrors: false });

  it('answers each set of variables with its own rows, and sees a write at once', async () => {
    await inRolledBackTransaction(server.handle, async (tx) => {
      expect((await ingestRis(tx, FIXTURE)).created).toBe(3);
      type Page = {
        citations: {
          totalCount: number;
          pageInfo: { endCursor: string; hasNextPage: boolean };
          nodes: Array<{ title: string; year: number; authors: Array<{ name: string }> }>;
        };
      };
      const titles = (p: Page) => p.citations.nodes.map((n) => n.title);
      // Asked three times: interpreted, compiled, then compiled with the statement kept.
      for (let i = 0; i < 3; i++) {
        const all = await server.run<Page>(tx, PAGE, { first: 2 });
        expect(titles(all)).toEqual(['Kelp forests after the heatwave', 'Kelp spores in cold water']);
        expect(all.citations.totalCount).toBe(3);
        const next = await server.run<Page>(tx, PAGE, { first: 2, after: all.citations.pageInfo.endCursor });
        expect(titles(next)).toEqual(['Urchin barrens and kelp loss']);
        expect(next.citations.nodes[0]?.authors).toEqual([{ name: 'Claire Moreau' }]);
        const later = await server.run<Page>(tx, PAGE, { first: 2, from: 2020 });
        expect(titles(later)).toEqual(['Kelp spores in cold water', 'Urchin barrens and kelp loss']);
        expect(later.citations.totalCount).toBe(2);
      }
      await ingestRis(tx, record('Kelp recovery plan', 'Moreau, Claire', 2022));
      const after = await server.run<Page>(tx, PAGE, { first: 2, from: 2020 });
      expect(after.citations.totalCount).toBe(3);
      const last = await server.run<Page>(tx, PAGE, {
        first: 2,
        from: 2020,
        after: after.citations.pageInfo.endCursor,
      });
      expect(titles(last)).toEqual(['Kelp recovery plan']);
    });
  });

  it("gives every parent its own page from one selection: each author's citations", async () => {
    await inRolledBackTransaction(server.handle, async (tx) => {
      await ingestRis(tx, FIXTURE);
      type Nested = {
        authors: {
          nodes: Array<{ name: string; citations: { totalCount: number; nodes: Array<{ title: string }> } }>;
        };
      };
      for (let i = 0; i < 3; i++) {
        const data = await server.run<Nested>(tx, NESTED);
        const byName = Object.fromEntries(
          data.authors.nodes.map((a) => [a.name, a.citations.nodes.map((c) => c.title)]),
        );
        expect(byName).toEqual({
          'Aiko Tanaka': ['Kelp forests after the heatwave', 'Kelp spores in cold water'],
          'Claire Moreau': ['Urchin barrens and kelp loss'],
        });
        expect(data.authors.nodes.map((a) => a.citations.totalCount).sort()).toEqual([1, 2]);
      }
    });
  });

  it('tells apart two selections that share a fragment, one with more fields beside it', async () => {
    await inRolledBackTransaction(server.handle, async (tx) => {
      await ingestRis(tx, FIXTURE);
      const found = await server.run<{ citations: { nodes: Array<{ authors: Array<{ id: string }> }> } }>(
        tx,
        '{ citations(first: 1, filter: { keywords: ["kept statements"] }, orderBy: YEAR_ASC) { nodes { authors { id } } } }',
      );
      const id = found.citations.nodes[0]?.authors[0]?.id;
      const DOC = `fragment Titles on Author { citations(first: 5, orderBy: YEAR_ASC) { nodes { title } } }
        query ($id: ID!) {
          a: author(id: $id) { ...Titles }
          b: author(id: $id) { ...Titles citations(first: 5, orderBy: YEAR_ASC) { nodes { year } } }
        }`;
      type Side = { citations: { nodes: Array<{ title: string; year?: number }> } };
      for (let i = 0; i < 3; i++) {
        const data = await server.run<{ a: Side; b: Side }>(tx, DOC, { id });
        expect(data.a.citations.nodes).toEqual([
          { title: 'Kelp forests after the heatwave' },
          { title: 'Kelp spores in cold water' },
        ]);
        expect(data.b.citations.nodes).toEqual([
          { title: 'Kelp forests after the heatwave', year: 2019 },
          { title: 'Kelp spores in cold water', year: 2020 },
        ]);
      }
    });
  });

  it('builds once per selection and inputs, and runs on the database it is given', async () => {
    await inRolledBackTransaction(server.handle, async (tx) => {
      await ingestRis(tx, FIXTURE);
      const selection = [{}];
      let builds = 0;
      const page = (year: number) =>
        runBuilt<Array<{ title: string }>>(tx, selection, { year }, () => {
          builds++;
          return tx.query.citations.findMany({
            columns: { title: true },
            where: { year },
            orderBy: { id: 'asc' },
          });
        });
      expect(await page(2019)).toEqual([{ title: 'Kelp forests after the heatwave' }]);
      expect(await page(2019)).toEqual([{ title: 'Kelp forests after the heatwave' }]);
      expect(builds).toBe(1);
      expect(await page(2021)).toEqual([{ title: 'Urchin barrens and kelp loss' }]);
      expect(builds).toBe(2);
      // Another selection with the same inputs is built on its own.
      await runBuilt(tx, [{}], { year: 2019 }, () => {
        builds++;
        return tx.query.citations.findMany({ columns: { id: true }, where: { year: 2019 } });
      });
      expect(builds).toBe(3);
    });
  });
});
