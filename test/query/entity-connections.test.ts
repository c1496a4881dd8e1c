import { describe, expect, it } from 'vitest';
import { ingestRis } from '../../src/ingest/ingest.ts';
import { databaseTargets, inRolledBackTransaction } from '../support/db.ts';
import { gql } from '../support/graphql.ts';
import { useTestServer } from '../support/server.ts';

const record = (i: number, author: string) =>
  `TY  - JOUR\nTI  - Entity paging ${i}\nAU  - ${author}\nAD  - Marine Institute, University of Westport, Westport, Ireland\nKW  - entity paging ${i}\nPY  - 2020\nER  - \n`;

/**
 * The lists of authors, affiliations, keywords, organizations and ingestions check their paging
 * arguments as `citations` does, whatever is selected, and their cursors belong to the ordering,
 * search and filter that made them: carried to another, a cursor is refused, not read as a
 * position in a list it was never in (an empty or arbitrary page).
 */
describe.each(databaseTargets)(
  'paging the lists of authors, affiliations, keywords and organizations on $name',
  ({ url }) => {
    const server = useTestServer(url);

    it('refuses bad paging arguments when only totalCount is asked', async () => {
      await inRolledBackTransaction(server.handle, async (tx) => {
        for (const list of ['authors', 'affiliations', 'keywords', 'organizations', 'ingestions']) {
          for (const [args, code, argument] of [
            ['first: -1', 'BAD_USER_INPUT', 'first'],
            ['last: -2', 'BAD_USER_INPUT', 'last'],
            ['first: 1, last: 1', 'BAD_USER_INPUT', 'last'],
            ['after: "garbage"', 'INVALID_CURSOR', 'after'],
            ['before: "garbage"', 'INVALID_CURSOR', 'before'],
          ] as const) {
            const r = await gql(server.yoga, tx, `{ ${list}(${args}) { totalCount } }`);
            expect(r.errors?.[0]?.extensions, `${list}(${args})`).toMatchObject({ code, argument });
          }
        }
      });
    });

    it("refuses a cursor carried to another ordering, search or filter, and pages on with one's own", async () => {
      await inRolledBackTransaction(server.handle, async (tx) => {
        const authors = ['Abbott, Ann', 'Abbott, Bea', 'Abel, Cara', 'Barker, Dan', 'Barton, Eve'];
        await ingestRis(tx, authors.map((a, i) => record(i, a)).join('\n'));
        const PAGE = `query ($o: AuthorOrder, $s: String, $a: String) {
        authors(orderBy: $o, search: $s, first: 1, after: $a) { edges { cursor node { name } } } }`;
        const page = async (variables: Record<string, unknown>) =>
          gql<{ authors: { edges: Array<{ cursor: string; node: { name: string } }> } }>(
            server.yoga,
            tx,
            PAGE,
            variables,
          );
        // Three runs: the first interpreted, the others compiled; cursors must serve either way.
        for (let run = 0; run < 3; run++) {
          const first = await page({ s: 'abbott' });
          expect(first.errors).toBeUndefined();
          const cursor = first.data?.authors.edges[0]?.cursor;
          const next = await page({ s: 'abbott', a: cursor });
          expect(next.errors).toBeUndefined();
          expect(next.data?.authors.edges.map((e) => e.node.name)).toHaveLength(1);
          for (const other of [
            { s: 'barker', a: cursor },
            { o: 'CITATION_COUNT', s: 'abbott', a: cursor },
            { a: cursor },
          ]) {
            const r = await page(other);
            expect(r.errors?.[0]?.extensions, JSON.stringify(other)).toMatchObject({
              code: 'INVALID_CURSOR',
              argument: 'after',
            });
          }
        }
        const ask = (query: string, variables?: Record<string, unknown>) =>
          gql(server.yoga, tx, query, variables);
        const endCursor = async (list: string, args: string) =>
          (await ask(`{ ${list}(${args}) { pageInfo { endCursor } } }`)).data?.[list].pageInfo
            .endCursor as string;
        const refused = async (query: string) =>
          expect((await ask(query)).errors?.[0]?.extensions, query).toMatchObject({
            code: 'INVALID_CURSOR',
            argument: 'after',
          });
        // A cursor of one list is not a cursor of another with the same ordering.
        const ac = await endCursor('affiliations', 'orderBy: NAME, first: 1');
        await refused(`{ keywords(orderBy: TERM, first: 1, after: "${ac}") { totalCount } }`);
        const kc = await endCursor('keywords', 'search: "entity paging", first: 1');
        await refused(`{ keywords(orderBy: CITATION_COUNT, first: 1, after: "${kc}") { totalCount } }`);
        // The audit log's lists and the ingestions: each cursor belongs to its list and its arguments.
        // An ingest through the API, so the log has an entry to page from.
        const logged = await ask('mutation ($r: String!) { ingestRis(input: { ris: $r }) { created } }', {
          r: record(9, 'Zed, Zoe'),
        });
        expect(logged.errors).toBeUndefined();
        const since = '2000-01-01T00:00:00Z';
        const cc = await endCursor('changes', `since: "${since}", first: 1`);
        expect(cc).toBeTruthy();
        const own = await ask(
          `{ changes(since: "${since}", first: 1, after: "${cc}") { edges { cursor } } }`,
        );
        expect(own.errors).toBeUndefined();
        await refused(
          `{ changes(since: "2001-01-01T00:00:00Z", first: 1, after: "${cc}") { edges { cursor } } }`,
        );
        await refused(
          `{ changes(since: "${since}", actor: "nobody", first: 1, after: "${cc}") { edges { cursor } } }`,
        );
        await refused(`{ ingestions(first: 1, after: "${cc}") { totalCount } }`);
      });
    });
  },
);
