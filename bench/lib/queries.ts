/**
 * The pages the query benchmark measures, each as bibgraph asks for it, as PostGraphile 5 asks for
 * the same page (where its generated schema can express it), and as one hand-written SQL
 * statement: the floor, what the page costs with no GraphQL server in the way. Adding a page is
 * adding an entry here.
 */
import type postgres from 'postgres';
import { benchOrganizationId, shapeOf, vocabularyWord } from './seed.ts';

export interface BenchRequest {
  query: string;
  variables: Record<string, unknown>;
}

export interface BenchQuery {
  name: string;
  bibgraph: BenchRequest;
  postgraphile: BenchRequest | null;
  floor: (sql: postgres.Sql) => Promise<unknown>;
  /** Throws when a response is not the page asked for (an error, or the wrong number of rows). */
  check: (data: unknown) => void;
}

/** The length of the list at `path` in a response's data, 0 when it is not there. */
function listLength(data: unknown, path: string): number {
  let at: unknown = data;
  for (const key of path.split('.'))
    at = at && typeof at === 'object' ? (at as Record<string, unknown>)[key] : undefined;
  return Array.isArray(at) ? at.length : 0;
}

const expectList = (path: string, atLeast: number, exactly?: number) => (data: unknown) => {
  const n = listLength(data, path);
  if (exactly !== undefined ? n !== exactly : n < atLeast)
    throw new Error(`unexpected response: ${path} has ${n} entries`);
};

/** Relay global ID as bibgraph encodes it (base64 of "Type:id"). */
const globalId = (type: string, id: number) => Buffer.from(`${type}:${id}`).toString('base64');

// The canonical page: what a frontend asks for most. Newest first (RECENTLY_ADDED), an order both
// servers serve from the same index, so both return the very same 50 rows.
const CANONICAL = `query CitationPage($first: Int!) {
  citations(first: $first, orderBy: RECENTLY_ADDED) {
    totalCount
    pageInfo { hasNextPage endCursor }
    nodes {
      id title year containerTitle doi risType
      authors { id name }
      affiliations { id name country }
      keywords { id term }
    }
  }
}`;

const CANONICAL_PEER = `query CitationPage($first: Int!) {
  allCitations(first: $first, orderBy: [CREATED_AT_DESC, ROW_ID_DESC]) {
    totalCount
    pageInfo { hasNextPage endCursor }
    nodes {
      id title year containerTitle doi risType
      contributionsByCitationId(orderBy: [ROLE_ASC, POSITION_ASC]) { nodes { authorByAuthorId { id name } } }
      citationAffiliationsByCitationId { nodes { affiliationByAffiliationId { id name country } } }
      citationKeywordsByCitationId { nodes { keywordByKeywordId { id term } } }
    }
  }
}`;

function canonicalFloor(sql: postgres.Sql) {
  return sql`
    with page as (
      select id, title, year, container_title, doi, ris_type, created_at from citations
      order by created_at desc, id desc limit 51
    )
    select (select count(*)::int from citations) as total, p.id, p.title, p.year, p.container_title, p.doi, p.ris_type,
      (select coalesce(json_agg(json_build_object('id', a.id, 'name', a.name) order by o.role, o.position), '[]')
         from contributions o join authors a on a.id = o.author_id where o.citation_id = p.id) as authors,
      (select coalesce(json_agg(json_build_object('id', f.id, 'name', f.name, 'country', f.country) order by l.position), '[]')
         from citation_affiliations l join affiliations f on f.id = l.affiliation_id where l.citation_id = p.id) as affiliations,
      (select coalesce(json_agg(json_build_object('id', k.id, 'term', k.term) order by l.position), '[]')
         from citation_keywords l join keywords k on k.id = l.keyword_id where l.citation_id = p.id) as keywords
    from page p order by p.created_at desc, p.id desc`;
}

const AUTHOR_PAGE = `query AuthorPage($id: ID!) {
  author(id: $id) {
    id name citationCount
    affiliations { count firstYear lastYear affiliation { id name country } }
    coauthors(first: 10) { count author { id name } }
    keywords(first: 10) { count keyword { id term } }
    citations(first: 20) {
      totalCount
      nodes { id title year containerTitle authors { id name } }
    }
  }
}`;

