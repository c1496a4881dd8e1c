import { describe, expect, it } from 'vitest';
import { ingestRis } from '../../src/ingest/ingest.ts';
import { databaseTargets, inRolledBackTransaction } from '../support/db.ts';
import { gql } from '../support/graphql.ts';
import { useTestServer } from '../support/server.ts';

// Twelve universities with a department each, two authors per record, each address after its author.
const records = Array.from({ length: 12 }, (_, i) =>
  [
    'TY  - JOUR',
    `TI  - Statement paper ${i} zqxorgstmt`,
    `AU  - Author${i}, Alpha`,
    `AD  - Department of Zqx${i} Studies, University of Zqxtown${i}, Zqxtown${i}, Sweden`,
    `AU  - Author${i}, Beta`,
    `AD  - University of Zqxtown${(i + 1) % 12}, Zqxtown${(i + 1) % 12}, Sweden`,
    `PY  - ${2010 + i}`,
    `DO  - 10.4242/zqxorgstmt.${i}`,
    'ER  - ',
    '',
  ].join('\n'),
).join('\n');

const ORGS = `query ($n: Int!) {
  organizations(search: "zqxtown university", first: $n) {
    totalCount
    nodes {
      id name country { code } spellings { spelling count } citationCount citationsPerYear { year count }
      units { id name parent { id } }
      people(first: 5) { totalCount nodes { author { name organizations { organization { name } } } evidence confidence } }
    }
  }
}`;

const CITATIONS = `query ($n: Int!) {
  citations(first: $n, filter: { search: "zqxorgstmt", countries: ["SE"] }) {
    nodes { title affiliations { name city countryInfo { code } organizations { name } units { name } } }
    facets { organizations { value count } countries { value count } }
  }
}`;

describe.each(databaseTargets)('organization reads on $name', ({ url }) => {
  const server = useTestServer(
    url,
    {
      maxIngestBytes: 1024 * 1024,
      maskErrors: false,
      limits: { maxCost: 1_000_000 },
    },
    { logStatements: true },
  );
  const { statements } = server;

  async function count(tx: Parameters<typeof gql>[1], query: string, n: number): Promise<number> {
    statements.length = 0;
    const r = await gql<{ organizations?: { nodes: unknown[] }; citations?: { nodes: unknown[] } }>(
      server.yoga,
      tx,
      query,
      { n },
    );
    expect(r.errors).toBeUndefined();
    expect((r.data?.organizations ?? r.data?.citations)?.nodes).toHaveLength(n);
    return statements.length;
  }

  it('answers a page of organizations, or of citations with their addresses, in statements that do not grow with the page', async () => {
    await inRolledBackTransaction(server.handle, async (tx) => {
      const report = await ingestRis(tx, records, { source: 'statements' });
      expect(report.created).toBe(12);
      const small = await count(tx, ORGS, 2);
      const large = await count(tx, ORGS, 10);
      expect(large).toBe(small);
      const fewCitations = await count(tx, CITATIONS, 2);
      const manyCitations = await count(tx, CITATIONS, 10);
      expect(manyCitations).toBe(fewCitations);
    });
  });
});
