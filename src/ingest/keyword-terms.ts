import { sql } from 'drizzle-orm';
import { type Database, rowsOf } from '../db/client.ts';
import { citationKeywords, keywords } from '../db/schema.ts';

/**
 * Names each keyword by its most frequent spelling over the citations that carry it ("COVID-19"
 * over the "covid-19" one record happened to write first); a tie goes to the spelling seen
 * first (on the oldest citation), so the term is stable. Returns the keywords whose term changed.
 */
export async function refreshKeywordTerms(tx: Database, ids: Iterable<number>): Promise<number[]> {
  const list = [...new Set(ids)];
  if (list.length === 0) return [];
  const changed = await tx.execute(sql`update ${keywords} k set term = s.spelling, updated_at = now()
    from (
      select distinct on (ck.keyword_id) ck.keyword_id, coalesce(ck.spelling, kw.term) as spelling
      from ${citationKeywords} ck
      join ${keywords} kw on kw.id = ck.keyword_id
      where ck.keyword_id = any(${`{${list.join(',')}}`}::int[])
      group by ck.keyword_id, coalesce(ck.spelling, kw.term)
      order by ck.keyword_id, count(*) desc, min(ck.citation_id)
    ) s
    where k.id = s.keyword_id and k.term is distinct from s.spelling
    returning k.id`);
  return rowsOf<{ id: number }>(changed).map((r) => r.id);
}