function authorFloor(sql: postgres.Sql, id: number) {
  return sql`
    with mine as (select distinct citation_id from contributions where author_id = ${id})
    select a.id, a.name,
      (select count(*)::int from mine) as citation_count,
      (select json_agg(x) from (
         select f.id, f.name, f.country, count(*)::int as n, min(c.year) as first_year, max(c.year) as last_year
         from author_affiliations l join affiliations f on f.id = l.affiliation_id join citations c on c.id = l.citation_id
         where l.author_id = a.id group by f.id order by n desc, f.id) x) as affiliations,
      (select json_agg(x) from (
         select o.author_id, b.name, count(distinct o.citation_id)::int as n
         from contributions o join contributions m on m.citation_id = o.citation_id and m.author_id = a.id and m.role = 'author'
           join authors b on b.id = o.author_id
         where o.role = 'author' and o.author_id <> a.id group by o.author_id, b.name order by n desc, o.author_id limit 10) x) as coauthors,
      (select json_agg(x) from (
         select k.id, k.term, count(*)::int as n
         from citation_keywords l join mine m on m.citation_id = l.citation_id join keywords k on k.id = l.keyword_id
         group by k.id order by n desc, k.id limit 10) x) as keywords,
      (select json_agg(x) from (
         select c.id, c.title, c.year, c.container_title,
           (select json_agg(json_build_object('id', b.id, 'name', b.name) order by o.role, o.position)
              from contributions o join authors b on b.id = o.author_id where o.citation_id = c.id) as authors
         from citations c join mine m on m.citation_id = c.id order by c.created_at desc, c.id desc limit 21) x) as citations
    from authors a where a.id = ${id}`;
}

const ORGANIZATION_PAGE = `query OrganizationPage($id: ID!) {
  organization(id: $id) {
    id name kind country { code name } citationCount
    people(first: 20) {
      totalCount
      nodes { author { id name } firstYear lastYear citationCount evidence confidence }
    }
  }
}`;

/**
 * The organization, its citations (its units' included), its 20 most cited people (an ordered
 * read of the people index that the LIMIT stops) and their number (counted from the index).
 */
function organizationFloor(sql: postgres.Sql, id: number) {
  return sql`
    select o.id, o.name, o.kind, o.country_code, o.country_name,
      (select count(distinct ca.citation_id)::int from citation_affiliations ca
         join affiliation_organizations ao on ao.affiliation_id = ca.affiliation_id
         join organizations u on u.id = ao.organization_id
       where u.id = o.id or u.parent_id = o.id) as citation_count,
      (select count(*)::int from author_organizations l where l.organization_id = o.id
         and not exists (select 1 from organization_link_decisions d
           where d.author_id = l.author_id and d.organization_id = l.organization_id and d.decision = 'REJECTED')
         and (l.confidence >= 0.6 or exists (select 1 from organization_link_decisions d
           where d.author_id = l.author_id and d.organization_id = l.organization_id and d.decision = 'CONFIRMED'))) as total,
      (select json_agg(x) from (
         select l.author_id, a.name, l.first_year, l.last_year, l.citation_count, l.evidence,
           case when d.decision = 'CONFIRMED' then 1 else l.confidence end as confidence
         from (select * from author_organizations l where l.organization_id = o.id
                 and not exists (select 1 from organization_link_decisions d
                   where d.author_id = l.author_id and d.organization_id = l.organization_id and d.decision = 'REJECTED')
                 and (l.confidence >= 0.6 or exists (select 1 from organization_link_decisions d
                   where d.author_id = l.author_id and d.organization_id = l.organization_id and d.decision = 'CONFIRMED'))
               order by l.citation_count desc, l.author_id limit 21) l
         join authors a on a.id = l.author_id
         left join organization_link_decisions d on d.author_id = l.author_id and d.organization_id = l.organization_id
         order by l.citation_count desc, l.author_id) x) as people
    from organizations o where o.id = ${id}`;
}

/** 20 citations with authors and keywords, the total and all six facets: a search page's answer. */
const PAGE_WITH_FACETS = `totalCount
    nodes { id title year containerTitle authors { id name } keywords { id term } }
    facets {
      years { value label count } types { value label count } containerTitles { value label count }
      keywords { value label count } authors { value label count } affiliations { value label count }
    }`;

const SEARCH_PAGE = `query SearchPage($search: String!) {
  citations(first: 20, filter: { search: $search }) {
    ${PAGE_WITH_FACETS}
  }
}`;

