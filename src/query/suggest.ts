import { type SQL, sql } from 'drizzle-orm';
import { organizationKey } from '../address/organization-key.ts';
import { type Database, rowsOf } from '../db/client.ts';
import {
  affiliationOrganizations,
  affiliations,
  authorAffiliations,
  authors,
  citationAffiliations,
  citationKeywords,
  citations,
  contributions,
  keywords,
  organizations,
} from '../db/schema.ts';
import { foldQuery, fuzzyMatchSql, fuzzyScoreSql } from './names.ts';

export type SuggestionKind = 'author' | 'affiliation' | 'keyword' | 'organization';

export interface SuggestionRow {
  kind: SuggestionKind;
  id: number;
  label: string;
  /** Disambiguation: an author's latest affiliation, an affiliation's or organization's country. */
  hint: string | null;
  count: number;
  score: number;
}

export const MAX_SUGGESTIONS = 50;

// Every branch names its columns: when only one kind is asked for, its names are the result's.
function branch(kind: SuggestionKind, folded: string, first: number, orgKey: string): SQL {
  switch (kind) {
    case 'author':
      return sql`(select 'author' as kind, e.id, e.name as label,
          (select f.name from ${authorAffiliations} l join ${affiliations} f on f.id = l.affiliation_id
             join ${citations} c on c.id = l.citation_id
           where l.author_id = e.id order by c.year desc nulls last, c.id desc limit 1) as hint,
          (select count(distinct ${contributions.citationId})::int from ${contributions} where ${contributions.authorId} = e.id) as count,
          e.score
        from (select ${authors.id} as id, ${authors.name} as name, ${fuzzyScoreSql(authors.nameKey, folded)} as score
              from ${authors} where ${fuzzyMatchSql(authors.nameKey, folded)}
              order by 3 desc, 1 limit ${first}) e)`;
    case 'affiliation':
      return sql`(select 'affiliation' as kind, e.id, e.name as label, e.country as hint,
          (select count(*)::int from ${citationAffiliations} where ${citationAffiliations.affiliationId} = e.id) as count,
          e.score
        from (select ${affiliations.id} as id, ${affiliations.name} as name, ${affiliations.country} as country,
                ${fuzzyScoreSql(affiliations.nameKey, folded)} as score
              from ${affiliations} where ${fuzzyMatchSql(affiliations.nameKey, folded)}
              order by 4 desc, 1 limit ${first}) e)`;
    case 'organization':
      // Top-level organizations only; a unit is found through its organization.
      return sql`(select 'organization' as kind, e.id, e.name as label, e.country as hint,
          (select count(distinct ca.citation_id)::int from ${citationAffiliations} ca
             join ${affiliationOrganizations} ao on ao.affiliation_id = ca.affiliation_id and ao.depth = 0
           where ao.organization_id = e.id) as count,
          e.score
        from (select ${organizations.id} as id, ${organizations.name} as name, ${organizations.countryName} as country,
                ${fuzzyScoreSql(organizations.key, orgKey)} as score
              from ${organizations} where ${organizations.parentId} is null and ${fuzzyMatchSql(organizations.key, orgKey)}
              order by 4 desc, 1 limit ${first}) e)`;
    case 'keyword':
      return sql`(select 'keyword' as kind, e.id, e.term as label, null::text as hint,
          (select count(*)::int from ${citationKeywords} where ${citationKeywords.keywordId} = e.id) as count,
          e.score
        from (select ${keywords.id} as id, ${keywords.term} as term, ${fuzzyScoreSql(keywords.termKey, folded)} as score
              from ${keywords} where ${fuzzyMatchSql(keywords.termKey, folded)}
              order by 3 desc, 1 limit ${first}) e)`;
  }
}

/**
 * Typeahead over people, institutions and terms in one statement: each kind contributes its best
 * `first` fuzzy matches, and the merged list is ranked by match quality, then citation count.
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
  // Organization keys fold abbreviations and word order too ("Univ Sydney" = "sydney univ").
  const orgKey = organizationKey(prefix) || folded;
  if (folded === '' || limit === 0 || wanted.length === 0) return [];
  const statement = sql.join(
    wanted.map((k) => branch(k, folded, limit, orgKey)),
    sql` union all `,
  );
  const rows = rowsOf<SuggestionRow>(await db.execute(statement));
  return rows
    .map((r) => ({ ...r, id: Number(r.id), count: Number(r.count), score: Number(r.score) }))
    .sort((a, b) => b.score - a.score || b.count - a.count || a.label.localeCompare(b.label))
    .slice(0, limit);
}
