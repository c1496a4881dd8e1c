import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { type Database, rowsOf } from '../../src/db/client.ts';
import { ingestRis } from '../../src/ingest/ingest.ts';
import { reindexOrganizations } from '../../src/ingest/reindex.ts';
import { DEFAULT_LINK_THRESHOLD, RULE_CONFIDENCE } from '../../src/organizations/infer.ts';
import { databaseTargets, inRolledBackTransaction } from '../support/db.ts';
import { gql } from '../support/graphql.ts';
import { useTestServer } from '../support/server.ts';

/** A word only this file's records contain, so searches see exactly them. */
const TAG = 'zqxorgs';
const rec = (lines: string[]) => `${lines.join('\n')}\nER  - \n\n`;

// Two spellings of one university (one author each: explicit links), the second naming its
// medical school another way.
const sydney1 = rec([
  'TY  - JOUR',
  `TI  - Kidney outcomes ${TAG}`,
  'AU  - Smith, John',
  'AD  - School of Medicine, The University of Sydney, Sydney, NSW 2006, Australia',
  'PY  - 2018',
  `DO  - 10.9999/${TAG}.1`,
]);
const sydney2 = rec([
  'TY  - JOUR',
  `TI  - Kidney outcomes revisited ${TAG}`,
  'AU  - Smith, John',
  'AD  - Univ Sydney, Sydney Med Sch, Sydney, NSW 2006, Australia',
  'PY  - 2020',
  `DO  - 10.9999/${TAG}.2`,
]);
// One hospital name in two countries; each address follows its author.
const twoCountries = rec([
  'TY  - JOUR',
  `TI  - Two hospitals ${TAG}`,
  'AU  - Jones, Amy',
  "AD  - Saint Mary's Hospital, London, United Kingdom",
  'AU  - Brown, Bob',
  "AD  - Saint Mary's Hospital, Rochester, MN, USA",
  'PY  - 2019',
  `DO  - 10.9999/${TAG}.3`,
]);
// Three authors and one address: nothing explicit, one organization on the record.
const karolinska = rec([
  'TY  - JOUR',
  `TI  - Stockholm cohort ${TAG}`,
  'AU  - Lee, Ann',
  'AU  - Kim, Bo',
  'AU  - Park, Cy',
  'AD  - Karolinska Institutet, Stockholm, Sweden',
  'PY  - 2017',
  `DO  - 10.9999/${TAG}.4`,
]);
// Two authors, three addresses: Karolinska repeats for Lee and Kim; the others are one of three.
const nordic = rec([
  'TY  - JOUR',
  `TI  - Nordic registry ${TAG}`,
  'AU  - Lee, Ann',
  'AU  - Kim, Bo',
  'AD  - Karolinska Institutet, Stockholm, Sweden',
  'AD  - Department of Oncology, Uppsala University, Uppsala, Sweden',
  'AD  - University of Oslo, Oslo, Norway',
  'PY  - 2021',
  `DO  - 10.9999/${TAG}.5`,
]);
// An address with nothing to read in it.
const unreadable = rec([
  'TY  - JOUR',
  `TI  - Unreadable address ${TAG}`,
  'AU  - Solo, Han',
  'AD  - 12345',
  'PY  - 2022',
  `DO  - 10.9999/${TAG}.6`,
]);
const ALL = [sydney1, sydney2, twoCountries, karolinska, nordic, unreadable].join('');

const ORG_FIELDS = `id name kind country { code name } isUnit spellings { spelling count } citationCount
  citationsPerYear { year count } units { id name parent { id } } parent { id }`;

async function org(tx: Database, server: ReturnType<typeof useTestServer>, search: string, country?: string) {
  const data = await server.run<{
    organizations: { totalCount: number; nodes: Array<Record<string, any>> };
  }>(
    tx,
    `query ($s: String, $c: String) { organizations(search: $s, country: $c, first: 10) { totalCount nodes { ${ORG_FIELDS} } } }`,
    { s: search, c: country ?? null },
  );
  return data.organizations;
}

async function authorId(
  tx: Database,
  server: ReturnType<typeof useTestServer>,
  name: string,
): Promise<string> {
  const data = await server.run<{ authors: { nodes: Array<{ id: string; name: string }> } }>(
    tx,
    'query ($s: String) { authors(search: $s, first: 1) { nodes { id name } } }',
    { s: name },
  );
  const found = data.authors.nodes[0];
  if (!found) throw new Error(`no author ${name}`);
  return found.id;
}

