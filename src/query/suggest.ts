import { type SQL, sql } from 'drizzle-orm';
import { organizationKey } from '../address/organization-key.ts';
import { type Database, rowsOf } from '../db/client.ts';
import {
  affiliationOrganizations,
  affiliations,
  authorAffiliations,
  authorFamilyGiven,
  authorGivenFamily,
  authors,
  citationAffiliations,
  citationKeywords,
  citations,
  contributions,
  keywords,
  organizations,
} from '../db/schema.ts';
import { foldQuery, fuzzyMatchSql, prefixMatchSql, prefixTierSql, similaritySql } from './names.ts';

export type SuggestionKind = 'author' | 'affiliation' | 'keyword' | 'organization';

/**
 * How a suggestion matches what was typed: 2 — a name starts with it as whole words ("garson" for
 * "Garson, Anna"), 1 — a name starts with it inside a word ("gars"), 0 — a fuzzy match only (a
 * typo, a word in the middle of a name).
 */
export type MatchTier = 0 | 1 | 2;

export interface SuggestionRow {
  kind: SuggestionKind;
  id: number;
  label: string;
  /** Disambiguation: an author's latest affiliation, an affiliation's or organization's country. */
  hint: string | null;
  count: number;
  tier: MatchTier;
  /** Closeness of the whole name to what was typed (0 … 1,000,000). */
  score: number;
}

export const MAX_SUGGESTIONS = 50;

interface Query {
  /** What was typed, folded like the stored keys. */
  folded: string;
  /** Organization keys fold abbreviations and word order too ("Univ Sydney" = "sydney univ"). */
  orgKey: string;
  /** How many suggestions in all: a literal in the statement, like a page size. */
  limit: SQL;
}

/**
 * Each kind's prefix candidates: at most `limit` rows read in index order from a byte-ordered
 * (COLLATE "C") index on the folded name, where a prefix is a range, so the read stops after
 * `limit` rows however many names share the prefix. A space sorts before every letter, so names
 * that start with the typed text as whole words come first.
 */
function prefixBranch(kind: SuggestionKind, q: Query): SQL {
  const { folded, limit } = q;
  switch (kind) {
    case 'author': {
      // "garson a" finds "Garson, Anna"; "anna g" finds her too.
      const forms = [authorFamilyGiven(authors.nameKey), authorGivenFamily(authors.nameKey)];
      const reads = forms.map(
        (form) => sql`(select ${authors.id} as id, ${prefixTierSql(form, folded)} as tier from ${authors}
           where ${prefixMatchSql(form, folded)} order by (${form}) collate "C" limit ${limit})`,
      );
      return sql`(select 'author' as kind, p.id, max(p.tier) as tier, ${similaritySql(authors.nameKey, folded)} as score
        from (${sql.join(reads, sql` union all `)}) p join ${authors} on ${authors.id} = p.id
        group by p.id, ${authors.nameKey})`;
    }
    case 'affiliation':
      return sql`(select 'affiliation' as kind, ${affiliations.id} as id, ${prefixTierSql(affiliations.nameKey, folded)} as tier,
          ${similaritySql(affiliations.nameKey, folded)} as score
        from ${affiliations} where ${prefixMatchSql(affiliations.nameKey, folded)}
        order by ${affiliations.nameKey} collate "C" limit ${limit})`;
    case 'keyword':
      return sql`(select 'keyword' as kind, ${keywords.id} as id, ${prefixTierSql(keywords.termKey, folded)} as tier,
          ${similaritySql(keywords.termKey, folded)} as score
        from ${keywords} where ${prefixMatchSql(keywords.termKey, folded)}
        order by ${keywords.termKey} collate "C" limit ${limit})`;
    case 'organization': {
      // The key is the sorted set of the name's word stems, so a name's start is not the key's:
      // every typed word must start one of the key's words ("karol inst" → "inst karolinska").
      // The trigram index finds the keys containing each typed word; the words then decide.
      const words = q.orgKey.split(' ');
      const contains = words.map((w) => sql`${organizations.key} like ${`%${w}%`}`);
      return sql`(select 'organization' as kind, ${organizations.id} as id,
          case when string_to_array(${organizations.key}, ' ') @> string_to_array(${q.orgKey}::text, ' ') then 2 else 1 end as tier,
          ${similaritySql(organizations.key, q.orgKey)} as score
        from ${organizations}
        where ${organizations.parentId} is null and ${sql.join(contains, sql` and `)}
          and ${organizationWordsMatchSql(q.orgKey)}
        order by tier desc, score desc, id limit ${limit})`;
    }
  }
}

