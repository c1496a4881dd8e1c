/**
 * The pages the query benchmark measures, each as bibgraph asks for it, as PostGraphile 5 asks for
 * the same page (where its generated schema can express it), and as one hand-written SQL
 * statement: the floor, what the page costs with no GraphQL server in the way. Adding a page is
 * adding an entry here (the organization's people joins when Organization types exist, #12).
 */
import type postgres from 'postgres';
import { shapeOf } from './seed.ts';

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
         from contributions o join mine m on m.citation_id = o.citation_id join authors b on b.id = o.author_id
         where o.author_id <> a.id group by o.author_id, b.name order by n desc, o.author_id limit 10) x) as coauthors,
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

const SEARCH_PAGE = `query SearchPage($search: String!) {
  citations(first: 20, filter: { search: $search }) {
    totalCount
    nodes { id title year containerTitle authors { id name } keywords { id term } }
    facets {
      years { value label count } types { value label count } containerTitles { value label count }
      keywords { value label count } authors { value label count } affiliations { value label count }
    }
  }
}`;

const SEARCH_TEXT = 'thrombocytopenia';

function searchFloor(sql: postgres.Sql) {
  return sql`
    with q as (select websearch_to_tsquery('english', unaccent(${SEARCH_TEXT})) as q),
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

const SUGGEST = `query Suggest($prefix: String!) {
  suggest(prefix: $prefix, first: 10) { kind id label hint count }
}`;
const PREFIX = 'garson';

function suggestFloor(sql: postgres.Sql) {
  return sql`
    select * from (
      (select 'author' as kind, a.id, a.name as label, similarity(a.name_key, ${PREFIX}) as score from authors a
        where a.name_key % ${PREFIX} or ${PREFIX} <% a.name_key or a.name_key like ${`${PREFIX}%`} order by 4 desc, 2 limit 10)
      union all
      (select 'affiliation', f.id, f.name, similarity(f.name_key, ${PREFIX}) from affiliations f
        where f.name_key % ${PREFIX} or ${PREFIX} <% f.name_key or f.name_key like ${`${PREFIX}%`} order by 4 desc, 2 limit 10)
      union all
      (select 'keyword', k.id, k.term, similarity(k.term_key, ${PREFIX}) from keywords k
        where k.term_key % ${PREFIX} or ${PREFIX} <% k.term_key or k.term_key like ${`${PREFIX}%`} order by 4 desc, 2 limit 10)
    ) s order by score desc limit 10`;
}

/** The benchmark pages for a library of `n` seeded citations (bench/lib/seed.ts). */
export function benchQueries(n: number): BenchQuery[] {
  // An author as active relative to the library at every size: the seed's power-law picks give
  // author k about credits / (2·sqrt(k·A)) citations, so k = A/100 keeps that count constant.
  const authorId = Math.max(1, Math.round(shapeOf(n).authors / 100));
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
      name: 'search + 6 facets',
      bibgraph: { query: SEARCH_PAGE, variables: { search: SEARCH_TEXT } },
      postgraphile: null,
      floor: searchFloor,
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