type Timeline = Array<{
  organization: { id: string; name: string };
  unit: { name: string } | null;
  evidence: string;
  confidence: number;
  rules: string[];
  count: number;
  firstYear: number | null;
  lastYear: number | null;
  decision: string | null;
}>;

async function timeline(
  tx: Database,
  server: ReturnType<typeof useTestServer>,
  id: string,
  all = false,
): Promise<Timeline> {
  const data = await server.run<{ node: { organizations: Timeline } }>(
    tx,
    `query ($id: ID!, $all: Boolean) { node(id: $id) { ... on Author { organizations(includeBelowThreshold: $all) {
      organization { id name } unit { name } evidence confidence rules count firstYear lastYear decision } } } }`,
    { id, all },
  );
  return data.node.organizations;
}

/** Everything organizations and links consist of, in a stable order, for before/after comparisons. */
async function state(tx: Database) {
  const q = async (text: string) => rowsOf(await tx.execute(sql.raw(text)));
  return {
    organizations: await q(
      'select o.name, o.key, o.country_code, o.kind, p.key as parent from organizations o left join organizations p on p.id = o.parent_id order by o.key, o.country_code, p.key',
    ),
    links: await q(
      `select a.name_key as author, o.key, o.country_code, l.citation_ids, l.evidence, l.rules, l.confidence,
         l.first_year, l.last_year, l.citation_count, l.supporting_citation_ids, array_length(l.unit_ids, 1) as units
       from author_organizations l join authors a on a.id = l.author_id join organizations o on o.id = l.organization_id
       order by 1, 2, 3`,
    ),
    parts: await q(
      'select name, city, region, postal_code, country_code, parsed from affiliations order by name_key',
    ),
  };
}

async function mutate<T = Record<string, any>>(
  tx: Database,
  server: ReturnType<typeof useTestServer>,
  query: string,
  variables: Record<string, unknown>,
): Promise<T> {
  return server.run<T>(tx, query, variables);
}

async function lastAuditSequence(tx: Database, action: string): Promise<number> {
  const [row] = rowsOf<{ id: number }>(
    await tx.execute(sql`select id from audit_log where action = ${action} order by id desc limit 1`),
  );
  if (!row) throw new Error(`no audit entry for ${action}`);
  return row.id;
}