/** Every word of `orgKey` starts a word of the organization's key. */
function organizationWordsMatchSql(orgKey: string): SQL {
  return sql`not exists (select 1 from unnest(string_to_array(${orgKey}::text, ' ')) w
    where not exists (select 1 from unnest(string_to_array(${organizations.key}, ' ')) k where starts_with(k, w)))`;
}

/**
 * Each kind's fuzzy candidates (trigram similarity: typos, words inside a name), the prefix
 * matches left out. Read only when the prefix candidates of all kinds together cannot fill the
 * list: they rank below every prefix match, so they would never be shown otherwise, and a trigram
 * match against a large table is the expensive part of a typeahead.
 */
function fuzzyBranch(kind: SuggestionKind, q: Query): SQL {
  const { folded, limit } = q;
  switch (kind) {
    case 'author': {
      const prefix = sql.join(
        [authorFamilyGiven(authors.nameKey), authorGivenFamily(authors.nameKey)].map((form) =>
          prefixMatchSql(form, folded),
        ),
        sql` or `,
      );
      return sql`(select 'author' as kind, ${authors.id} as id, 0 as tier, ${similaritySql(authors.nameKey, folded)} as score
        from ${authors} where ${fuzzyMatchSql(authors.nameKey, folded)} and not (${prefix})
        order by score desc, id limit ${limit})`;
    }
    case 'affiliation':
      return sql`(select 'affiliation' as kind, ${affiliations.id} as id, 0 as tier, ${similaritySql(affiliations.nameKey, folded)} as score
        from ${affiliations} where ${fuzzyMatchSql(affiliations.nameKey, folded)}
          and not ${prefixMatchSql(affiliations.nameKey, folded)}
        order by score desc, id limit ${limit})`;
    case 'keyword':
      return sql`(select 'keyword' as kind, ${keywords.id} as id, 0 as tier, ${similaritySql(keywords.termKey, folded)} as score
        from ${keywords} where ${fuzzyMatchSql(keywords.termKey, folded)}
          and not ${prefixMatchSql(keywords.termKey, folded)}
        order by score desc, id limit ${limit})`;
    case 'organization':
      // Top-level organizations only; a unit is found through its organization.
      return sql`(select 'organization' as kind, ${organizations.id} as id, 0 as tier, ${similaritySql(organizations.key, q.orgKey)} as score
        from ${organizations} where ${organizations.parentId} is null
          and ${fuzzyMatchSql(organizations.key, q.orgKey)} and not ${organizationWordsMatchSql(q.orgKey)}
        order by score desc, id limit ${limit})`;
  }
}

/**
 * What a suggestion shows, read for the chosen few only: the citation counts (an author's, or a
 * frequent keyword's, reads thousands of link rows) and an author's latest affiliation.
 */