/**
 * What the search page looks for. A specific term: the seed's vocabulary word of rank 1,000, in
 * ~0.9 % of citations (~9,000 at 1M), as specific as a real query's term in a real library. A
 * broad one: a topic of the seed, in ~20 % of citations (titles, keywords, series), as broad as a
 * query can be — PostgreSQL ranks every match to return 20 of them.
 */
const SEARCH_TEXT = vocabularyWord(1000);
const BROAD_SEARCH_TEXT = 'thrombocytopenia';

function searchFloor(sql: postgres.Sql, text: string) {
  return sql`
    with q as (select websearch_to_tsquery('english', unaccent(${text})) as q),
    hits as (select c.id, c.year, c.ris_type, c.container_title, ts_rank(c.search_vector, q.q) as rank, c.created_at
             from citations c, q where c.search_vector @@ q.q),
    page as (select * from hits order by rank desc, id desc limit 21)
    select
      (select count(*)::int from hits) as total,
      (select json_agg(x) from (select p.id, c.title, c.year, c.container_title,
         (select json_agg(json_build_object('id', b.id, 'name', b.name) order by o.position)
            from contributions o join authors b on b.id = o.author_id where o.citation_id = p.id) as authors,
         (select json_agg(json_build_object('id', k.id, 'term', k.term) order by l.position)
            from citation_keywords l join keywords k on k.id = l.keyword_id where l.citation_id = p.id) as keywords
         from page p join citations c on c.id = p.id order by p.rank desc, p.id desc) x) as page,
      (select json_agg(x) from (select year, count(*) n from hits where year is not null group by year order by n desc, year desc limit 10) x) as years,
      (select json_agg(x) from (select ris_type, count(*) n from hits group by ris_type order by n desc limit 10) x) as types,
      (select json_agg(x) from (select lower(container_title), count(*) n from hits where container_title is not null group by 1 order by n desc limit 10) x) as containers,
      (select json_agg(x) from (select l.keyword_id, count(*) n from citation_keywords l join hits h on h.id = l.citation_id group by 1 order by n desc limit 10) x) as keywords,
      (select json_agg(x) from (select l.author_id, count(distinct l.citation_id) n from contributions l join hits h on h.id = l.citation_id group by 1 order by n desc limit 10) x) as authors,
      (select json_agg(x) from (select l.affiliation_id, count(*) n from citation_affiliations l join hits h on h.id = l.citation_id group by 1 order by n desc limit 10) x) as affiliations`;
}

/** The whole library's first page with its facets: what a frontend shows before any search. */
const LIBRARY_PAGE = `query LibraryPage {
  citations(first: 20, orderBy: RECENTLY_ADDED) {
    ${PAGE_WITH_FACETS}
  }
}`;

/**
 * The same page by hand: the newest 20 citations, and the total and facets read from the totals
 * the writers keep (facet_totals, docs/performance.md), as a hand-written statement on these tables
 * would. Counting them from the tables instead takes seconds at 1M (bench/README.md, round 7).
 */
function libraryFloor(sql: postgres.Sql) {
  const largest = (kind: string, order: string) =>
    sql`(select json_agg(x) from (select id, value, count from facet_totals
          where kind = ${kind} and count > 0 order by ${sql.unsafe(order)} limit 10) x)`;
  // The largest buckets of a facet of rows, with the label from their table.
  const named = (kind: string, table: string, label: string) =>
    sql`(select json_agg(x) from (select t.count, e.${sql.unsafe(label)} as label
          from (select id, count from facet_totals where kind = ${kind} and count > 0
                order by count desc, id limit 10) t
          join ${sql.unsafe(table)} e on e.id = t.id) x)`;
  return sql`
    with page as (select id, title, year, container_title, created_at from citations
                  order by created_at desc, id desc limit 21)
    select
      (select sum(count)::int from facet_totals where kind = 'citations') as total,
      (select json_agg(x) from (select p.id, p.title, p.year, p.container_title,
         (select json_agg(json_build_object('id', b.id, 'name', b.name) order by o.position)
            from contributions o join authors b on b.id = o.author_id where o.citation_id = p.id) as authors,
         (select json_agg(json_build_object('id', k.id, 'term', k.term) order by l.position)
            from citation_keywords l join keywords k on k.id = l.keyword_id where l.citation_id = p.id) as keywords
         from page p order by p.created_at desc, p.id desc) x) as page,
      ${largest('years', 'count desc, id desc')} as years,
      ${largest('types', 'count desc, value')} as types,
      (select json_agg(x) from (select lower(value), sum(count) n from facet_totals
         where kind = 'containerTitles' and count > 0 group by 1 order by n desc limit 10) x) as containers,
      ${named('keywords', 'keywords', 'term')} as keywords,
      ${named('authors', 'authors', 'name')} as authors,
      ${named('affiliations', 'affiliations', 'name')} as affiliations`;
}

