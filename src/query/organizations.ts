import { type SQL, sql } from 'drizzle-orm';
import type { AnyPgColumn } from 'drizzle-orm/pg-core';
import { type Database, rowsOf } from '../db/client.ts';
import {
  affiliationOrganizations,
  authorOrganizations,
  authors,
  citationAffiliations,
  citations,
  organizationLinkDecisions,
  organizations,
} from '../db/schema.ts';
import { type AuthorRow, authorJson } from './navigation.ts';

/*
 * Reads of organizations and their links. An organization rolls its units up: its citations are
 * those whose addresses name it or any of its units. Aggregates are correlated subqueries that
 * return JSON (planned into the statement that loads the parent rows, like src/query/navigation.ts),
 * so a page of organizations or authors with their lists is one statement.
 */

/** Columns of an organization row as JSON under the keys of its row type. */
const organizationJson = (alias: string) =>
  sql.raw(`json_build_object('id', ${alias}.id, 'name', ${alias}.name, 'key', ${alias}.key,
    'countryCode', ${alias}.country_code, 'countryName', ${alias}.country_name, 'kind', ${alias}.kind,
    'parentId', ${alias}.parent_id)`);

/** Citations naming the organization or one of its units, as a subquery of citation ids. */
function rolledUpCitationIds(organizationId: AnyPgColumn | SQL): SQL {
  return sql`(select ca.citation_id from ${citationAffiliations} ca
    join ${affiliationOrganizations} ao on ao.affiliation_id = ca.affiliation_id
    join ${organizations} u on u.id = ao.organization_id
    where u.id = ${organizationId} or u.parent_id = ${organizationId})`;
}

export function organizationCitationCountSql(organizationId: AnyPgColumn): SQL<number> {
  return sql<number>`(select count(distinct x.citation_id)::int from ${rolledUpCitationIds(organizationId)} x)`;
}

export interface YearCount {
  year: number;
  count: number;
}

/** Citations per publication year, oldest first (undated citations are not counted). */
export function organizationCitationsPerYearSql(organizationId: AnyPgColumn): SQL {
  return sql`coalesce((select json_agg(json_build_object('year', s.year, 'count', s.n) order by s.year)
    from (select c.year, count(*)::int as n from ${citations} c
          where c.id in ${rolledUpCitationIds(organizationId)} and c.year is not null group by c.year) s), '[]'::json)`;
}

export interface SpellingCount {
  spelling: string;
  count: number;
}

/** Spellings the addresses used for the organization, by the number of citations using each. */
export function organizationSpellingsSql(organizationId: AnyPgColumn): SQL {
  return sql`coalesce((select json_agg(json_build_object('spelling', s.spelling, 'count', s.n) order by s.n desc, s.spelling)
    from (select ao.spelling, count(distinct ca.citation_id)::int as n from ${affiliationOrganizations} ao
          left join ${citationAffiliations} ca on ca.affiliation_id = ao.affiliation_id
          where ao.organization_id = ${organizationId} group by ao.spelling) s), '[]'::json)`;
}

export type Evidence = 'EXPLICIT' | 'INFERRED';
export type Decision = 'CONFIRMED' | 'REJECTED';

export interface OrganizationRow {
  id: number;
  name: string;
  key: string;
  countryCode: string | null;
  countryName: string | null;
  kind: string;
  parentId: number | null;
}

/** An author's time at an organization: the links of all their citations there, taken together. */
export interface AuthorOrganizationRow {
  organization: OrganizationRow;
  unit: OrganizationRow | null;
  firstYear: number | null;
  lastYear: number | null;
  count: number;
  /** EXPLICIT when any citation links them explicitly. */
  evidence: Evidence;
  /** The highest confidence among the links (1 for explicit ones and for confirmed pairs). */
  confidence: number;
  rules: string[];
  decision: Decision | null;
}

/**
 * Which grouped links a read returns: never rejected pairs; below the threshold only when asked,
 * or when a curator confirmed the pair.
 */
function visibleSql(minConfidence: number): SQL {
  return sql`(d.decision is null or d.decision <> 'REJECTED')
    and (l.confidence >= ${minConfidence} or d.decision = 'CONFIRMED')`;
}

/**
 * `visibleSql` for a link `l` without a join: written as conditions on `l` alone, a scan of an
 * organization's links in the people index's order keeps that order and stops at a LIMIT, and
 * their number is counted from the index. Rejected pairs need no condition: they are never stored
 * (src/ingest/organization-links.ts leaves them out, a REJECTED decision deletes them).
 */
function visibleLinkSql(minConfidence: number): SQL {
  return sql`(l.confidence >= ${minConfidence} or exists (select 1 from ${organizationLinkDecisions} d
    where d.author_id = l.author_id and d.organization_id = l.organization_id and d.decision = 'CONFIRMED'))`;
}

