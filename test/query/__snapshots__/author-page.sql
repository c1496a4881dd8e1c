select "d0"."id" as "id", "d0"."name" as "name", (select count(distinct "citations"."id") from "citations" inner join "contributions" on "contributions"."citation_id" = "citations"."id" where "d0"."id" = "contributions"."author_id") as "_citations_count", (coalesce((select json_agg(json_build_object(
      'affiliation', json_build_object('id', f.id, 'name', f.name, 'nameKey', f.name_key, 'country', f.country),
      'firstYear', s.first_year, 'lastYear', s.last_year, 'count', s.n)
      order by s.n desc, s.last_year desc nulls last, f.id)
    from (select l.affiliation_id, min(c.year) as first_year, max(c.year) as last_year, count(*)::int as n
          from "author_affiliations" l join "citations" c on c.id = l.citation_id
          where l.author_id = "d0"."id" group by l.affiliation_id) s
    join "affiliations" f on f.id = s.affiliation_id), '[]'::json)) as "affiliationHistory", (coalesce((select json_agg(json_build_object('row', json_build_object('id', a.id, 'family', a.family, 'given', a.given, 'suffix', a.suffix,
  'literal', a.literal, 'name', a.name, 'nameKey', a.name_key, 'orcid', a.orcid), 'count', s.n) order by s.n desc, a.id)
    from (select o.author_id, count(distinct o.citation_id)::int as n
          from "contributions" m join "contributions" o
            on o.citation_id = m.citation_id and o.role = 'author' and o.author_id <> m.author_id
          where m.author_id = "d0"."id" and m.role = 'author' group by o.author_id order by n desc, o.author_id limit $1) s
    join "authors" a on a.id = s.author_id), '[]'::json)) as "coauthors5", (coalesce((select json_agg(json_build_object('row', json_build_object('id', k.id, 'term', k.term, 'termKey', k.term_key), 'count', s.n) order by s.n desc, k.id)
    from (select l.keyword_id, count(distinct l.citation_id)::int as n
          from "contributions" m join "citation_keywords" l on l.citation_id = m.citation_id
          where m.author_id = "d0"."id" group by l.keyword_id order by n desc, l.keyword_id limit $2) s
    join "keywords" k on k.id = s.keyword_id), '[]'::json)) as "keywords5" from "authors" as "d0" where "d0"."id" = $3 limit $4;

select "d0"."id" as "id", "d0"."title" as "title", "d0"."year" as "year", ($1::text) as "cursorScope", (coalesce("d0"."year", 0)) as "yearDesc", ((select coalesce(json_agg((select json_build_object('id', "linked_list_target"."id", 'term', "linked_list_target"."term") from "keywords" "linked_list_target" where "linked_list_target"."id" = "linked_list_link"."keyword_id") order by "linked_list_link"."position"), '[]'::json)
    from "citation_keywords" "linked_list_link"
    where "linked_list_link"."citation_id" = "d0"."id")) as "keywordList", ((select case when not (coalesce(current_setting('bibgraph.graph_written', true), '') <> '') then "write_generation"."epoch"::text || ':' || "write_generation"."value"::text end from "write_generation" where "write_generation"."id" = 1)) as "connectionGeneration", ((select count(*)::int from "citations" where exists (select 1 from "contributions" where "contributions"."citation_id" = "citations"."id" and "contributions"."author_id" in (…)))) as "connectionTotalCount" from "citations" as "d0" where "d0"."id" in (select "id" from (select "d0"."id" as "id", ($3::text) as "cursorScope", (coalesce("d0"."year", 0)) as "yearDesc" from "citations" as "d0" where exists (select 1 from "contributions" where "contributions"."citation_id" = "d0"."id" and "contributions"."author_id" in (…)) order by $5::text asc, coalesce("d0"."year", 0) desc, "d0"."id" desc limit 11) as "page") order by $6::text asc, coalesce("d0"."year", 0) desc, "d0"."id" desc limit 11;

with filtered as (select id, year, ris_type, container_title from "citations" where exists (select 1 from "contributions" where "contributions"."citation_id" = "citations"."id" and "contributions"."author_id" in (…))) (select $2::text as key, (select case when not (coalesce(current_setting('bibgraph.graph_written', true), '') <> '') then "write_generation"."epoch"::text || ':' || "write_generation"."value"::text end from "write_generation" where "write_generation"."id" = 1) as value, ''::text as label, 0 as count, null::int as id) union all (select $3::text as key, year::text as value, year::text as label, count(*)::int as count, null::int as id
        from filtered where year is not null group by year order by 4 desc, year desc limit $4);