const SUGGEST = `query Suggest($prefix: String!) {
  suggest(prefix: $prefix, first: 10) { kind id label hint count }
}`;
const PREFIX = 'garson';

/**
 * The best SQL for the same list, as src/query/suggest.ts sends it: one statement reads each
 * kind's prefix matches as a range of its byte-ordered index (a LIMIT stops it) and names, hints
 * and citation counts for the final ten only; only when those cannot fill the list does a second
 * statement read the rest of it from the fuzzy trigram matches ("garson" at 10k). One statement with both would be
 * planned anew on every execution (PostgreSQL never keeps its generic plan), which costs more
 * than the prefix statement runs.
 */
function suggestFloor(sql: postgres.Sql) {
  const fg = `replace(replace(a.name_key, 'lit:', ''), '|', ' ')`;
  const gf = `(split_part(a.name_key, '|', 2) || ' ' || split_part(a.name_key, '|', 1))`;
  // The typed text is $1; for "garson" the organization key (src/address/organization-key.ts) is
  // the same text, so one parameter serves every kind.
  const range = (e: string) => `(${e}) collate "C" >= $1 and (${e}) collate "C" < $1 || chr(1114111)`;
  const tier = (e: string) => `case when ${e} = $1 or starts_with(${e}, $1 || ' ') then 2 else 1 end`;
  const score = (e: string) => `(greatest(similarity(${e}, $1), word_similarity($1, ${e})) * 1000000)::int`;
  const prefix = `(select 'author' as kind, p.id, max(p.tier) as tier, ${score('a.name_key')} as score from (
         (select a.id, ${tier(fg)} as tier from authors a where ${range(fg)} order by (${fg}) collate "C" limit 10)
         union all
         (select a.id, ${tier(gf)} from authors a where ${range(gf)} order by (${gf}) collate "C" limit 10)
       ) p join authors a on a.id = p.id group by p.id, a.name_key)
      union all
      (select 'affiliation', f.id, ${tier('f.name_key')}, ${score('f.name_key')} from affiliations f
        where ${range('f.name_key')} order by f.name_key collate "C" limit 10)
      union all
      (select 'keyword', k.id, ${tier('k.term_key')}, ${score('k.term_key')} from keywords k
        where ${range('k.term_key')} order by k.term_key collate "C" limit 10)
      union all
      (select 'organization', o.id, case when string_to_array(o.key, ' ') @> string_to_array($1, ' ') then 2 else 1 end,
         ${score('o.key')} from organizations o
        where o.parent_id is null and o.key like '%' || $1 || '%'
          and exists (select 1 from unnest(string_to_array(o.key, ' ')) w where starts_with(w, $1))
        order by 3 desc, 4 desc, 2 limit 10)
`;
  const fuzzy = `
      (select 'author' as kind, a.id, 0 as tier, ${score('a.name_key')} as score from authors a
        where (a.name_key % $1 or $1 <% a.name_key)
          and not (${range(fg)}) and not (${range(gf)}) order by 4 desc, 2 limit 10)
      union all
      (select 'affiliation', f.id, 0, ${score('f.name_key')} from affiliations f
        where (f.name_key % $1 or $1 <% f.name_key)
          and not (${range('f.name_key')}) order by 4 desc, 2 limit 10)
      union all
      (select 'keyword', k.id, 0, ${score('k.term_key')} from keywords k
        where (k.term_key % $1 or $1 <% k.term_key)
          and not (${range('k.term_key')}) order by 4 desc, 2 limit 10)
      union all
      (select 'organization', o.id, 0, ${score('o.key')} from organizations o
        where o.parent_id is null and (o.key % $1 or $1 <% o.key)
          and not exists (select 1 from unnest(string_to_array(o.key, ' ')) w where starts_with(w, $1))
        order by 4 desc, 2 limit 10)`;
  const details = `select b.kind, b.id, b.tier,
      case b.kind when 'author' then (select name from authors where id = b.id)
        when 'affiliation' then (select name from affiliations where id = b.id)
        when 'keyword' then (select term from keywords where id = b.id)
        else (select name from organizations where id = b.id) end as label,
      case b.kind when 'author' then (select f.name from author_affiliations l join affiliations f on f.id = l.affiliation_id
                                        join citations c on c.id = l.citation_id
                                      where l.author_id = b.id order by c.year desc nulls last, c.id desc limit 1)
        when 'affiliation' then (select country from affiliations where id = b.id)
        when 'organization' then (select country_name from organizations where id = b.id) end as hint,
      case b.kind when 'author' then (select count(distinct citation_id)::int from contributions where author_id = b.id)
        when 'affiliation' then (select count(*)::int from citation_affiliations where affiliation_id = b.id)
        when 'keyword' then (select count(*)::int from citation_keywords where keyword_id = b.id)
        else (select count(distinct ca.citation_id)::int from citation_affiliations ca
                join affiliation_organizations ao on ao.affiliation_id = ca.affiliation_id and ao.depth = 0
              where ao.organization_id = b.id) end as count
    from best b order by b.tier desc, count desc`;
  const prefixOnly = `with best as (select * from (${prefix}) c order by tier desc, score desc, kind, id limit 10) ${details}`;
  // The rest of the list from the fuzzy matches, which exclude the prefix ones.
  const fuzzyRest = (rest: number) =>
    `with best as (select * from (${fuzzy}) c order by tier desc, score desc, kind, id limit ${rest}) ${details}`;
  return sql
    .unsafe(prefixOnly, [PREFIX], { prepare: true })
    .then(async (rows) =>
      rows.length < 10
        ? [...rows, ...(await sql.unsafe(fuzzyRest(10 - rows.length), [PREFIX], { prepare: true }))]
        : rows,
    );
}

