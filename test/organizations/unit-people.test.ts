import { describe, expect, it } from 'vitest';
import { ingestRis } from '../../src/ingest/ingest.ts';
import { databaseTargets, inRolledBackTransaction } from '../support/db.ts';
import { gql } from '../support/graphql.ts';
import { useTestServer } from '../support/server.ts';

const TAG = 'unitpeople';

const rec = (author: string, address: string, i: number) =>
  [
    'TY  - JOUR',
    `TI  - Paper ${i} ${TAG}`,
    `AU  - ${author}`,
    `AD  - ${address}`,
    'PY  - 2021',
    'ER  - ',
    '',
  ].join('\n');

const PEOPLE = `query ($id: ID!) { node(id: $id) { ... on Organization { name
  people(first: 10) { totalCount nodes { author { name } citationCount } } } } }`;

describe.each(databaseTargets)("an organization's and a unit's people on $name", ({ url }) => {
  const server = useTestServer(url, { maskErrors: false });

  it('lists everyone linked to the organization, most cited first and in pages, and on a unit those whose addresses name it', async () => {
    await inRolledBackTransaction(server.handle, async (tx) => {
      await ingestRis(
        tx,
        [
          rec('Quill, Ada', 'Department of Botany, University of Vorland, Vorland, Norway', 1),
          rec('Quill, Ada', 'Department of Botany, University of Vorland, Vorland, Norway', 2),
          rec('Rook, Ben', 'Department of Zoology, University of Vorland, Vorland, Norway', 3),
          rec('Stave, Cy', 'University of Vorland, Vorland, Norway', 4),
        ].join('\n'),
        { source: TAG },
      );
      const found = await gql(
        server.yoga,
        tx,
        `{ organizations(search: "Vorland", first: 1) { nodes { id units { id name } } } }`,
      );
      expect(found.errors).toBeUndefined();
      const org = found.data?.organizations.nodes[0];
      const org_people = await gql(server.yoga, tx, PEOPLE, { id: org.id });
      expect(org_people.data?.node.people).toEqual({
        totalCount: 3,
        nodes: [
          { author: { name: 'Ada Quill' }, citationCount: 2 },
          { author: { name: 'Ben Rook' }, citationCount: 1 },
          { author: { name: 'Cy Stave' }, citationCount: 1 },
        ],
      });
      // Pages in that order, each knowing the size of the whole list, past the end too.
      const PAGE = `query ($id: ID!, $after: String) { node(id: $id) { ... on Organization {
        people(first: 2, after: $after) { totalCount pageInfo { endCursor hasNextPage } nodes { author { name } } } } } }`;
      const first = await gql(server.yoga, tx, PAGE, { id: org.id });
      expect(first.data?.node.people).toMatchObject({
        totalCount: 3,
        pageInfo: { hasNextPage: true },
        nodes: [{ author: { name: 'Ada Quill' } }, { author: { name: 'Ben Rook' } }],
      });
      const second = await gql(server.yoga, tx, PAGE, {
        id: org.id,
        after: first.data?.node.people.pageInfo.endCursor,
      });
      expect(second.data?.node.people).toMatchObject({
        totalCount: 3,
        pageInfo: { hasNextPage: false },
        nodes: [{ author: { name: 'Cy Stave' } }],
      });
      const past = await gql(server.yoga, tx, PAGE, {
        id: org.id,
        after: second.data?.node.people.pageInfo.endCursor,
      });
      expect(past.data?.node.people).toMatchObject({ totalCount: 3, nodes: [] });
      const botany = org.units.find((u: { name: string }) => u.name === 'Department of Botany');
      const unit_people = await gql(server.yoga, tx, PEOPLE, { id: botany.id });
      expect(unit_people.data?.node.people).toEqual({
        totalCount: 1,
        nodes: [{ author: { name: 'Ada Quill' }, citationCount: 2 }],
      });
    });
  });
});
