import { describe, expect, it } from 'vitest';
import { ingestRis } from '../../src/ingest/ingest.ts';
import { databaseTargets, inRolledBackTransaction } from '../support/db.ts';
import { gql } from '../support/graphql.ts';
import { useTestServer } from '../support/server.ts';

const rec = (author: string, i: number) =>
  `TY  - JOUR\nTI  - Paper ${i} peopleargs\nAU  - ${author}\nAD  - Department of Botany, University of Ostmark, Ostmark, Norway\nPY  - 2021\nER  - \n`;

const offsetCursor = (text: string) => Buffer.from(text).toString('base64');

/**
 * `Organization.people` pages by position: its arguments are checked as every connection's are —
 * a cursor that is not one of its own is INVALID_CURSOR naming the argument, never a database
 * error (a malformed position reached PostgreSQL as NaN: HTTP 500).
 */
describe.each(databaseTargets)("an organization's people refuse bad paging arguments on $name", ({ url }) => {
  const server = useTestServer(url);

  it('refuses malformed cursors, first with last and confidence outside 0–1, naming the argument', async () => {
    await inRolledBackTransaction(server.handle, async (tx) => {
      await ingestRis(tx, [rec('Quill, Ada', 1), rec('Rook, Ben', 2), rec('Stave, Cy', 3)].join('\n'));
      const found = await gql(
        server.yoga,
        tx,
        '{ organizations(search: "Ostmark", first: 1) { nodes { id } } }',
      );
      const id = found.data?.organizations.nodes[0].id;
      expect(id).toBeTruthy();
      // One page of an organization's people: `args`, what to select, which organization.
      const ask = (args: string, select = 'totalCount nodes { citationCount }', of = id) =>
        gql(server.yoga, tx, `query ($id: ID!) { organization(id: $id) { people(${args}) { ${select} } } }`, {
          id: of,
        });
      for (const [args, argument] of [
        ['after: "garbage"', 'after'],
        ['before: "YQ"', 'before'],
        [`first: 2, after: "${offsetCursor('OffsetConnection:abc')}"`, 'after'],
        [`first: 2, after: "${offsetCursor('OffsetConnection:')}"`, 'after'],
        [`first: 2, after: "${offsetCursor('OffsetConnection:99999999999999999999')}"`, 'after'],
        [`first: 2, after: "${offsetCursor('OffsetConnection:-5')}"`, 'after'],
        [`first: 2, after: "${offsetCursor('OffsetConnection:1.5')}"`, 'after'],
        [`first: 2, after: "${offsetCursor('DC:T:["N:1"]')}"`, 'after'],
      ] as const) {
        const r = await ask(args);
        expect(r.errors?.[0]?.extensions, args).toMatchObject({ code: 'INVALID_CURSOR', argument });
        expect(r.errors?.[0]?.path).toEqual(['organization', 'people']);
      }
      for (const [args, argument] of [
        ['first: 1, last: 1', 'last'],
        ['first: -1', 'first'],
        ['minConfidence: -0.5', 'minConfidence'],
        ['minConfidence: 1.5', 'minConfidence'],
      ] as const) {
        const r = await ask(args);
        expect(r.errors?.[0]?.extensions, args).toMatchObject({ code: 'BAD_USER_INPUT', argument });
      }
      // An author's organizations take the same confidence range.
      const person = await ask('first: 1');
      expect(person.errors).toBeUndefined();
      const people = await ask('first: 1', 'nodes { author { id } }');
      const authorId = people.data?.organization.people.nodes[0].author.id;
      const orgs = await gql(
        server.yoga,
        tx,
        `{ author(id: "${authorId}") { organizations(minConfidence: 2) { count } } }`,
      );
      expect(orgs.errors?.[0]?.extensions).toMatchObject({
        code: 'BAD_USER_INPUT',
        argument: 'minConfidence',
      });
      // Its cursors belong to the organization and threshold they were made for; "" is no cursor.
      await ingestRis(
        tx,
        'TY  - JOUR\nTI  - Paper 9 peopleargs\nAU  - Umber, Dee\nAU  - Vole, Eli\nAD  - School of Law, University of Westmark, Westmark, Norway\nPY  - 2021\nER  - \n',
      );
      const other = await gql(
        server.yoga,
        tx,
        '{ organizations(search: "Westmark", first: 1) { nodes { id } } }',
      );
      const otherId = other.data?.organizations.nodes[0].id;
      const mine = await ask('first: 1', 'pageInfo { endCursor }');
      const cursor = mine.data?.organization.people.pageInfo.endCursor;
      for (const [orgId, args] of [
        [otherId, `first: 1, after: "${cursor}"`],
        [id, `first: 1, after: "${cursor}", minConfidence: 0.9`],
        [id, `first: 1, after: "${cursor}", includeBelowThreshold: true`],
      ] as const) {
        const r = await ask(args, 'totalCount', orgId);
        expect(r.errors?.[0]?.extensions, args).toMatchObject({ code: 'INVALID_CURSOR', argument: 'after' });
      }
      const blank = await ask('first: 1, after: ""');
      expect(blank.errors).toBeUndefined();
      // A cursor of its own pages on.
      const page = await ask('first: 1', 'pageInfo { endCursor }');
      const next = await ask(`first: 2, after: "${page.data?.organization.people.pageInfo.endCursor}"`);
      expect(next.errors).toBeUndefined();
      expect(next.data?.organization.people.nodes).toHaveLength(2);
    });
  });
});