/** The benchmark pages for a library of `n` seeded citations (bench/lib/seed.ts). */
export function benchQueries(n: number): BenchQuery[] {
  // An author as active relative to the library at every size: the seed's power-law picks give
  // author k about credits / (2·sqrt(k·A)) citations, so k = A/100 keeps that count constant.
  const authorId = Math.max(1, Math.round(shapeOf(n).authors / 100));
  const organizationId = benchOrganizationId(n);
  return [
    {
      name: 'canonical page',
      bibgraph: { query: CANONICAL, variables: { first: 50 } },
      postgraphile: { query: CANONICAL_PEER, variables: { first: 50 } },
      floor: canonicalFloor,
      check: (data) =>
        expectList(
          listLength(data, 'citations.nodes') ? 'citations.nodes' : 'allCitations.nodes',
          50,
          50,
        )(data),
    },
    {
      name: 'author page',
      bibgraph: { query: AUTHOR_PAGE, variables: { id: globalId('Author', authorId) } },
      postgraphile: null,
      floor: (sql) => authorFloor(sql, authorId),
      check: expectList('author.citations.nodes', 1),
    },
    {
      name: 'organization page',
      bibgraph: { query: ORGANIZATION_PAGE, variables: { id: globalId('Organization', organizationId) } },
      postgraphile: null,
      floor: (sql) => organizationFloor(sql, organizationId),
      check: expectList('organization.people.nodes', 20, 20),
    },
    {
      name: 'library + 6 facets',
      bibgraph: { query: LIBRARY_PAGE, variables: {} },
      postgraphile: null,
      floor: libraryFloor,
      check: expectList('citations.facets.authors', 1),
    },
    {
      name: 'search + 6 facets',
      bibgraph: { query: SEARCH_PAGE, variables: { search: SEARCH_TEXT } },
      postgraphile: null,
      floor: (sql) => searchFloor(sql, SEARCH_TEXT),
      check: expectList('citations.facets.authors', 1),
    },
    {
      name: 'search, broad term',
      bibgraph: { query: SEARCH_PAGE, variables: { search: BROAD_SEARCH_TEXT } },
      postgraphile: null,
      floor: (sql) => searchFloor(sql, BROAD_SEARCH_TEXT),
      check: expectList('citations.facets.authors', 1),
    },
    {
      name: 'typeahead',
      bibgraph: { query: SUGGEST, variables: { prefix: PREFIX } },
      postgraphile: null,
      floor: suggestFloor,
      check: expectList('suggest', 1),
    },
  ];
}