/** The author's organizations with years and counts, most recent first. */
export function authorOrganizationsSql(authorId: AnyPgColumn, minConfidence: number): SQL {
  return sql`coalesce((select json_agg(json_build_object(
      'organization', ${organizationJson('o')}, 'unit', case when u.id is null then null else ${organizationJson('u')} end,
      'firstYear', l.first_year, 'lastYear', l.last_year, 'count', l.citation_count, 'evidence', l.evidence,
      'confidence', case when d.decision = 'CONFIRMED' then 1 else l.confidence end, 'rules', l.rules,
      'decision', d.decision)
      order by l.last_year desc nulls last, l.citation_count desc, o.id)
    from ${authorOrganizations} l
    join ${organizations} o on o.id = l.organization_id
    left join ${organizations} u on u.id = l.unit_ids[1]
    left join ${organizationLinkDecisions} d on d.author_id = l.author_id and d.organization_id = l.organization_id
    where l.author_id = ${authorId} and ${visibleSql(minConfidence)}), '[]'::json)`;
}

export interface OrganizationPersonRow {
  author: AuthorRow;
  firstYear: number | null;
  lastYear: number | null;
  citationCount: number;
  evidence: Evidence;
  confidence: number;
  decision: Decision | null;
}

/** One page of people of one organization: its position and the threshold. */
export interface PeoplePage {
  organizationId: number;
  minConfidence: number;
  offset: number;
  limit: number;
}

/**
 * People linked to organizations (to a unit: through the links whose address names it), most
 * citations first: for each request, one page and the size
 * of the whole list. Links are always to a top-level organization and list the units their
 * addresses name (src/db/schema.ts), so a unit's people are among its parent's links: both are
 * read through the index on the link's organization, most cited first, never by a scan of every
 * link. A page reads its rows and the ones before it in that order; the size of the list is
 * counted from the index alone for an organization (its links' confidence is in the index). Requests sharing a threshold and a page position are one statement whatever
 * the number of organizations (a list of organizations with their people is not N+1).
 */
export async function organizationPeople(
  db: Database,
  requests: readonly PeoplePage[],
): Promise<Array<{ rows: OrganizationPersonRow[]; total: number }>> {
  const groups = new Map<string, PeoplePage[]>();
  for (const r of requests) {
    const key = `${r.minConfidence}:${r.offset}:${r.limit}`;
    groups.set(key, [...(groups.get(key) ?? []), r]);
  }
  const results = new Map<number, Map<string, { rows: OrganizationPersonRow[]; total: number }>>();
  await Promise.all(
    [...groups].map(async ([key, group]) => {
      const { minConfidence, offset, limit } = group[0] as PeoplePage;
      const ids = `{${[...new Set(group.map((g) => g.organizationId))].join(',')}}`;
      const rows = rowsOf<{
        organization_id: number;
        rn: number | null;
        total: number;
        first_year: number | null;
        last_year: number | null;
        citation_count: number;
        evidence: Evidence;
        confidence: number;
        decision: Decision | null;
        author: AuthorRow | string;
      }>(
        await db.execute(sql`select t.id as organization_id, p.rn, c.total, p.first_year, p.last_year,
            p.citation_count, p.evidence, p.confidence, p.decision, ${authorJson} as author
          from unnest(${ids}::int[]) as t(id)
          join ${organizations} o on o.id = t.id
          cross join lateral (select case when o.parent_id is null
            then (select count(*)::int from ${authorOrganizations} l
                  where l.organization_id = o.id and ${visibleLinkSql(minConfidence)})
            else (select count(*)::int from ${authorOrganizations} l
                  where l.organization_id = o.parent_id and o.id = any(l.unit_ids) and ${visibleLinkSql(minConfidence)})
            end as total offset 0) c
          left join lateral (select l.author_id, l.first_year, l.last_year, l.citation_count, l.evidence,
              case when d.decision = 'CONFIRMED' then 1 else l.confidence end as confidence, d.decision,
              row_number() over (order by l.citation_count desc, l.author_id)::int as rn
            from (select * from ${authorOrganizations} l
              where l.organization_id = coalesce(o.parent_id, o.id)
                and (o.parent_id is null or o.id = any(l.unit_ids)) and ${visibleLinkSql(minConfidence)}
              order by l.citation_count desc, l.author_id limit ${offset + limit}) l
            left join ${organizationLinkDecisions} d on d.author_id = l.author_id and d.organization_id = l.organization_id) p on true
          left join ${authors} a on a.id = p.author_id
          where (p.rn > ${offset} and p.rn <= ${offset + limit}) or p.rn = 1 or p.rn is null
          order by t.id, p.rn`),
      );
      for (const r of rows) {
        const byKey = results.get(r.organization_id) ?? new Map();
        results.set(r.organization_id, byKey);
        const page = byKey.get(key) ?? { rows: [], total: Number(r.total) };
        byKey.set(key, page);
        if (r.rn !== null && r.rn > offset && r.rn <= offset + limit) {
          page.rows.push({
            author: typeof r.author === 'string' ? (JSON.parse(r.author) as AuthorRow) : r.author,
            firstYear: r.first_year,
            lastYear: r.last_year,
            citationCount: r.citation_count,
            evidence: r.evidence,
            confidence: Number(r.confidence),
            decision: r.decision,
          });
        }
      }
    }),
  );
  return requests.map(
    (r) =>
      results.get(r.organizationId)?.get(`${r.minConfidence}:${r.offset}:${r.limit}`) ?? {
        rows: [],
        total: 0,
      },
  );
}
