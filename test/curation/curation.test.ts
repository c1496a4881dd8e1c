import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Database, type DatabaseHandle, rowsOf } from '../../src/db/client.ts';
import { ingestRis } from '../../src/ingest/ingest.ts';
import { type BibgraphServer, createServer } from '../../src/server/server.ts';
import { databaseTargets, inRolledBackTransaction, openTestDatabase } from '../support/db.ts';
import { gql } from '../support/graphql.ts';

/** A word only this file's records contain, so searches and facets see exactly them. */
const TAG = 'zqxcuration';
const rec = (lines: string[]) => `${lines.join('\n')}\nER  - \n\n`;

const paper1 = rec([
  'TY  - JOUR',
  `TI  - Platelets in mice ${TAG}`,
  'AU  - Wang, Xiaohua',
  'AD  - Department of Hematology, Charité, Berlin, Germany',
  'AU  - Müller, Käthe',
  'PY  - 2019',
  'KW  - ITP',
  'KW  - Stem cells',
  `DO  - 10.9999/${TAG}.1`,
]);
const paper2 = rec([
  'TY  - JOUR',
  `TI  - A second look ${TAG}`,
  'AU  - Wang, X.',
  'AD  - Dept. of Hematology, Charité Berlin',
  'PY  - 2020',
  'KW  - Immune thrombocytopenia',
  'KW  - Stem cells',
  `DO  - 10.9999/${TAG}.2`,
]);
const paper3 = rec([
  'TY  - JOUR',
  `TI  - A lone paper ${TAG}`,
  'AU  - Solo, Han',
  'AD  - Nowhere Institute of Loneliness',
  'PY  - 2021',
  'KW  - Zqxlonely',
]);

const ids = `{
  citations(filter: { search: "${TAG}" }, first: 50) {
    totalCount
    nodes { id title doi authors { id name } keywords { id term } affiliations { id name } }
    facets { authors(size: 50) { value label count } keywords(size: 50) { value label count } affiliations(size: 50) { value label count } }
  }
}`;

type Ids = {
  citations: {
    totalCount: number;
    nodes: Array<{
      id: string;
      title: string;
      doi: string | null;
      authors: Array<{ id: string; name: string }>;
      keywords: Array<{ id: string; term: string }>;
      affiliations: Array<{ id: string; name: string }>;
    }>;
    facets: Record<
      'authors' | 'keywords' | 'affiliations',
      Array<{ value: string; label: string; count: number }>
    >;
  };
};

async function count(tx: Database, query: string): Promise<number> {
  return rowsOf<{ n: number }>(await tx.execute(sql.raw(query)))[0]?.n ?? 0;
}

