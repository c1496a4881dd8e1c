import { sql } from 'drizzle-orm';
import { type Database, rowsOf } from '../db/client.ts';
import { authorOrganizations } from '../db/schema.ts';
import { TimeSlice } from '../db/time-slice.ts';
import { inferAuthorLinks } from '../organizations/infer.ts';
import type { AuthorCitation } from '../organizations/types.ts';

/*
 * Author ↔ organization links are derived data: the explicit ones from author_affiliations (what
 * the records say) through what each address names, the inferred ones from the rules of
 * src/organizations/infer.ts over all of an author's citations. So they are recomputed whole for
 * the authors a change touched, never patched: two statements load everything the rules need for
 * a set of authors, one deletes and one writes their links (one row per author and organization). Curators' REJECTED pairs are never
 * written; CONFIRMED pairs need nothing here (reads return them whatever their confidence).
 */

/** Authors recomputed per round (bounds the size of each statement). */
const AUTHORS_PER_ROUND = 2000;

/** Supporting citations kept per link (the lowest ids). */
export const MAX_SUPPORTING = 10;

/** The rule of an explicit link whose record did not say how it linked (rows from before rules). */
export const EXPLICIT_RULE_UNKNOWN = 'explicit';

interface CitationRow {
  author_id: number;
  citation_id: number;
  year: number | null;
  author_count: number;
  /** Null when the author is credited in another role only (an editor). */
  author_position: number | null;
  /** Organization ids per address, in the record's order: `1,2;3`. */
  addresses: string;
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
    // Per citation, the organizations of each address in the record's order (`1,2;3`: addresses
    // split by `;`), and the author's 0-based place among its authors: the rules tell one address
    // naming two bodies from two addresses, and the first author's first address, by them.
    tx.execute(sql`
      with mine as (select author_id, citation_id,
          min(position) filter (where role = 'author') - 1 as author_position
        from contributions where author_id = any(${ids}::int[]) group by author_id, citation_id),
      cited as (select distinct citation_id from mine),
      counts as (select k.citation_id, count(distinct k.author_id)::int as n from contributions k
        where k.citation_id in (select citation_id from cited) group by k.citation_id),
      per_address as (select ca.citation_id, ca.position,
          string_agg(ao.organization_id::text, ',' order by ao.position) as ids
        from citation_affiliations ca
        join affiliation_organizations ao on ao.affiliation_id = ca.affiliation_id and ao.depth = 0
        where ca.citation_id in (select citation_id from cited) group by ca.citation_id, ca.position),
      named as (select citation_id, string_agg(ids, ';' order by position) as addresses
        from per_address group by citation_id)
      select m.author_id, m.citation_id, c.year, coalesce(n.n, 0) as author_count, m.author_position,
        coalesce(o.addresses, '') as addresses
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
  // Reads served by this process wait while this runs: yield between authors.
  const slice = new TimeSlice();
  for (const authorId of authorIds) {
    await slice.tick();
    const mine = citationsBy.get(authorId) ?? [];
    const yearOf = new Map(mine.map((c) => [c.citation_id, c.year]));
    const pairs = new Map<number, Pair>();
    const pair = (organizationId: number): Pair | null => {
      if (rejected.has(`${authorId}:${organizationId}`)) return null;
      let p = pairs.get(organizationId);
      if (!p) {
        p = {
          explicit: false,
          rules: new Set(),
          confidence: 0,
          citations: new Set(),
          supporting: new Set(),
          units: new Map(),
        };
        pairs.set(organizationId, p);
      }
      return p;
    };
    const explicit = explicitBy.get(authorId) ?? [];
    const explicitKeys = new Set(explicit.map((e) => `${e.citation_id}:${e.organization_id}`));
    for (const e of explicit) {
      const p = pair(e.organization_id);
      if (!p) continue;
      p.explicit = true;
      p.rules.add(e.rule ?? EXPLICIT_RULE_UNKNOWN);
      p.confidence = 1;
      p.citations.add(e.citation_id);
      p.supporting.add(e.citation_id);
      if (e.unit_id !== null) p.units.set(e.unit_id, (p.units.get(e.unit_id) ?? 0) + 1);
    }
    const explicitOf = new Map<number, string[]>();
    for (const e of explicit) {
      const list = explicitOf.get(e.citation_id) ?? [];
      list.push(String(e.organization_id));
      explicitOf.set(e.citation_id, list);
    }
    const input: AuthorCitation[] = mine.map((c) => {
      const addresses = c.addresses === '' ? [] : c.addresses.split(';').map((a) => a.split(','));
      return {
        citationId: String(c.citation_id),
        year: c.year,
        authorCount: c.author_count,
        organizationIds: [...new Set(addresses.flat())],
        explicitOrganizationIds: explicitOf.get(c.citation_id) ?? [],
        addressOrganizationIds: addresses,
        authorPosition: c.author_position === null ? undefined : Number(c.author_position),
      };
    });
    if (input.some((c) => c.organizationIds.length > 0)) {
      // Links to one organization share its support lists: each list is read once.
      const seen = new Set<readonly string[]>();
      for (const link of inferAuthorLinks(input)) {
        // Inferred links never override explicit ones, and a rejected pair stays rejected.
        if (explicitKeys.has(`${link.citationId}:${link.organizationId}`)) continue;
        const p = pair(Number(link.organizationId));
        if (!p) continue;
        p.rules.add(link.rule);
        p.confidence = Math.max(p.confidence, link.confidence);
        p.citations.add(Number(link.citationId));
        if (!seen.has(link.supportingCitationIds)) {
          seen.add(link.supportingCitationIds);
          for (const id of link.supportingCitationIds) p.supporting.add(Number(id));
        }
      }
    }
    for (const [organizationId, p] of pairs) {
      const citationIds = [...p.citations].sort((a, b) => a - b);
      const years = citationIds.map((id) => yearOf.get(id)).filter((y): y is number => typeof y === 'number');
      links.push({
        authorId,
        organizationId,
        evidence: p.explicit ? 'EXPLICIT' : 'INFERRED',
        rules: [...p.rules].sort(),
        confidence: p.confidence,
        citationIds,
        // The first few say why; an organization named on hundreds of an author's records would
        // otherwise list them all on every link.
        supportingCitationIds: [...p.supporting].sort((a, b) => a - b).slice(0, MAX_SUPPORTING),
        unitIds: [...p.units].sort((a, b) => b[1] - a[1] || a[0] - b[0]).map(([id]) => id),
        firstYear: years.length > 0 ? Math.min(...years) : null,
        lastYear: years.length > 0 ? Math.max(...years) : null,
        citationCount: citationIds.length,
      });
    }
  }

  await tx.execute(sql`delete from ${authorOrganizations} where author_id = any(${ids}::int[])`);
  if (links.length === 0) return;
  const array = (list: readonly (number | string)[]) => `{${list.join(',')}}`;
  await tx.execute(sql`insert into ${authorOrganizations}
      (author_id, organization_id, evidence, rules, confidence, citation_ids, supporting_citation_ids,
       unit_ids, first_year, last_year, citation_count)
    select author_id, organization_id, evidence, rules::text[], confidence, citation_ids::int[],
      supporting::int[], unit_ids::int[], first_year, last_year, citation_count
    from jsonb_to_recordset(${JSON.stringify(
      links.map((l) => ({
        author_id: l.authorId,
        organization_id: l.organizationId,
        evidence: l.evidence,
        rules: array(l.rules ?? []),
        confidence: l.confidence,
        citation_ids: array(l.citationIds ?? []),
        supporting: array(l.supportingCitationIds ?? []),
        unit_ids: array(l.unitIds ?? []),
        first_year: l.firstYear,
        last_year: l.lastYear,
        citation_count: l.citationCount,
      })),
    )}::jsonb) as r(author_id int, organization_id int, evidence text, rules text, confidence float8,
      citation_ids text, supporting text, unit_ids text, first_year int, last_year int, citation_count int)`);
}

interface Pair {
  explicit: boolean;
  rules: Set<string>;
  confidence: number;
  citations: Set<number>;
  supporting: Set<number>;
  /** Unit id → number of explicit addresses naming it. */
  units: Map<number, number>;
}
