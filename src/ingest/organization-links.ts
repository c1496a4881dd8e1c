import { sql } from 'drizzle-orm';
import { type Database, rowsOf } from '../db/client.ts';
import { authorOrganizations } from '../db/schema.ts';
import {
  authorLinks,
  type CitationRow,
  type ExplicitRow,
  type LinkInput,
} from '../organizations/author-links.ts';
import { preparePool } from './prepare-pool.ts';

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

/**
 * From this many citation rows a round's links are computed in the ingest worker thread: the
 * end of a 5,000-record ingest recomputes thousands of authors, 0.1–0.3 s of work that reads
 * arriving meanwhile waited behind. Below it, the hand-over costs more than the work.
 */
const OFF_THREAD_ROWS = 5_000;

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
    // Authors only, on both sides: a record's addresses are its authors', so an editor credited
    // on it is placed by none of them, and does not count among the people they are shared by.
    tx.execute(sql`
      with mine as (select author_id, citation_id, min(position) - 1 as author_position
        from contributions where author_id = any(${ids}::int[]) and role = 'author' group by author_id, citation_id),
      cited as (select distinct citation_id from mine),
      counts as (select k.citation_id, count(distinct k.author_id)::int as n from contributions k
        where k.citation_id in (select citation_id from cited) and k.role = 'author' group by k.citation_id),
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
  const input: LinkInput = {
    authorIds,
    citations: rowsOf<CitationRow>(citationRows),
    explicit: rowsOf<ExplicitRow>(explicitRows),
    rejected: rowsOf<{ author_id: number; organization_id: number }>(rejectedRows),
  };
  const links =
    input.citations.length >= OFF_THREAD_ROWS
      ? await preparePool.authorLinks(input)
      : JSON.stringify(authorLinks(input));

  await tx.execute(sql`delete from ${authorOrganizations} where author_id = any(${ids}::int[])`);
  if (links === '[]') return;
  await tx.execute(sql`insert into ${authorOrganizations}
      (author_id, organization_id, evidence, rules, confidence, citation_ids, supporting_citation_ids,
       unit_ids, first_year, last_year, citation_count)
    select author_id, organization_id, evidence, rules, confidence, citation_ids,
      supporting_citation_ids, unit_ids, first_year, last_year, citation_count
    from jsonb_to_recordset(${links}::jsonb) as r(author_id int, organization_id int,
      evidence text, rules text[], confidence float8, citation_ids int[], supporting_citation_ids int[],
      unit_ids int[], first_year int, last_year int, citation_count int)`);
}
