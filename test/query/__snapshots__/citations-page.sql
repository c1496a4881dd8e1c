(select $1::text as key, year::text as value, year::text as label, count(*)::int as count, null::int as id
        from "citations" where year is not null group by year order by 4 desc, year desc limit $2) union all (select $3::text as key, ris_type as value, ris_type as label, count(*)::int as count, null::int as id
        from "citations" group by ris_type order by 4 desc, ris_type limit $4) union all (select $5::text as key, mode() within group (order by container_title) as value,
          mode() within group (order by container_title) as label, count(*)::int as count, null::int as id
        from "citations" where container_title is not null group by lower(container_title) order by 4 desc, 3 limit $6) union all (select $7::text as key, k.id::text as value, k.term as label, x.n as count, k.id as id
        from (select l.keyword_id, count(*)::int as n from "citation_keywords" l 
              group by l.keyword_id order by n desc, l.keyword_id limit $8) x
        join "keywords" k on k.id = x.keyword_id) union all (select $9::text as key, a.id::text as value, a.name as label, x.n as count, a.id as id
        from (select l.author_id, count(distinct l.citation_id)::int as n from "contributions" l 
              group by l.author_id order by n desc, l.author_id limit $10) x
        join "authors" a on a.id = x.author_id) union all (select $11::text as key, a.id::text as value, a.name as label, x.n as count, a.id as id
        from (select l.affiliation_id, count(*)::int as n from "citation_affiliations" l 
              group by l.affiliation_id order by n desc, l.affiliation_id limit $12) x
        join "affiliations" a on a.id = x.affiliation_id);

select "d0"."id" as "id", "d0"."title" as "title", "d0"."year" as "year", "d0"."container_title" as "containerTitle", "d0"."doi" as "doi", ('s…'::text) as "cursorScope", "contributions"."r" as "contributions", "affiliationLinks"."r" as "affiliationLinks", "keywordLinks"."r" as "keywordLinks" from "citations" as "d0" left join lateral(select coalesce(json_agg(row_to_json("t".*)), '[]') as "r" from (select "d1"."author_id" as "authorId", "d1"."citation_id" as "citationId", "d1"."role" as "role", "d1"."position" as "position", "author"."r" as "author" from "contributions" as "d1" left join lateral(select row_to_json("t".*) "r" from (select "d2"."name" as "name", "d2"."id" as "id", (select count(distinct "citations"."id") from "citations" inner join "contributions" on "contributions"."citation_id" = "citations"."id" where "d2"."id" = "contributions"."author_id") as "_citations_count", (coalesce((select json_agg(json_build_object(
      'affiliation', json_build_object('id', f.id, 'name', f.name, 'nameKey', f.name_key, 'country', f.country),
      'firstYear', s.first_year, 'lastYear', s.last_year, 'count', s.n)
      order by s.n desc, s.last_year desc nulls last, f.id)
    from (select l.affiliation_id, min(c.year) as first_year, max(c.year) as last_year, count(*)::int as n
          from "author_affiliations" l join "citations" c on c.id = l.citation_id
          where l.author_id = "d2"."id" group by l.affiliation_id) s
    join "affiliations" f on f.id = s.affiliation_id), '[]'::json)) as "affiliationHistory" from "authors" as "d2" where "d1"."author_id" = "d2"."id" limit $1) as "t") as "author" on true where (("d1"."role" = $2) and ("d0"."id" = "d1"."citation_id")) order by "d1"."position" asc) as "t") as "contributions" on true left join lateral(select coalesce(json_agg(row_to_json("t".*)), '[]') as "r" from (select "d1"."affiliation_id" as "affiliationId", "d1"."citation_id" as "citationId", "affiliation"."r" as "affiliation" from "citation_affiliations" as "d1" left join lateral(select row_to_json("t".*) "r" from (select "d2"."name" as "name", "d2"."country" as "country", "d2"."id" as "id" from "affiliations" as "d2" where "d1"."affiliation_id" = "d2"."id" limit $3) as "t") as "affiliation" on true where "d0"."id" = "d1"."citation_id" order by "d1"."position" asc) as "t") as "affiliationLinks" on true left join lateral(select coalesce(json_agg(row_to_json("t".*)), '[]') as "r" from (select "d1"."keyword_id" as "keywordId", "d1"."citation_id" as "citationId", "keyword"."r" as "keyword" from "citation_keywords" as "d1" left join lateral(select row_to_json("t".*) "r" from (select "d2"."term" as "term", "d2"."id" as "id" from "keywords" as "d2" where "d1"."keyword_id" = "d2"."id" limit $4) as "t") as "keyword" on true where "d0"."id" = "d1"."citation_id" order by "d1"."position" asc) as "t") as "keywordLinks" on true where "d0"."id" in (…) order by 's…'::text asc, "d0"."id" desc limit $106;

select "d0"."id" as "id", ('s…'::text) as "cursorScope" from "citations" as "d0" where true order by 's…'::text asc, "d0"."id" desc limit $1;

select "d0"."name" as "name", "d0"."id" as "id" from "affiliations" as "d0" where "d0"."id" in (…);

select count(*) from "citations";
