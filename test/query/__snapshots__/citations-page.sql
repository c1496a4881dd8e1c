(select $1::text as key, (select case when not (coalesce(current_setting('bibgraph.graph_written', true), '') <> '') then "write_generation"."epoch"::text || ':' || "write_generation"."value"::text end from "write_generation" where "write_generation"."id" = 1) as value, ''::text as label, 0 as count, null::int as id) union all (select * from (select $2::text as key, t.id::text as value, t.id::text as label, t.count as count, null::int as id
        from "facet_totals" t where t.kind = $3 and t.count > 0 order by t.count desc, t.id desc limit $4) kept where not (coalesce(current_setting('bibgraph.graph_written', true), '') <> ''))
          union all (select * from (select $5::text as key, year::text as value, year::text as label, count(*)::int as count, null::int as id
        from "citations" where year is not null group by year order by 4 desc, year desc limit $6) counted where (coalesce(current_setting('bibgraph.graph_written', true), '') <> '')) union all (select * from (select $7::text as key, t.value as value, t.value as label, t.count as count, null::int as id
        from "facet_totals" t where t.kind = $8 and t.count > 0 order by t.count desc, t.value limit $9) kept where not (coalesce(current_setting('bibgraph.graph_written', true), '') <> ''))
          union all (select * from (select $10::text as key, ris_type as value, ris_type as label, count(*)::int as count, null::int as id
        from "citations" group by ris_type order by 4 desc, ris_type limit $11) counted where (coalesce(current_setting('bibgraph.graph_written', true), '') <> '')) union all (select * from (select $12::text as key, (array_agg(t.value order by t.count desc, t.value))[1] as value,
          (array_agg(t.value order by t.count desc, t.value))[1] as label, sum(t.count)::int as count, null::int as id
        from "facet_totals" t where t.kind = $13 and t.count > 0 group by lower(t.value) order by 4 desc, 3 limit $14) kept where not (coalesce(current_setting('bibgraph.graph_written', true), '') <> ''))
          union all (select * from (select $15::text as key, mode() within group (order by container_title) as value,
          mode() within group (order by container_title) as label, count(*)::int as count, null::int as id
        from "citations" where container_title is not null group by lower(container_title) order by 4 desc, 3 limit $16) counted where (coalesce(current_setting('bibgraph.graph_written', true), '') <> '')) union all (select * from (select $17::text as key, e.id::text as value, e.term as label, x.count as count, e.id as id
      from (select t.id, t.count from "facet_totals" t where t.kind = $18 and t.count > 0 order by t.count desc, t.id limit $19) x
      join "keywords" e on e.id = x.id) kept where not (coalesce(current_setting('bibgraph.graph_written', true), '') <> ''))
          union all (select * from (select $20::text as key, k.id::text as value, k.term as label, x.n as count, k.id as id
        from (select l.keyword_id, count(*)::int as n from "citation_keywords" l 
              group by l.keyword_id order by n desc, l.keyword_id limit $21) x
        join "keywords" k on k.id = x.keyword_id) counted where (coalesce(current_setting('bibgraph.graph_written', true), '') <> '')) union all (select * from (select $22::text as key, e.id::text as value, e.name as label, x.count as count, e.id as id
      from (select t.id, t.count from "facet_totals" t where t.kind = $23 and t.count > 0 order by t.count desc, t.id limit $24) x
      join "authors" e on e.id = x.id) kept where not (coalesce(current_setting('bibgraph.graph_written', true), '') <> ''))
          union all (select * from (select $25::text as key, a.id::text as value, a.name as label, x.n as count, a.id as id
        from (select p.author_id, count(*)::int as n
              from (select l.author_id from "contributions" l 
                    group by l.author_id, l.citation_id) p
              group by p.author_id order by n desc, p.author_id limit $26) x
        join "authors" a on a.id = x.author_id) counted where (coalesce(current_setting('bibgraph.graph_written', true), '') <> '')) union all (select * from (select $27::text as key, e.id::text as value, e.name as label, x.count as count, e.id as id
      from (select t.id, t.count from "facet_totals" t where t.kind = $28 and t.count > 0 order by t.count desc, t.id limit $29) x
      join "affiliations" e on e.id = x.id) kept where not (coalesce(current_setting('bibgraph.graph_written', true), '') <> ''))
          union all (select * from (select $30::text as key, a.id::text as value, a.name as label, x.n as count, a.id as id
        from (select l.affiliation_id, count(*)::int as n from "citation_affiliations" l 
              group by l.affiliation_id order by n desc, l.affiliation_id limit $31) x
        join "affiliations" a on a.id = x.affiliation_id) counted where (coalesce(current_setting('bibgraph.graph_written', true), '') <> ''));

