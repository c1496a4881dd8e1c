import { sql } from 'drizzle-orm';
import { type Database, rowsOf } from '../db/client.ts';
import { authorOrganizations } from '../db/schema.ts';
import { inferAuthorLinks } from '../organizations/infer.ts';
import type { AuthorCitation } from '../organizations/types.ts';

/*
 * Author ↔ organization links are derived data: the explicit ones from author_affiliations (what
 * the records say) through what each address names, the inferred ones from the rules of
 * src/organizations/infer.ts over all of an author's citations. So they are recomputed whole for
 * the authors a change touched, never patched: two statements load everything the rules need for
 * a set of authors, one deletes and one writes their links. Curators' REJECTED pairs are never
 * written; CONFIRMED pairs need nothing here (reads return them whatever their confidence).
 */

/** Authors recomputed per round (bounds the size of each statement). */
const AUTHORS_PER_ROUND = 2000;

/** The rule of an explicit link whose record did not say how it linked (rows from before rules). */
export const EXPLICIT_RULE_UNKNOWN = 'explicit';

interface CitationRow {
  author_id: number;
  citation_id: number;
  year: number | null;
  author_count: number;
  organization_ids: number[];
}

interface ExplicitRow {
  author_id: number;
  citation_id: number;
  organization_id: number;
  unit_id: number | null;
  rule: string | null;
}

type LinkRow = typeof authorOrganizations.$inferInsert;

/** Recomputes every organization link of these authors. */
export async function recomputeAuthorLinks(tx: Database, authorIds: Iterable<number>): Promise<void> {
  const all = [...new Set(authorIds)].sort((a, b) => a - b);
  for (let i = 0; i < all.length; i += AUTHORS_PER_ROUND) {
    await recomputeRound(tx, all.slice(i, i + AUTHORS_PER_ROUND));
  }
}

async function recomputeRound(tx: Database, authorIds: number[]): Promise<void> {
  const ids = `{${authorIds.join(',')}}`;
  const [citationRows, explicitRows, rejectedRows] = await Promise.all([
    tx.execute(sql`
      with mine as (select distinct author_id, citation_id from contributions where author_id = any(${ids}::int[])),
      cited as (select distinct citation_id from mine),
      counts as (select k.citation_id, count(distinct k.author_id)::int as n from contributions k
        where k.citation_id in (select citation_id from cited) group by k.citation_id),
      named as (select ca.citation_id, array_agg(distinct ao.organization_id) as ids
        from citation_affiliations ca
        join affiliation_organizations ao on ao.affiliation_id = ca.affiliation_id and ao.depth = 0
        where ca.citation_id in (select citation_id from cited) group by ca.citation_id)
      select m.author_id, m.citation_id, c.year, coalesce(n.n, 0) as author_count,
        coalesce(o.ids, '{}') as organization_ids
      from mine m join citations c on c.id = m.citation_id
      left join counts n on n.citation_id = m.citation_id
      left join named o on o.citation_id = m.citation_id`),
    tx.execute(sql`
      select distinct on (aa.author_id, aa.citation_id, ao.organization_id)
        aa.author_id, aa.citation_id, ao.organization_id, u.organization_id as unit_id, aa.rule
      from author_affiliations aa
      join affiliation_organizations ao on ao.affiliation_id = aa.affiliation_id and ao.depth = 0
      left join affiliation_organizations u on u.affiliation_id = ao.affiliation_id
        and u.position = ao.position and u.depth = 1
      where aa.author_id = any(${ids}::int[])
      order by aa.author_id, aa.citation_id, ao.organization_id, u.organization_id nulls last`),
    tx.execute(sql`select author_id, organization_id from organization_link_decisions
      where decision = 'REJECTED' and author_id = any(${ids}::int[])`),
  ]);
  const rejected = new Set(
    rowsOf<{ author_id: number; organization_id: number }>(rejectedRows).map(
      (r) => `${r.author_id}:${r.organization_id}`,
    ),
  );
  const explicitBy = new Map<number, ExplicitRow[]>();
  for (const r of rowsOf<ExplicitRow>(explicitRows)) {
    const list = explicitBy.get(r.author_id) ?? [];
    list.push(r);
    explicitBy.set(r.author_id, list);
  }
  const citationsBy = new Map<number, CitationRow[]>();
  for (const r of rowsOf<CitationRow>(citationRows)) {
    const list = citationsBy.get(r.author_id) ?? [];
    list.push(r);
    citationsBy.set(r.author_id, list);
  }

  const links: LinkRow[] = [];
  for (const authorId of authorIds) {
    const explicit = explicitBy.get(authorId) ?? [];
    const explicitKeys = new Set(explicit.map((e) => `${e.citation_id}:${e.organization_id}`));
    for (const e of explicit) {
      if (rejected.has(`${authorId}:${e.organization_id}`)) continue;
      links.push({
        authorId,
        organizationId: e.organization_id,
        citationId: e.citation_id,
        unitId: e.unit_id,
        evidence: 'EXPLICIT',
        rule: e.rule ?? EXPLICIT_RULE_UNKNOWN,
        confidence: 1,
        supportingCitationIds: [e.citation_id],
      });
    }
    const explicitOf = new Map<number, string[]>();
    for (const e of explicit) {
      const list = explicitOf.get(e.citation_id) ?? [];
      list.push(String(e.organization_id));
      explicitOf.set(e.citation_id, list);
    }
    const input: AuthorCitation[] = (citationsBy.get(authorId) ?? []).map((c) => ({
      citationId: String(c.citation_id),
      year: c.year,
      authorCount: c.author_count,
      organizationIds: c.organization_ids.map(String),
      explicitOrganizationIds: explicitOf.get(c.citation_id) ?? [],
    }));
    if (!input.some((c) => c.organizationIds.length > 0)) continue;
    for (const link of inferAuthorLinks(input)) {
      const key = `${link.citationId}:${link.organizationId}`;
      // Inferred links never override explicit ones, and a rejected pair stays rejected.
      if (explicitKeys.has(key) || rejected.has(`${authorId}:${link.organizationId}`)) continue;
      explicitKeys.add(key);
      links.push({
        authorId,
        organizationId: Number(link.organizationId),
        citationId: Number(link.citationId),
        unitId: null,
        evidence: 'INFERRED',
        rule: link.rule,
        confidence: link.confidence,
        supportingCitationIds: link.supportingCitationIds.map(Number),
      });
    }
  }

  await tx.execute(sql`delete from ${authorOrganizations} where author_id = any(${ids}::int[])`);
  if (links.length === 0) return;
  await tx.execute(sql`insert into ${authorOrganizations}
      (author_id, organization_id, citation_id, unit_id, evidence, rule, confidence, supporting_citation_ids)
    select author_id, organization_id, citation_id, unit_id, evidence, rule, confidence,
      array(select jsonb_array_elements_text(supporting))::int[]
    from jsonb_to_recordset(${JSON.stringify(
      links.map((l) => ({
        author_id: l.authorId,
        organization_id: l.organizationId,
        citation_id: l.citationId,
        unit_id: l.unitId,
        evidence: l.evidence,
        rule: l.rule,
        confidence: l.confidence,
        supporting: l.supportingCitationIds,
      })),
    )}::jsonb) as r(author_id int, organization_id int, citation_id int, unit_id int, evidence text,
      rule text, confidence float8, supporting jsonb)
    on conflict do nothing`);
}