function detailBranch(kind: SuggestionKind): SQL {
  switch (kind) {
    case 'author':
      return sql`select e.name as label,
          (select f.name from ${authorAffiliations} l join ${affiliations} f on f.id = l.affiliation_id
             join ${citations} c on c.id = l.citation_id
           where l.author_id = e.id order by c.year desc nulls last, c.id desc limit 1) as hint,
          (select count(distinct ${contributions.citationId})::int from ${contributions} where ${contributions.authorId} = e.id) as count
        from ${authors} e where b.kind = 'author' and e.id = b.id`;
    case 'affiliation':
      return sql`select e.name, e.country,
          (select count(*)::int from ${citationAffiliations} where ${citationAffiliations.affiliationId} = e.id)
        from ${affiliations} e where b.kind = 'affiliation' and e.id = b.id`;
    case 'keyword':
      return sql`select e.term, null::text,
          (select count(*)::int from ${citationKeywords} where ${citationKeywords.keywordId} = e.id)
        from ${keywords} e where b.kind = 'keyword' and e.id = b.id`;
    case 'organization':
      return sql`select e.name, e.country_name,
          (select count(distinct ca.citation_id)::int from ${citationAffiliations} ca
             join ${affiliationOrganizations} ao on ao.affiliation_id = ca.affiliation_id and ao.depth = 0
           where ao.organization_id = e.id)
        from ${organizations} e where b.kind = 'organization' and e.id = b.id`;
  }
}

/** Prefix matches first (whole words before inside a word), then the most cited; fuzzy ones by closeness. */
export function compareSuggestions(a: SuggestionRow, b: SuggestionRow): number {
  const byTier = b.tier - a.tier;
  if (byTier !== 0) return byTier;
  const byCount = b.count - a.count;
  const byScore = b.score - a.score;
  return (a.tier > 0 ? byCount || byScore : byScore || byCount) || a.label.localeCompare(b.label);
}

/** The prefix or the fuzzy candidates of the wanted kinds, best `q.limit` with their details. */
function suggestStatement(
  q: Query,
  wanted: readonly SuggestionKind[],
  branch: (k: SuggestionKind, q: Query) => SQL,
): SQL {
  const union = (of: (k: SuggestionKind, q: Query) => SQL) =>
    sql.join(
      wanted.map((k) => of(k, q)),
      sql` union all `,
    );
  return sql`with best as (select * from (${union(branch)}) c order by tier desc, score desc, kind, id limit ${q.limit})
    select b.kind, b.id, b.tier, b.score, d.label, d.hint, d.count
    from best b cross join lateral (${union(detailBranch)}) d(label, hint, count)`;
}

/**
 * Typeahead over people, institutions and terms. Each kind contributes its prefix candidates from
 * an index range; the fuzzy (trigram) candidates are read, by a second statement, only when those
 * cannot fill the list; the best `first` by match tier and closeness are kept, and only then are
 * their labels, hints and citation counts read. The list is ranked by `compareSuggestions`.
 */
export async function suggest(
  db: Database,
  prefix: string,
  kinds: readonly SuggestionKind[],
  first: number,
): Promise<SuggestionRow[]> {
  const folded = foldQuery(prefix);
  const limit = Math.max(0, Math.min(MAX_SUGGESTIONS, Math.trunc(first)));
  const wanted = [...new Set(kinds)];
  if (folded === '' || limit === 0 || wanted.length === 0) return [];
  const q: Query = { folded, orgKey: organizationKey(prefix) || folded, limit: sql.raw(String(limit)) };
  // The prefix matches alone first: a short statement whose generic plan PostgreSQL keeps (a
  // statement with the trigram reads too is planned anew every time, costing more than it runs).
  // Only when they cannot fill the list is the statement with the fuzzy reads sent, for the rest
  // of it: fewer rows than asked for means no prefix candidate was left out, and the fuzzy reads
  // exclude prefix matches.
  let rows = rowsOf<SuggestionRow>(await db.execute(suggestStatement(q, wanted, prefixBranch)));
  if (rows.length < limit) {
    const rest = { ...q, limit: sql.raw(String(limit - rows.length)) };
    rows = [...rows, ...rowsOf<SuggestionRow>(await db.execute(suggestStatement(rest, wanted, fuzzyBranch)))];
  }
  return rows
    .map((r) => ({
      ...r,
      id: Number(r.id),
      count: Number(r.count),
      tier: Number(r.tier) as MatchTier,
      score: Number(r.score),
    }))
    .sort(compareSuggestions);
}