describe.each(databaseTargets)('organizations on $name', ({ url }) => {
  const server = useTestServer(url);

  it('reads two spellings as one organization, with its unit rolled up, and links the sole author explicitly', async () => {
    await inRolledBackTransaction(server.handle, async (tx) => {
      const report = await ingestRis(tx, ALL, { source: 'orgs' });
      expect(report.failed).toBe(0);
      const sydney = await org(tx, server, 'Univ Sydney');
      expect(sydney.totalCount).toBe(1);
      const [u] = sydney.nodes;
      expect(u?.kind).toBe('UNIVERSITY');
      expect(u?.country).toEqual({ code: 'AU', name: 'Australia' });
      expect(u?.isUnit).toBe(false);
      expect(u?.spellings.map((s: { spelling: string }) => s.spelling).sort()).toEqual([
        'The University of Sydney',
        'Univ Sydney',
      ]);
      expect(u?.citationCount).toBe(2);
      expect(u?.citationsPerYear).toEqual([
        { year: 2018, count: 1 },
        { year: 2020, count: 1 },
      ]);
      // Both records name a medical school under it; each unit knows its parent.
      expect(u?.units.length).toBeGreaterThan(0);
      for (const unit of u?.units ?? []) expect(unit.parent.id).toBe(u?.id);

      // A query on a unit sees only its own citations; one on the organization sees all.
      const unitId = u?.units[0].id as string;
      const counts = await server.run<{ a: { totalCount: number }; b: { totalCount: number } }>(
        tx,
        `query ($o: [ID!], $u: [ID!]) {
          a: citations(filter: { organizationIds: $o }) { totalCount }
          b: citations(filter: { organizationIds: $u }) { totalCount } }`,
        { o: [u?.id], u: [unitId] },
      );
      expect(counts.a.totalCount).toBe(2);
      expect(counts.b.totalCount).toBe(1);

      const smith = await timeline(tx, server, await authorId(tx, server, 'Smith John'));
      expect(smith).toHaveLength(1);
      expect(smith[0]).toMatchObject({
        organization: { id: u?.id },
        evidence: 'EXPLICIT',
        confidence: 1,
        count: 2,
        firstYear: 2018,
        lastYear: 2020,
      });
      expect(smith[0]?.unit).not.toBeNull();
      // One rule, named by the mapper (which explicit form it read).
      expect(smith[0]?.rules).toHaveLength(1);

      const people = await server.run<{
        node: { people: { totalCount: number; nodes: Array<Record<string, any>> } };
      }>(
        tx,
        `query ($id: ID!) { node(id: $id) { ... on Organization { people(first: 10) { totalCount nodes {
          author { name } firstYear lastYear citationCount evidence confidence } } } } }`,
        { id: u?.id },
      );
      expect(people.node.people.totalCount).toBe(1);
      expect(people.node.people.nodes[0]).toMatchObject({
        author: { name: 'John Smith' },
        firstYear: 2018,
        lastYear: 2020,
        citationCount: 2,
        evidence: 'EXPLICIT',
      });
    });
  });

  it('keeps one name in two countries as two organizations, each linked explicitly in author order', async () => {
    await inRolledBackTransaction(server.handle, async (tx) => {
      await ingestRis(tx, ALL, { source: 'orgs' });
      const both = await org(tx, server, "Saint Mary's Hospital");
      expect(both.totalCount).toBe(2);
      expect(both.nodes.map((n) => n.country.code).sort()).toEqual(['GB', 'US']);
      expect((await org(tx, server, "Saint Mary's Hospital", 'gb')).totalCount).toBe(1);
      const jones = await timeline(tx, server, await authorId(tx, server, 'Jones Amy'));
      expect(jones.map((l) => [l.organization.name, l.evidence])).toEqual([
        ["Saint Mary's Hospital", 'EXPLICIT'],
      ]);
      const london = both.nodes.find((n) => n.country.code === 'GB');
      expect(jones[0]?.organization.id).toBe(london?.id);
    });
  });

  it('infers links with their rule and confidence, and leaves weak ones out unless asked', async () => {
    await inRolledBackTransaction(server.handle, async (tx) => {
      await ingestRis(tx, ALL, { source: 'orgs' });
      const park = await timeline(tx, server, await authorId(tx, server, 'Park Cy'));
      expect(park).toMatchObject([
        {
          organization: { name: 'Karolinska Institutet' },
          evidence: 'INFERRED',
          confidence: RULE_CONFIDENCE.ONLY_ORGANIZATION,
          rules: ['ONLY_ORGANIZATION'],
        },
      ]);
      // Lee: Karolinska on both records; Uppsala and Oslo as one of three addresses.
      const lee = await authorId(tx, server, 'Lee Ann');
      const all = await timeline(tx, server, lee, true);
      expect(all.map((l) => l.organization.name).sort()).toEqual([
        'Karolinska Institutet',
        'University of Oslo',
        'Uppsala University',
      ]);
      for (const l of all) {
        expect(l.evidence).toBe('INFERRED');
        expect(l.rules.length).toBeGreaterThan(0);
      }
      const karolinska = all.find((l) => l.organization.name === 'Karolinska Institutet');
      expect(karolinska).toMatchObject({ count: 2, firstYear: 2017, lastYear: 2021 });
      expect(karolinska?.confidence).toBeGreaterThanOrEqual(DEFAULT_LINK_THRESHOLD);
      // By default exactly the links at or above the threshold come back, and some do not.
      const strong = await timeline(tx, server, lee);
      expect(strong.map((l) => l.organization.name)).toEqual(
        all.filter((l) => l.confidence >= DEFAULT_LINK_THRESHOLD).map((l) => l.organization.name),
      );
      expect(strong.length).toBeLessThan(all.length);
      const below = await server.run<{ node: { organizations: Timeline } }>(
        tx,
        'query ($id: ID!) { node(id: $id) { ... on Author { organizations(minConfidence: 0) { organization { name } } } } }',
        { id: lee },
      );
      expect(below.node.organizations).toHaveLength(3);
    });
  });

  // A record's addresses are its authors'; an edited volume's editor (A2) was placed by none of them.
  it("infers no organization for an editor from the authors' address", async () => {
    await inRolledBackTransaction(server.handle, async (tx) => {
      await ingestRis(
        tx,
        [
          'TY  - CHAP',
          'TI  - Editor address chapter',
          'AU  - Quillfeather, Ravi',
          'AU  - Stonecutter, Tara',
          'A2  - Okafor, Chidi',
          'T2  - Editor address handbook',
          'AD  - Karolinska Institutet, Stockholm, Sweden',
          'PY  - 2021',
          'ER  - ',
          '',
        ].join('\n'),
        { source: 'orgs' },
      );
      const ravi = await timeline(tx, server, await authorId(tx, server, 'Quillfeather Ravi'), true);
      expect(ravi.map((l) => [l.organization.name, l.evidence])).toEqual([
        ['Karolinska Institutet', 'INFERRED'],
      ]);
      expect(await timeline(tx, server, await authorId(tx, server, 'Okafor Chidi'), true)).toEqual([]);
    });
  });

  it('keeps an unreadable address raw on its citation and counts it', async () => {
    await inRolledBackTransaction(server.handle, async (tx) => {
      const report = await ingestRis(tx, unreadable, { source: 'orgs' });
      expect(report.failed).toBe(0);
      expect(report.unparsedAddresses).toBe(1);
      const data = await server.run<{ citation: { affiliations: Array<Record<string, any>> } }>(
        tx,
        `{ citation(doi: "10.9999/${TAG}.6") { affiliations { name parsed organizations { id } countryInfo { code } } } }`,
      );
      expect(data.citation.affiliations).toEqual([
        { name: '12345', parsed: false, organizations: [], countryInfo: null },
      ]);
      const dry = await ingestRis(tx, unreadable.replace(`${TAG}.6`, `${TAG}.66`), { dryRun: true });
      expect(dry.unparsedAddresses).toBe(1);
      const viaGraphql = await server.run<{ ingestRis: { unparsedAddresses: number } }>(
        tx,
        'mutation ($ris: String!) { ingestRis(input: { ris: $ris, dryRun: true }) { ... on IngestRisPayload { unparsedAddresses } } }',
        { ris: unreadable.replace(`${TAG}.6`, `${TAG}.67`) },
      );
      expect(viaGraphql.ingestRis.unparsedAddresses).toBe(1);
    });
  });

  it('filters, counts facets and suggests by organization and country', async () => {
    await inRolledBackTransaction(server.handle, async (tx) => {
      await ingestRis(tx, ALL, { source: 'orgs' });
      const [k] = (await org(tx, server, 'Karolinska')).nodes;
      const data = await server.run<{
        byOrg: { totalCount: number };
        byCountry: {
          totalCount: number;
          facets: Record<string, Array<{ value: string; label: string; count: number }>>;
        };
        suggest: Array<{ id: string; label: string; hint: string; kind: string; count: number }>;
      }>(
        tx,
        `query ($k: [ID!]) {
          byOrg: citations(filter: { organizationIds: $k }) { totalCount }
          byCountry: citations(filter: { search: "${TAG}", countries: ["se"] }) {
            totalCount facets { organizations(size: 10) { value label count } countries(size: 10) { value label count } } }
          suggest(prefix: "karolinska", kinds: [ORGANIZATION]) { id label hint kind count } }`,
        { k: [k?.id] },
      );
      expect(data.byOrg.totalCount).toBe(2);
      expect(data.byCountry.totalCount).toBe(2);
      expect(data.byCountry.facets.organizations?.[0]).toEqual({
        value: k?.id,
        label: 'Karolinska Institutet',
        count: 2,
      });
      expect(data.byCountry.facets.countries).toEqual([
        { value: 'SE', label: 'Sweden', count: 2 },
        { value: 'NO', label: 'Norway', count: 1 },
      ]);
      expect(data.suggest[0]).toEqual({
        id: k?.id,
        label: 'Karolinska Institutet',
        hint: 'Sweden',
        kind: 'ORGANIZATION',
        count: 2,
      });
    });
  });

  it('keeps a rejected link rejected after a re-ingest and a reindex; undo brings it back', async () => {
    await inRolledBackTransaction(server.handle, async (tx) => {
      await ingestRis(tx, ALL, { source: 'orgs' });
      const park = await authorId(tx, server, 'Park Cy');
      const [k] = (await org(tx, server, 'Karolinska')).nodes;
      await mutate(
        tx,
        server,
        `mutation ($a: ID!, $o: ID!) { rejectOrganizationLink(author: $a, organization: $o) {
          ... on OrganizationLinkPayload { author { organizations { organization { id } } } } } }`,
        { a: park, o: k?.id },
      );
      expect(await timeline(tx, server, park, true)).toEqual([]);
      // A record that would link them again, ingested after the decision.
      await ingestRis(
        tx,
        rec([
          'TY  - JOUR',
          `TI  - Later paper ${TAG}`,
          'AU  - Park, Cy',
          'AD  - Karolinska Institutet, Stockholm, Sweden',
          'PY  - 2023',
        ]),
        { source: 'later' },
      );
      expect(await timeline(tx, server, park, true)).toEqual([]);
      await reindexOrganizations(tx);
      expect(await timeline(tx, server, park, true)).toEqual([]);

      await mutate(
        tx,
        server,
        'mutation ($e: Int!) { undoOrganizationChange(entry: $e) { ... on UndoOrganizationChangePayload { action } } }',
        {
          e: await lastAuditSequence(tx, 'rejectOrganizationLink'),
        },
      );
      const back = await timeline(tx, server, park);
      expect(back.map((l) => [l.organization.name, l.evidence, l.count])).toEqual([
        ['Karolinska Institutet', 'EXPLICIT', 2],
      ]);

      // Confirmed: shown whatever the confidence.
      const lee = await authorId(tx, server, 'Lee Ann');
      const [oslo] = (await org(tx, server, 'University of Oslo')).nodes;
      await mutate(
        tx,
        server,
        'mutation ($a: ID!, $o: ID!) { confirmOrganizationLink(author: $a, organization: $o) { __typename } }',
        {
          a: lee,
          o: oslo?.id,
        },
      );
      const confirmed = (await timeline(tx, server, lee)).find((l) => l.organization.id === oslo?.id);
      expect(confirmed).toMatchObject({ decision: 'CONFIRMED', confidence: 1 });
    });
  });

  it('merges organizations and moves units, audited; re-reading keeps them; undo restores', async () => {
    await inRolledBackTransaction(server.handle, async (tx) => {
      await ingestRis(tx, ALL, { source: 'orgs' });
      const [oslo] = (await org(tx, server, 'University of Oslo')).nodes;
      const [uppsala] = (await org(tx, server, 'Uppsala University')).nodes;
      const merged = await mutate<{
        mergeOrganizations: { organization: { id: string; citationCount: number }; mergedIds: string[] };
      }>(
        tx,
        server,
        `mutation ($i: ID!, $f: [ID!]!) { mergeOrganizations(into: $i, from: $f) {
          ... on OrganizationChangePayload { organization { id citationCount } mergedIds } } }`,
        { i: uppsala?.id, f: [oslo?.id] },
      );
      expect(merged.mergeOrganizations.mergedIds).toEqual([oslo?.id]);
      // The old ID resolves to the survivor.
      const redirected = await server.run<{ node: { id: string } }>(
        tx,
        'query ($id: ID!) { node(id: $id) { id } }',
        { id: oslo?.id },
      );
      expect(redirected.node.id).toBe(uppsala?.id);
      await reindexOrganizations(tx);
      expect((await org(tx, server, 'University of Oslo')).nodes.map((n) => n.id)).not.toContain(oslo?.id);
      const survivor = await org(tx, server, 'Uppsala University', 'SE');
      expect(survivor.nodes[0]?.spellings.map((s: { spelling: string }) => s.spelling).sort()).toEqual([
        'University of Oslo',
        'Uppsala University',
      ]);

      // Move the Sydney medical school under Karolinska and back.
      const [sydney] = (await org(tx, server, 'Univ Sydney')).nodes;
      const [k] = (await org(tx, server, 'Karolinska')).nodes;
      const unit = sydney?.units[0];
      await mutate(tx, server, 'mutation ($u: ID!, $t: ID!) { moveUnit(unit: $u, to: $t) { __typename } }', {
        u: unit.id,
        t: k?.id,
      });
      const moved = await server.run<{ node: { parent: { id: string } } }>(
        tx,
        'query ($id: ID!) { node(id: $id) { ... on Organization { parent { id } } } }',
        { id: unit.id },
      );
      expect(moved.node.parent.id).toBe(k?.id);
      await reindexOrganizations(tx);
      const still = await server.run<{ node: { parent: { id: string } } }>(
        tx,
        'query ($id: ID!) { node(id: $id) { ... on Organization { parent { id } } } }',
        { id: unit.id },
      );
      expect(still.node.parent.id).toBe(k?.id);

      const undo =
        'mutation ($e: Int!) { undoOrganizationChange(entry: $e) { ... on UndoOrganizationChangePayload { action } } }';
      await mutate(tx, server, undo, { e: await lastAuditSequence(tx, 'moveUnit') });
      const home = await server.run<{ node: { parent: { id: string } } }>(
        tx,
        'query ($id: ID!) { node(id: $id) { ... on Organization { parent { id } } } }',
        { id: unit.id },
      );
      expect(home.node.parent.id).toBe(sydney?.id);
      await mutate(tx, server, undo, { e: await lastAuditSequence(tx, 'mergeOrganizations') });
      const restored = await org(tx, server, 'University of Oslo', 'NO');
      expect(restored.nodes.map((n) => n.id)).toEqual([oslo?.id]);
      expect(restored.nodes[0]?.citationCount).toBe(1);
      const again = await gql<{ undoOrganizationChange: { __typename: string } }>(
        server.yoga,
        tx,
        'mutation ($e: Int!) { undoOrganizationChange(entry: $e) { __typename } }',
        { e: await lastAuditSequence(tx, 'mergeOrganizations') },
      );
      expect(again.data?.undoOrganizationChange.__typename).toBe('ConflictError');
      const audit = rowsOf<{ action: string }>(
        await tx.execute(
          sql`select action from audit_log where action in ('mergeOrganizations', 'moveUnit', 'undoOrganizationChange') order by id`,
        ),
      ).map((r) => r.action);
      expect(audit).toEqual([
        'mergeOrganizations',
        'moveUnit',
        'undoOrganizationChange',
        'undoOrganizationChange',
      ]);
    });
  });

  it('reindex rebuilds organizations of a database ingested before them, and a second run changes nothing', async () => {
    await inRolledBackTransaction(server.handle, async (tx) => {
      await ingestRis(tx, ALL, { source: 'orgs' });
      const ingested = await state(tx);
      expect(ingested.organizations.length).toBeGreaterThan(5);
      // What an upgraded database looks like: the tables are there but nothing was read.
      await tx.execute(sql`delete from author_organizations`);
      await tx.execute(sql`delete from affiliation_organizations`);
      await tx.execute(sql`delete from organizations`);
      await tx.execute(sql`update affiliations set parsed = false, parsed_at = null, city = null, region = null,
        postal_code = null, country_code = null, street = null`);
      await tx.execute(sql`update author_affiliations set rule = null`);
      const progress: string[] = [];
      const report = await reindexOrganizations(tx, {
        batchSize: 2,
        onProgress: (p) => progress.push(p.phase),
      });
      expect(report.unparsedAddresses).toBeGreaterThanOrEqual(1);
      expect(progress).toContain('citations');
      expect(progress).toContain('authors');
      const first = await state(tx);
      expect(first).toEqual(ingested);
      await reindexOrganizations(tx);
      expect(await state(tx)).toEqual(first);
    });
  });

  it('stores the links the address order gives: one address naming two bodies, the first author at the first address', async () => {
    await inRolledBackTransaction(server.handle, async (tx) => {
      await ingestRis(
        tx,
        [
          rec([
            'TY  - JOUR',
            `TI  - One address, two bodies ${TAG}`,
            'AU  - Qwillan, Ada',
            'AU  - Rhunel, Ben',
            'AD  - Department of Surgery, Aarhus University Hospital, Aarhus University, Aarhus, Denmark',
            'PY  - 2019',
          ]),
          rec([
            'TY  - JOUR',
            `TI  - Two addresses ${TAG}`,
            'AU  - Tovskar, Cyd',
            'AU  - Ulmaro, Dag',
            'AD  - Department of Physics, University of Bergen, Bergen, Norway',
            'AD  - Institute of Marine Research, Bergen, Norway',
            'PY  - 2020',
          ]),
        ].join(''),
        { source: 'order' },
      );
      const shown = async (name: string) =>
        (await timeline(tx, server, await authorId(tx, server, name))).map((l) => [
          l.organization.name,
          l.rules,
          l.confidence,
        ]);
      for (const name of ['Qwillan Ada', 'Rhunel Ben'])
        expect((await shown(name)).sort()).toEqual([
          ['Aarhus University Hospital', ['ONLY_ADDRESS'], RULE_CONFIDENCE.ONLY_ADDRESS],
          ['Aarhus University', ['ONLY_ADDRESS'], RULE_CONFIDENCE.ONLY_ADDRESS],
        ]);
      expect(await shown('Tovskar Cyd')).toEqual([
        ['University of Bergen', ['FIRST_ADDRESS'], RULE_CONFIDENCE.FIRST_ADDRESS],
      ]);
      // The second author could be at either: both links are stored below the threshold.
      expect(await shown('Ulmaro Dag')).toEqual([]);
      const weak = await timeline(tx, server, await authorId(tx, server, 'Ulmaro Dag'), true);
      expect(weak.map((l) => l.rules)).toEqual([['CO_LISTED'], ['CO_LISTED']]);
    });
  });

  it('links MEDLINE addresses to the author they follow, however many each has, and reindex keeps them', async () => {
    await inRolledBackTransaction(server.handle, async (tx) => {
      const nbib = [
        'PMID- 99990001',
        `TI  - Per-author addresses ${TAG}.`,
        'DP  - 2021 Mar',
        'FAU - Wexlund, Ingrid',
        'AU  - Wexlund I',
        'AD  - Department of Physics, University of Turku, Turku, Finland.',
        'AD  - Turku University Hospital, Turku, Finland.',
        'FAU - Yarrow, Piet',
        'AU  - Yarrow P',
        'FAU - Zandvoort, Els',
        'AU  - Zandvoort E',
        'AD  - Leiden University Medical Center, Leiden, Netherlands.',
        'JT  - Journal of research synthesis',
        '',
      ].join('\n');
      const report = await ingestRis(tx, nbib, { source: 'medline' });
      expect(report.format).toBe('MEDLINE');
      const explicit = async (name: string) =>
        (await timeline(tx, server, await authorId(tx, server, name)))
          .filter((l) => l.evidence === 'EXPLICIT')
          .map((l) => [l.organization.name, l.rules]);
      const expected = {
        'Wexlund Ingrid': [
          ['Turku University Hospital', ['FOLLOWS_AUTHOR']],
          ['University of Turku', ['FOLLOWS_AUTHOR']],
        ],
        'Yarrow Piet': [],
        'Zandvoort Els': [['Leiden University Medical Center', ['FOLLOWS_AUTHOR']]],
      };
      for (const [name, links] of Object.entries(expected))
        expect((await explicit(name)).sort()).toEqual(links);
      await reindexOrganizations(tx);
      for (const [name, links] of Object.entries(expected))
        expect((await explicit(name)).sort()).toEqual(links);
    });
  });

  it('still answers the Affiliation API', async () => {
    await inRolledBackTransaction(server.handle, async (tx) => {
      await ingestRis(tx, ALL, { source: 'orgs' });
      const data = await server.run<{
        affiliations: { nodes: Array<{ name: string; country: string | null; citationCount: number }> };
        citation: {
          affiliations: Array<{
            name: string;
            country: string | null;
            city: string | null;
            organizations: Array<{ name: string }>;
            units: Array<{ name: string }>;
          }>;
        };
      }>(
        tx,
        `{ affiliations(search: "Karolinska Institutet", first: 5) { nodes { name country citationCount } }
           citation(doi: "10.9999/${TAG}.5") { affiliations { name country city organizations { name } units { name } } } }`,
      );
      expect(data.affiliations.nodes[0]).toEqual({
        name: 'Karolinska Institutet, Stockholm, Sweden',
        country: 'Sweden',
        citationCount: 2,
      });
      expect(data.citation.affiliations[1]).toEqual({
        name: 'Department of Oncology, Uppsala University, Uppsala, Sweden',
        country: 'Sweden',
        city: 'Uppsala',
        organizations: [{ name: 'Uppsala University' }],
        units: [{ name: 'Department of Oncology' }],
      });
    });
  });
});