describe.each(databaseTargets)('curation mutations on $name', ({ url }) => {
  let handle: DatabaseHandle;
  let yoga: BibgraphServer;
  beforeAll(async () => {
    handle = await openTestDatabase(url);
    // Every request of the file comes from one address, faster than a client's burst allows.
    yoga = createServer({
      database: handle,
      maxIngestBytes: 1024 * 1024,
      maskErrors: true,
      limits: { rateLimitIpBurst: 100_000, rateLimitPerIp: 10_000_000 },
    });
  });
  afterAll(() => handle.close());

  /** Runs a mutation or query as a loopback client and insists it has no top-level errors. */
  async function run<T = Record<string, any>>(
    tx: Database,
    query: string,
    variables?: Record<string, unknown>,
  ) {
    const r = await gql<T>(yoga, tx, query, variables);
    expect(r.errors, JSON.stringify(r.errors)).toBeUndefined();
    return r.data as T;
  }

  async function seed(tx: Database) {
    await ingestRis(tx, paper1 + paper2 + paper3);
    const data = await run<Ids>(tx, ids);
    const byTitle = (word: string) =>
      data.citations.nodes.find((n) => n.title.includes(word)) as Ids['citations']['nodes'][0];
    return { data, p1: byTitle('Platelets'), p2: byTitle('second'), p3: byTitle('lone') };
  }

  const bucket = (data: Ids, facet: 'authors' | 'keywords' | 'affiliations', label: string) =>
    data.citations.facets[facet].find((b) => b.label === label)?.count ?? 0;

  it('updateCitation changes fields, search and the audit log; refuses bad input with typed errors', async () => {
    await inRolledBackTransaction(handle, async (tx) => {
      const { p1, p2 } = await seed(tx);
      const update = `mutation($id: ID!, $input: UpdateCitationInput!) {
        updateCitation(id: $id, input: $input) {
          __typename
          ... on UpdateCitationPayload { changedFields citation { id title year doi } }
          ... on Error { message }
          ... on ValidationError { field }
          ... on ConflictError { conflictingId }
          ... on NotFoundError { id }
        }
      }`;
      const ok = await run(tx, update, {
        id: p1.id,
        input: { title: `Zqxrenamed platelets ${TAG}`, year: 2018 },
      });
      expect(ok.updateCitation).toMatchObject({
        __typename: 'UpdateCitationPayload',
        // The stored date was the year alone: it follows the year.
        changedFields: ['title', 'year', 'date'],
        citation: { id: p1.id, title: `Zqxrenamed platelets ${TAG}`, year: 2018 },
      });
      const found = await run<Ids>(tx, ids.replace(`search: "${TAG}"`, 'search: "zqxrenamed"'));
      expect(found.citations.nodes.map((n) => n.id)).toEqual([p1.id]);
      const gone = await run<Ids>(tx, ids.replace(`search: "${TAG}"`, `search: "platelets mice ${TAG}"`));
      expect(gone.citations.totalCount).toBe(0);

      const bad = await run(tx, update, { id: p1.id, input: { doi: 'not a doi' } });
      expect(bad.updateCitation).toMatchObject({ __typename: 'ValidationError', field: 'input.doi' });
      const noSuchDay = await run(tx, update, { id: p1.id, input: { date: '2017-02-30' } });
      expect(noSuchDay.updateCitation).toMatchObject({ __typename: 'ValidationError', field: 'input.date' });
      const taken = await run(tx, update, {
        id: p1.id,
        input: { doi: `https://doi.org/10.9999/${TAG.toUpperCase()}.2` },
      });
      expect(taken.updateCitation).toMatchObject({ __typename: 'ConflictError', conflictingId: p2.id });
      expect(taken.updateCitation.message).toContain(`10.9999/${TAG}.2`);
      const wrongKind = await run(tx, update, { id: p1.authors[0]?.id, input: { title: 'x' } });
      expect(wrongKind.updateCitation).toMatchObject({ __typename: 'ValidationError', field: 'id' });
      const missing = await run(tx, update, {
        id: Buffer.from('Citation:99999999').toString('base64'),
        input: { title: 'x' },
      });
      expect(missing.updateCitation.__typename).toBe('NotFoundError');
      const noop = await run(tx, update, { id: p1.id, input: { year: 2018 } });
      expect(noop.updateCitation.changedFields).toEqual([]);

      const history = await run(
        tx,
        `query($id: ID!) { history(subjectId: $id) { nodes { action actor subjectIds before after } } }`,
        { id: p1.id },
      );
      // Only the one real update: refused and no-op calls log nothing (and the seed ingest ran
      // through the service without an actor).
      expect(history.history.nodes.map((n: { action: string }) => n.action)).toEqual(['updateCitation']);
      expect(history.history.nodes[0]).toMatchObject({
        actor: 'loopback',
        subjectIds: [p1.id],
        before: { title: `Platelets in mice ${TAG}`, year: 2019 },
        after: { title: `Zqxrenamed platelets ${TAG}`, year: 2018 },
      });
    });
  });

  // Found by a newcomer's walk: a year corrected alone left the stored date in the old year, and
  // exports (RIS DA, CSL issued) and formatted citations read the date.
  it('updateCitation keeps year and date one: a year-only date follows the year, a fuller one is refused', async () => {
    await inRolledBackTransaction(handle, async (tx) => {
      const { p1 } = await seed(tx);
      const update = `mutation($id: ID!, $input: UpdateCitationInput!) {
        updateCitation(id: $id, input: $input) {
          __typename
          ... on UpdateCitationPayload { changedFields citation { year date } }
          ... on Error { message }
          ... on ValidationError { field }
        }
      }`;
      const moved = await run(tx, update, { id: p1.id, input: { year: 2016 } });
      expect(moved.updateCitation).toMatchObject({
        __typename: 'UpdateCitationPayload',
        citation: { year: 2016, date: '2016' },
      });
      expect(moved.updateCitation.changedFields).toEqual(expect.arrayContaining(['year', 'date']));
      const cleared = await run(tx, update, { id: p1.id, input: { year: null } });
      expect(cleared.updateCitation).toMatchObject({ citation: { year: null, date: null } });

      await run(tx, update, { id: p1.id, input: { date: '2017-05-01' } });
      const refused = await run(tx, update, { id: p1.id, input: { year: 2015 } });
      expect(refused.updateCitation).toMatchObject({ __typename: 'ValidationError', field: 'input.year' });
      expect(refused.updateCitation.message).toContain('2017-05-01');
      const both = await run(tx, update, { id: p1.id, input: { year: 2015, date: '2015-05-01' } });
      expect(both.updateCitation).toMatchObject({ citation: { year: 2015, date: '2015-05-01' } });
      const same = await run(tx, update, { id: p1.id, input: { year: 2015 } });
      expect(same.updateCitation.changedFields).toEqual([]);
    });
  });

  it('deleteCitation removes the citation and the authors, affiliations and keywords only it used', async () => {
    await inRolledBackTransaction(handle, async (tx) => {
      const { data, p1, p3 } = await seed(tx);
      const before = {
        authors: await count(tx, 'select count(*)::int as n from authors'),
        keywords: await count(tx, 'select count(*)::int as n from keywords'),
        affiliations: await count(tx, 'select count(*)::int as n from affiliations'),
      };
      const r = await run(
        tx,
        `mutation($id: ID!) { deleteCitation(id: $id) {
          __typename ... on DeleteCitationPayload { deletedCitationId removedAuthorIds removedAffiliationIds removedKeywordIds }
        } }`,
        { id: p3.id },
      );
      expect(r.deleteCitation).toEqual({
        __typename: 'DeleteCitationPayload',
        deletedCitationId: p3.id,
        removedAuthorIds: p3.authors.map((a) => a.id),
        removedAffiliationIds: p3.affiliations.map((a) => a.id),
        removedKeywordIds: p3.keywords.map((k) => k.id),
      });
      expect(await count(tx, 'select count(*)::int as n from authors')).toBe(before.authors - 1);
      expect(await count(tx, 'select count(*)::int as n from keywords')).toBe(before.keywords - 1);
      expect(await count(tx, 'select count(*)::int as n from affiliations')).toBe(before.affiliations - 1);
      const after = await run<Ids>(tx, ids);
      expect(after.citations.totalCount).toBe(data.citations.totalCount - 1);
      expect(bucket(after, 'keywords', 'Zqxlonely')).toBe(0);
      expect(bucket(after, 'authors', 'Han Solo')).toBe(0);
      // Shared ones stay.
      expect(bucket(after, 'keywords', 'Stem cells')).toBe(2);
      const nodes = await run(tx, 'query($ids: [ID!]!) { nodes(ids: $ids) { id } }', {
        ids: [p3.id, p3.authors[0]?.id, p1.id],
      });
      expect(nodes.nodes).toEqual([null, null, { id: p1.id }]);
      const again = await run(tx, 'mutation($id: ID!) { deleteCitation(id: $id) { __typename } }', {
        id: p3.id,
      });
      expect(again.deleteCitation.__typename).toBe('NotFoundError');
    });
  });

  it('mergeAuthors moves credits, keeps counts and facets right, redirects the old ID and survives a re-ingest', async () => {
    await inRolledBackTransaction(handle, async (tx) => {
      const { p1, p2 } = await seed(tx);
      const wang = p1.authors.find((a) => a.name === 'Xiaohua Wang') as { id: string };
      const wangX = p2.authors.find((a) => a.name.includes('Wang')) as { id: string; name: string };
      expect(wangX.id).not.toBe(wang.id);
      const r = await run(
        tx,
        `mutation($into: ID!, $from: [ID!]!) { mergeAuthors(into: $into, from: $from) {
          __typename ... on MergeAuthorsPayload { mergedIds author { id name citationCount } }
        } }`,
        { into: wang.id, from: [wangX.id] },
      );
      expect(r.mergeAuthors).toEqual({
        __typename: 'MergeAuthorsPayload',
        mergedIds: [wangX.id],
        author: { id: wang.id, name: 'Xiaohua Wang', citationCount: 2 },
      });
      const after = await run<Ids>(tx, ids);
      expect(bucket(after, 'authors', 'Xiaohua Wang')).toBe(2);
      expect(bucket(after, 'authors', wangX.name)).toBe(0);
      const node = await run(tx, 'query($id: ID!) { node(id: $id) { id ... on Author { name } } }', {
        id: wangX.id,
      });
      expect(node.node).toEqual({ id: wang.id, name: 'Xiaohua Wang' });
      // The merged-away name now credits the survivor instead of coming back.
      const authorsBefore = await count(tx, 'select count(*)::int as n from authors');
      const report = await ingestRis(tx, paper2);
      expect(report.unchanged).toBe(1);
      expect(await count(tx, 'select count(*)::int as n from authors')).toBe(authorsBefore);
      const fresh = await ingestRis(
        tx,
        rec(['TY  - JOUR', `TI  - Third ${TAG}`, 'AU  - Wang, X.', 'PY  - 2022']),
      );
      expect(fresh.created).toBe(1);
      expect(await count(tx, 'select count(*)::int as n from authors')).toBe(authorsBefore);
      const again = await run(tx, 'query($id: ID!) { node(id: $id) { ... on Author { citationCount } } }', {
        id: wang.id,
      });
      expect(again.node.citationCount).toBe(3);
      const history = await run(
        tx,
        'query($id: ID!) { history(subjectId: $id) { nodes { action before after } } }',
        {
          id: wangX.id,
        },
      );
      expect(history.history.nodes[0]).toMatchObject({
        action: 'mergeAuthors',
        before: {
          from: [
            { id: `Author:${Buffer.from(wangX.id, 'base64').toString().split(':')[1]}`, citationCount: 1 },
          ],
        },
        after: { into: { citationCount: 2 } },
      });
    });
  });

  it('mergeKeywords and mergeAffiliations collapse links, fix counts, facets and search', async () => {
    await inRolledBackTransaction(handle, async (tx) => {
      const { p1, p2 } = await seed(tx);
      const itp = p1.keywords.find((k) => k.term === 'ITP') as { id: string };
      const immune = p2.keywords.find((k) => k.term === 'Immune thrombocytopenia') as { id: string };
      const stemOn2 = p2.keywords.find((k) => k.term === 'Stem cells') as { id: string };
      const mk = await run(
        tx,
        `mutation($into: ID!, $from: [ID!]!) { mergeKeywords(into: $into, from: $from) {
          __typename ... on MergeKeywordsPayload { keyword { term citationCount } }
        } }`,
        { into: itp.id, from: [immune.id] },
      );
      expect(mk.mergeKeywords.keyword).toEqual({ term: 'ITP', citationCount: 2 });
      const after = await run<Ids>(tx, ids);
      expect(bucket(after, 'keywords', 'ITP')).toBe(2);
      expect(bucket(after, 'keywords', 'Immune thrombocytopenia')).toBe(0);
      const p2After = after.citations.nodes.find((n) => n.id === p2.id);
      expect(p2After?.keywords.map((k) => k.term)).toEqual(['ITP', 'Stem cells']);
      // The search document follows: the old term no longer finds the citation, the survivor's does.
      const byOld = await run<Ids>(
        tx,
        `{ citations(filter: { search: "immune thrombocytopenia ${TAG}" }) { totalCount } }`,
      );
      expect(byOld.citations.totalCount).toBe(0);
      const byNew = await run<Ids>(tx, `{ citations(filter: { search: "itp ${TAG}" }) { totalCount } }`);
      expect(byNew.citations.totalCount).toBe(2);
      // Merging a keyword into one a citation already has leaves one link, not two.
      const stem = p1.keywords.find((k) => k.term === 'Stem cells') as { id: string };
      expect(stem.id).toBe(stemOn2.id);

      const a1 = p1.affiliations[0] as { id: string; name: string };
      const a2 = p2.affiliations[0] as { id: string; name: string };
      expect(a1.id).not.toBe(a2.id);
      const ma = await run(
        tx,
        `mutation($into: ID!, $from: [ID!]!) { mergeAffiliations(into: $into, from: $from) {
          __typename ... on MergeAffiliationsPayload { affiliation { id citationCount } mergedIds }
        } }`,
        { into: a1.id, from: [a2.id] },
      );
      expect(ma.mergeAffiliations).toMatchObject({
        affiliation: { id: a1.id, citationCount: 2 },
        mergedIds: [a2.id],
      });
      const after2 = await run<Ids>(tx, ids);
      expect(bucket(after2, 'affiliations', a1.name)).toBe(2);
      expect(bucket(after2, 'affiliations', a2.name)).toBe(0);
      const node = await run(tx, 'query($id: ID!) { node(id: $id) { id } }', { id: a2.id });
      expect(node.node).toEqual({ id: a1.id });
      // Position order stays gapless.
      expect(
        await count(
          tx,
          'select count(*)::int as n from citation_keywords ck where position > (select count(*) from citation_keywords x where x.citation_id = ck.citation_id)',
        ),
      ).toBe(0);
    });
  });

  it('links and unlinks an author and an affiliation through a citation', async () => {
    await inRolledBackTransaction(handle, async (tx) => {
      const { p1, p2 } = await seed(tx);
      const muller = p1.authors.find((a) => a.name === 'Käthe Müller') as { id: string };
      const aff = p2.affiliations[0] as { id: string; name: string };
      const link = `mutation($a: ID!, $f: ID!, $c: ID!) { linkAuthorAffiliation(author: $a, affiliation: $f, citation: $c) {
        __typename ... on AuthorAffiliationLinkPayload { author { affiliations { affiliation { id } count } } } ... on Error { message }
      } }`;
      const notCredited = await run(tx, link, { a: muller.id, f: aff.id, c: p2.id });
      expect(notCredited.linkAuthorAffiliation.__typename).toBe('ValidationError');
      const ok = await run(tx, link, { a: muller.id, f: aff.id, c: p1.id });
      expect(ok.linkAuthorAffiliation.author.affiliations).toContainEqual({
        affiliation: { id: aff.id },
        count: 1,
      });
      const twice = await run(tx, link, { a: muller.id, f: aff.id, c: p1.id });
      expect(twice.linkAuthorAffiliation.__typename).toBe('ConflictError');
      // The citation now lists the affiliation too, so facets count it.
      const after = await run<Ids>(tx, ids);
      expect(bucket(after, 'affiliations', aff.name)).toBe(2);

      const unlink = `mutation($a: ID!, $f: ID!) { unlinkAuthorAffiliation(author: $a, affiliation: $f) {
        __typename ... on AuthorAffiliationLinkPayload { removedLinks author { affiliations { affiliation { id } } } }
      } }`;
      const un = await run(tx, unlink, { a: muller.id, f: aff.id });
      expect(un.unlinkAuthorAffiliation.removedLinks).toBe(1);
      expect(un.unlinkAuthorAffiliation.author.affiliations).not.toContainEqual({
        affiliation: { id: aff.id },
      });
      const none = await run(tx, unlink, { a: muller.id, f: aff.id });
      expect(none.unlinkAuthorAffiliation.__typename).toBe('NotFoundError');
    });
  });

  it('markNotDuplicate blocks merges and keeps a re-ingest from folding look-alike citations together', async () => {
    await inRolledBackTransaction(handle, async (tx) => {
      const { p1, p2 } = await seed(tx);
      const mark = `mutation($a: ID!, $b: ID!) { markNotDuplicate(a: $a, b: $b) {
        __typename ... on MarkNotDuplicatePayload { kind ids alreadyMarked } ... on Error { message }
      } }`;
      const [a1, a2] = [p1.authors[0]?.id, p2.authors[0]?.id];
      const marked = await run(tx, mark, { a: a1, b: a2 });
      expect(marked.markNotDuplicate).toMatchObject({ kind: 'AUTHOR', alreadyMarked: false });
      expect((await run(tx, mark, { a: a2, b: a1 })).markNotDuplicate.alreadyMarked).toBe(true);
      const merge = await run(
        tx,
        'mutation($i: ID!, $f: [ID!]!) { mergeAuthors(into: $i, from: $f) { __typename ... on Error { message } } }',
        { i: a1, f: [a2] },
      );
      expect(merge.mergeAuthors.__typename).toBe('ConflictError');
      expect(merge.mergeAuthors.message).toMatch(/marked as not duplicates/);
      const mixed = await run(tx, mark, { a: p1.id, b: a1 });
      expect(mixed.markNotDuplicate.__typename).toBe('ValidationError');

      // An erratum and the article share title, year and first author but not the DOI.
      const lookAlike = (doi: string | null) =>
        rec([
          'TY  - JOUR',
          `TI  - Erratum ${TAG}`,
          'AU  - Roe, Jane',
          'PY  - 2023',
          ...(doi ? [`DO  - ${doi}`] : []),
          'KW  - Zqxextra',
        ]);
      await ingestRis(tx, lookAlike(`10.9999/${TAG}.e1`) + lookAlike(`10.9999/${TAG}.e2`));
      const pair = await run<Ids>(tx, ids.replace(`search: "${TAG}"`, `search: "erratum ${TAG}"`));
      expect(pair.citations.totalCount).toBe(2);
      const [e1, e2] = pair.citations.nodes;
      expect((await run(tx, mark, { a: e1?.id, b: e2?.id })).markNotDuplicate.kind).toBe('CITATION');
      // Without a DOI the record would have filled in whichever came first; now it stands alone.
      const report = await ingestRis(tx, lookAlike(null));
      expect(report).toMatchObject({ created: 1, updated: 0 });
      // A record carrying one of the DOIs still finds its own citation.
      const own = await ingestRis(tx, lookAlike(`10.9999/${TAG}.e2`));
      expect(own.outcomes[0]).toMatchObject({ action: 'unchanged', matchedBy: 'doi' });
    });
  });

  it('changes(since:) lists every change in order with who made it', async () => {
    await inRolledBackTransaction(handle, async (tx) => {
      const since = new Date(Date.now() - 60_000).toISOString();
      await run(tx, 'mutation($ris: String!) { ingestRis(input: { ris: $ris }) { created } }', {
        ris: paper1,
      });
      const { p1 } = await seed(tx);
      await run(tx, 'mutation($id: ID!) { updateCitation(id: $id, input: { volume: "7" }) { __typename } }', {
        id: p1.id,
      });
      const changes = await run(
        tx,
        'query($since: DateTime!) { changes(since: $since, first: 100) { nodes { sequence action actor } } }',
        { since },
      );
      const mine = changes.changes.nodes.filter((n: { action: string }) =>
        ['ingestRis', 'updateCitation'].includes(n.action),
      );
      expect(mine.map((n: { action: string }) => n.action).slice(-2)).toEqual([
        'ingestRis',
        'updateCitation',
      ]);
      const seqs = changes.changes.nodes.map((n: { sequence: number }) => n.sequence);
      expect([...seqs].sort((a, b) => a - b)).toEqual(seqs);
    });
  });
});