select "d0"."id" as "id", "d0"."title" as "title", "d0"."year" as "year", "d0"."container_title" as "containerTitle", "d0"."doi" as "doi", ($1::text) as "cursorScope", ((select coalesce('[' || string_agg((select '{"id":"' || encode(convert_to('Affiliation:' || "linked_list_target"."id"::text, 'UTF8'), 'base64') || '"' || ',"name":' || coalesce(to_json("linked_list_target"."name")::text, 'null') || ',"country":' || coalesce(to_json("linked_list_target"."country")::text, 'null') || '}' from "affiliations" "linked_list_target" where "linked_list_target"."id" = "linked_list_link"."affiliation_id"), ',' order by "linked_list_link"."position") || ']', '[]')
    from "citation_affiliations" "linked_list_link"
    where "linked_list_link"."citation_id" = "d0"."id")) as "text_affiliations__RHXXcpe_kNpK3Ie", ((select coalesce('[' || string_agg((select '{"id":"' || encode(convert_to('Keyword:' || "linked_list_target"."id"::text, 'UTF8'), 'base64') || '"' || ',"term":' || coalesce(to_json("linked_list_target"."term")::text, 'null') || '}' from "keywords" "linked_list_target" where "linked_list_target"."id" = "linked_list_link"."keyword_id"), ',' order by "linked_list_link"."position") || ']', '[]')
    from "citation_keywords" "linked_list_link"
    where "linked_list_link"."citation_id" = "d0"."id")) as "text_keywords_HlpwXQFKwxvXbEAf", ((select case when not (coalesce(current_setting('bibgraph.graph_written', true), '') <> '') then "write_generation"."epoch"::text || ':' || "write_generation"."value"::text end from "write_generation" where "write_generation"."id" = 1)) as "connectionGeneration", ((case when (coalesce(current_setting('bibgraph.graph_written', true), '') <> '') then (select count(*)::int from "citations")
    else (select coalesce(sum("facet_totals"."count"), 0)::int from "facet_totals" where "facet_totals"."kind" = 'citations') end)) as "connectionTotalCount", "contributions"."r" as "contributions" from "citations" as "d0" left join lateral(select coalesce(json_agg(row_to_json("t".*)), '[]') as "r" from (select "d1"."author_id" as "authorId", "d1"."citation_id" as "citationId", "d1"."role" as "role", "d1"."position" as "position", "author"."r" as "author" from "contributions" as "d1" left join lateral(select row_to_json("t".*) "r" from (select "d2"."id" as "id", "d2"."name" as "name", (select count(distinct "citations"."id") from "citations" inner join "contributions" on "contributions"."citation_id" = "citations"."id" where "d2"."id" = "contributions"."author_id") as "_citations_count", (coalesce((select json_agg(json_build_object(
      'affiliation', json_build_object('id', f.id, 'name', f.name, 'nameKey', f.name_key, 'country', f.country),
      'firstYear', s.first_year, 'lastYear', s.last_year, 'count', s.n)
      order by s.n desc, s.last_year desc nulls last, f.id)
    from (select l.affiliation_id, min(c.year) as first_year, max(c.year) as last_year, count(*)::int as n
          from "author_affiliations" l join "citations" c on c.id = l.citation_id
          where l.author_id = "d2"."id" group by l.affiliation_id) s
    join "affiliations" f on f.id = s.affiliation_id), '[]'::json)) as "affiliationHistory" from "authors" as "d2" where "d1"."author_id" = "d2"."id" limit $2) as "t") as "author" on true where (("d1"."role" = $3) and ("d0"."id" = "d1"."citation_id")) order by "d1"."position" asc) as "t") as "contributions" on true where "d0"."id" in (select "id" from (select "d0"."id" as "id", ($4::text) as "cursorScope" from "citations" as "d0" where true order by $5::text asc, "d0"."id" desc limit 101) as "page") order by $6::text asc, "d0"."id" desc limit 101;
