/**
 * Seeds a PostgreSQL database (migrations already applied) with `n` generated citations in the
 * shape bibgraph's ingestion produces, entirely inside the server (generate_series, one statement
 * per table), so a million citations take minutes rather than hours. The shape scales with the
 * library the way real bibliographies do: people, institutions and terms grow with the number of
 * citations, and a few of each are far more frequent than the rest (power-law picks), so facets,
 * author pages and typeahead meet realistic skew at every size.
 *
 * Secondary indexes of the loaded tables are dropped before the load and rebuilt from their own
 * definitions afterwards (pg_indexes), which keeps them exactly as the migrations made them.
 */
import { sql as dsql } from 'drizzle-orm';
import type postgres from 'postgres';
import { parseAddress } from '../../src/address/parse.ts';
import { type Database, rowsOf } from '../../src/db/client.ts';
import { writeTransaction } from '../../src/db/writers.ts';
import { recomputeAuthorLinks } from '../../src/ingest/organization-links.ts';
import { type AddressRow, refreshOrganizationNames, storeAddresses } from '../../src/ingest/organizations.ts';
// The generated RIS library (bench:ingest, bench:ingest-size) and this seed share their people and places.
import { DEPTS, GIVEN, PLACES, QUALIFIERS } from './generate-ris.ts';

const SYLLABLES = [
  'ka',
  'to',
  'mi',
  'ra',
  'ne',
  'so',
  'lu',
  'be',
  'da',
  'fi',
  'ge',
  'ho',
  'ji',
  'ko',
  'la',
  'ma',
  'no',
  'pe',
  'ri',
  'sa',
  'ta',
  'vo',
  'wi',
  'ya',
  'zu',
  'an',
  'el',
  'in',
  'or',
  'us',
  'ber',
  'gar',
  'son',
  'man',
  'ler',
  'sky',
  'ova',
  'ez',
  'ski',
  'ton',
];
export const TOPICS = [
  'stem cells',
  'systematic review',
  'meta-analysis',
  'machine learning',
  'climate change',
  'randomized controlled trial',
  'thrombocytopenia',
  'sleep',
  'wildfires',
  'biodiversity',
  'public health',
  'deep learning',
  'epidemiology',
  'gene expression',
  'cohort study',
  'air pollution',
  'microbiome',
  'malaria',
  'graph neural networks',
  'soil carbon',
];
/** The most frequent words of titles and abstracts, most frequent first. */
const COMMON_WORDS = (
  'the of and in to a with for patients results study was were data analysis effect treatment ' +
  'significant model group clinical outcomes associated between increased using methods we observed compared ' +
  'response population risk after during higher lower cells samples years cohort exposure incidence ' +
  'mortality regression variance protein expression receptor signalling pathway habitat species ' +
  'temperature rainfall sediment nitrogen isotope spectra neural network training accuracy benchmark'
).split(' ');

/**
 * The vocabulary of titles and abstracts: the common words, then made-up three-syllable words.
 * Words are drawn Zipf-like (the word of rank r with probability ∝ 1/r, as in real text), so a
 * word's share of the library falls with its rank as real terms' do: with ~95 words a citation,
 * rank r appears in roughly 8.7/r of citations (rank 1,000: ~0.9 %; rank 10,000: ~0.09 %).
 * Version 1 of the seed drew ~70 words uniformly, so every term matched a large part of the
 * library and no search was as specific as real ones are.
 */
export const VOCABULARY_SIZE = 30_000;
export function vocabularyWord(rank: number): string {
  if (rank <= COMMON_WORDS.length) return COMMON_WORDS[rank - 1] as string;
  const i = rank - COMMON_WORDS.length - 1;
  const S = SYLLABLES.length;
  return `${SYLLABLES[i % S]}${SYLLABLES[Math.floor(i / S) % S]}${SYLLABLES[Math.floor(i / (S * S)) % S]}`;
}
/** SQL for one word's rank: exp(U · ln V) is log-uniform on [1, V), which is P(r) ∝ 1/r. */
const ZIPF_RANK = `floor(exp(random() * ln(${VOCABULARY_SIZE})))::int`;
/**
 * SQL for vocabularyWord(r), given arrays `cw` (COMMON_WORDS) and `s` (SYLLABLES) in scope: built
 * from the rank, because subscripting a 30,000-element text[] walks it from the start every time.
 */
function wordSql(r: string): string {
  const C = COMMON_WORDS.length;
  const S = SYLLABLES.length;
  return `case when ${r} <= ${C} then cw[${r}] else s[1 + (${r} - ${C + 1}) % ${S}] || s[1 + ((${r} - ${C + 1}) / ${S}) % ${S}] || s[1 + ((${r} - ${C + 1}) / ${S * S}) % ${S}] end`;
}
/** SQL for `words` words drawn from the vocabulary (`correlate`: a reference to the outer row, so each row draws anew). */
const draw = (words: string, correlate: string) =>
  `(select string_agg(${wordSql('z.r')}, ' ') from (select ${ZIPF_RANK} + 0 * g as r from generate_series(1, ${words}) g where g > 0 * ${correlate}) z)`;
const JOURNALS = [
  'Experimental and Therapeutic Medicine',
  'Journal of Ecology',
  'The Lancet',
  'Nature Communications',
  'PLOS ONE',
  'BMJ Open',
  'Scientific Reports',
  'Global Change Biology',
  'Blood',
  'NeuroImage',
  'Cell Reports',
  'Environmental Research',
  'Sleep',
  'Bioinformatics',
  'Ecology Letters',
];

/** How many people, institutions and terms a library of `n` citations has. */
export function shapeOf(n: number) {
  return {
    authors: Math.max(1000, Math.round(n * 0.6)),
    affiliations: 80 + Math.round(n / 500),
    keywords: TOPICS.length * QUALIFIERS.length + Math.round(n / 200),
  };
}

const LOADED = [
  'citations',
  'authors',
  'affiliations',
  'keywords',
  'contributions',
  'citation_affiliations',
  'author_affiliations',
  'citation_keywords',
];

const lit = (values: readonly string[]) =>
  `array[${values.map((v) => `'${v.replaceAll("'", "''")}'`).join(',')}]::text[]`;

/** Folds like src/ris/normalize.ts foldText does for these ASCII-and-Latin names. */
const fold = (expr: string) =>
  `btrim(regexp_replace(regexp_replace(lower(unaccent(${expr})), '[^a-z0-9| ]+', ' ', 'g'), ' +', ' ', 'g'))`;

export async function seedDatabase(sql: postgres.Sql, n: number, log: (line: string) => void): Promise<void> {
  const shape = shapeOf(n);
  const step = async (label: string, statement: string) => {
    const t0 = performance.now();
    await sql.unsafe(statement);
    log(`  ${label}: ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  };
  await sql.unsafe(`set maintenance_work_mem = '512MB'`);
  await sql.unsafe(`set max_parallel_workers_per_gather = 0`);
  await sql.unsafe(`select setseed(0.42)`);
  // The rows are consistent by construction; replica mode skips the per-row foreign-key triggers.
  await sql.unsafe(`set session_replication_role = replica`);
  const indexes = await sql<Array<{ indexname: string; indexdef: string }>>`
    select i.indexname, i.indexdef from pg_indexes i
    where i.schemaname = 'public' and i.tablename in ${sql(LOADED)}
      and not exists (select 1 from pg_constraint c where c.conname = i.indexname)`;
  for (const { indexname } of indexes) await sql.unsafe(`drop index "${indexname}"`);

  // Family names are two or three syllables; a bijection (multiply by a unit mod the product) turns
  // the row number into a unique family × given × initial combination, so keys never collide.
  const S = SYLLABLES.length;
  const G = GIVEN.length;
  const M = S * S * S * G * 26;
  await step(
    `authors (${shape.authors})`,
    `insert into authors (family, given, name, name_key)
     select fam, giv, giv || ' ' || fam, ${fold("fam || '|' || giv")}
     from (
       select initcap(s[1 + m % ${S}] || s[1 + (m / ${S}) % ${S}] || case when (m / ${S * S}) % 3 = 0 then '' else s[1 + (m / ${S * S}) % ${S}] end) as fam,
              g[1 + (m / ${S * S * S}) % ${G}] || ' ' || chr(65 + (m / ${S * S * S * G}) % 26) || '.' as giv
       from (select ((i::bigint * 7919 + 13) % ${M})::int as m from generate_series(1, ${shape.authors}) i) x,
            (select ${lit(SYLLABLES)} as s, ${lit(GIVEN)} as g) c
     ) y`,
  );
  await step(
    `affiliations (${shape.affiliations})`,
    `insert into affiliations (name, name_key, country)
     select nm, ${fold('nm')} || ' ' || i, country from (
       select i, d[1 + i % ${DEPTS.length}] || case when i > ${DEPTS.length * PLACES.length} then ' ' || i else '' end
                 || ', ' || p[1 + (i / ${DEPTS.length}) % ${PLACES.length}] || ', ' || k[1 + (i / ${DEPTS.length}) % ${PLACES.length}] as nm,
              k[1 + (i / ${DEPTS.length}) % ${PLACES.length}] as country
       from generate_series(0, ${shape.affiliations - 1}) i,
            (select ${lit(DEPTS)} as d, ${lit(PLACES.map((p) => p[0] as string))} as p, ${lit(PLACES.map((p) => p[1] as string))} as k) c
     ) y`,
  );
  const base = TOPICS.length * QUALIFIERS.length;
  await step(
    `keywords (${shape.keywords})`,
    `insert into keywords (term, term_key)
     select t, ${fold('t')} from (
       select case when i < ${base} then tp[1 + i / ${QUALIFIERS.length}] || q[1 + i % ${QUALIFIERS.length}]
                   else tp[1 + i % ${TOPICS.length}] || ' ' || s[1 + (i / 20) % ${S}] || s[1 + (i / ${20 * S}) % ${S}] || s[1 + (i / ${20 * S * S}) % ${S}] end as t
       from generate_series(0, ${shape.keywords - 1}) i,
            (select ${lit(TOPICS)} as tp, ${lit(QUALIFIERS)} as q, ${lit(SYLLABLES)} as s) c
     ) y`,
  );
  // Power-law picks: 1 + floor(N * random()^k) makes low ids frequent and the long tail rare.
  await step(
    'keyword links',
    `create unlogged table seed_keywords as
     select distinct on (c, k) c, k, p from (
       select c, 1 + floor(${shape.keywords} * random() ^ 3)::int as k, p
       from generate_series(1, ${n}) c, lateral generate_series(1, 3 + (c * 7) % 4) p
     ) x order by c, k, p`,
  );
  await sql.unsafe('create index on seed_keywords (c)');
  await step(
    `citations (${n})`,
    `insert into citations (id, ris_type, title, container_title, abstract, year, doi, raw_record, raw_tags, search_vector, created_at)
     overriding system value
     select c, ty, ti, ct, ab, yr, case when c % 5 <> 0 then '10.5555/bench.' || c end,
            'TY  - ' || ty || E'\\nER  - ', jsonb_build_array(jsonb_build_object('tag', 'TY', 'value', ty)),
            setweight(to_tsvector('english', unaccent(coalesce(ti, ''))), 'A') ||
            setweight(to_tsvector('english', unaccent(coalesce(kw, ''))), 'B') ||
            setweight(to_tsvector('english', unaccent(coalesce(ct, ''))), 'C') ||
            setweight(to_tsvector('english', unaccent(coalesce(ab, ''))), 'D'),
            now() - make_interval(secs => ${n} - c)
     from (
       select c, ty, case when c % 100 = 0 then null else initcap(
                ${draw('8 + (c * 13) % 6', 'c')}
                || ' ' || tp[1 + floor(random() * ${TOPICS.length})::int]) end as ti,
              case when ty = 'JOUR' then j[1 + floor(random() * ${JOURNALS.length})::int]
                   when c % 2 = 0 then 'Handbook of ' || tp[1 + floor(random() * ${TOPICS.length})::int] end as ct,
              ${draw('84', 'c')} as ab,
              case when c % 50 = 0 then null else 1990 + floor(random() * 35)::int end as yr,
              (select string_agg(k.term, ' ' order by l.p) from seed_keywords l join keywords k on k.id = l.k where l.c = x.c) as kw
       from (select c, (array['JOUR','JOUR','JOUR','JOUR','JOUR','BOOK','CHAP','CONF'])[1 + floor(random() * 8)::int] as ty
             from generate_series(1, ${n}) c) x,
            (select ${lit(COMMON_WORDS)} as cw, ${lit(SYLLABLES)} as s, ${lit(TOPICS)} as tp, ${lit(JOURNALS)} as j) a
     ) y`,
  );
  await sql.unsafe(`select setval(pg_get_serial_sequence('citations', 'id'), ${n})`);
  await step(
    'citation_keywords',
    `insert into citation_keywords (citation_id, keyword_id, position) select c, k, p from seed_keywords`,
  );
  await sql.unsafe('drop table seed_keywords');
  await step(
    'contributions',
    `insert into contributions (citation_id, author_id, role, position, name_as_written)
     select c, 1 + floor(${shape.authors} * random() ^ 2)::int, 'author', p, 'x'
     from generate_series(1, ${n}) c, lateral generate_series(1, 3 + (c * 11) % 5) p`,
  );
  await step(
    'citation_affiliations',
    `insert into citation_affiliations (citation_id, affiliation_id, position)
     select distinct on (c, a) c, a, p from (
       select c, 1 + floor(${shape.affiliations} * random() ^ 2)::int as a, p
       from generate_series(1, ${n}) c, lateral generate_series(1, 1 + (c * 5) % 3) p
     ) x order by c, a, p`,
  );
  await step(
    'author_affiliations',
    `insert into author_affiliations (author_id, affiliation_id, citation_id)
     select distinct o.author_id, a.affiliation_id, o.citation_id
     from contributions o
     join (select citation_id, affiliation_id, row_number() over w as rn, count(*) over w as cnt
           from citation_affiliations window w as (partition by citation_id order by position
             rows between unbounded preceding and unbounded following)) a
       on a.citation_id = o.citation_id and a.rn = 1 + (o.position - 1) % a.cnt`,
  );
  for (const { indexname, indexdef } of indexes) await step(`index ${indexname}`, indexdef);
  await step('vacuum analyze', 'vacuum analyze');
}

// ---------------------------------------------------------------------------------------------
// Version 2: organizations.

/** Institution names past the ten classic places ("%" is the generated city). */
const INSTITUTION_FORMS = [
  'University of %',
  '% University Hospital',
  '% Institute of Technology',
  '% Medical University',
  '% National Laboratory',
  '% Cancer Center',
];
const CLASSIC_AFFILIATIONS = DEPTS.length * PLACES.length;
const AFFILIATIONS_PER_INSTITUTION = 4;

/**
 * How many institutions (top-level organizations) a library of `n` citations names: the ten
 * classic places of the first 80 affiliation strings, then one per four strings after them, so
 * institutions grow with the library as affiliations do (15 at 10k, 60 at 100k, 510 at 1M).
 */
export function institutionsOf(n: number): number {
  const extra = Math.max(0, shapeOf(n).affiliations - CLASSIC_AFFILIATIONS);
  return PLACES.length + Math.ceil(extra / AFFILIATIONS_PER_INSTITUTION);
}

/** Institution j (0-based) of the seed: the affiliation ids (1-based) whose strings name it. */
function affiliationsOfInstitution(j: number, n: number): number[] {
  const a = shapeOf(n).affiliations;
  const ids =
    j < PLACES.length
      ? Array.from({ length: CLASSIC_AFFILIATIONS }, (_, i) => i).filter(
          (i) => Math.floor(i / DEPTS.length) % PLACES.length === j,
        )
      : Array.from(
          { length: AFFILIATIONS_PER_INSTITUTION },
          (_, k) => CLASSIC_AFFILIATIONS + (j - PLACES.length) * AFFILIATIONS_PER_INSTITUTION + k,
        );
  return ids.filter((i) => i < a).map((i) => i + 1);
}

/**
 * The organization the benchmark's organization page shows: the institution whose expected
 * number of citations is closest to 2,500 at every size (like the author page's author, as
 * active relative to the library at every size). Affiliation k of A is picked with probability
 * sqrt(k/A) − sqrt((k−1)/A) (the seed's power law), about twice per citation. Its id is j + 1:
 * version 2 creates the institutions in this order.
 */
export function benchOrganizationId(n: number): number {
  const a = shapeOf(n).affiliations;
  const expected = (j: number) =>
    2 *
    n *
    affiliationsOfInstitution(j, n).reduce((s, k) => s + Math.sqrt(k / a) - Math.sqrt((k - 1) / a), 0);
  let best = 0;
  for (let j = 1; j < institutionsOf(n); j++)
    if (Math.abs(Math.log(expected(j) / 2500)) < Math.abs(Math.log(expected(best) / 2500))) best = j;
  return best + 1;
}

/**
 * Seed version 2, run on a version-1 seed in place: organizations as ingestion stores them.
 * The affiliation strings past the first 80 are renamed to name one more institution per four
 * strings (a department of a generated university, hospital, institute … in one of the ten
 * countries); then every string is read by the address parser and stored by the ingestion code
 * itself (src/ingest/organizations.ts: organizations, units, affiliation_organizations, the parsed
 * address), and every author's organization links are computed by the code that ingest and
 * reindex use (src/ingest/organization-links.ts), explicit and inferred alike. The institutions
 * are created first, in the seed's order, so their ids are predictable (benchOrganizationId).
 */
export async function seedOrganizations(db: Database, n: number, log: (line: string) => void): Promise<void> {
  const step = async (label: string, run: () => Promise<unknown>) => {
    const t0 = performance.now();
    await run();
    log(`  ${label}: ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  };
  const S = SYLLABLES.length;
  await step('institutions named by the affiliations', () =>
    db.execute(
      dsql.raw(`update affiliations a set name = x.nm, name_key = ${fold('x.nm')} || ' ' || x.i, country = x.country
       from (
         select y.id, y.i, split_part(y.name, ', ', 1) || ', ' || replace(f[1 + y.j % ${INSTITUTION_FORMS.length}], '%', c.city)
                  || ', ' || c.city || ', ' || k[1 + y.j % ${PLACES.length}] as nm,
                k[1 + y.j % ${PLACES.length}] as country
         from (select id, name, id - 1 as i, ${PLACES.length} + (id - 1 - ${CLASSIC_AFFILIATIONS}) / ${AFFILIATIONS_PER_INSTITUTION} as j
               from affiliations where id > ${CLASSIC_AFFILIATIONS}) y,
              (select ${lit(SYLLABLES)} as s, ${lit(INSTITUTION_FORMS)} as f, ${lit(PLACES.map((p) => p[1] as string))} as k) arr,
              lateral (select initcap(s[1 + y.j % ${S}] || s[1 + (y.j / ${S}) % ${S}] || s[1 + (y.j * 7 + 3) % ${S}]) as city) c
       ) x where a.id = x.id`),
    ),
  );
  const rows: AddressRow[] = rowsOf<{ id: number; name: string }>(
    await db.execute(dsql`select id, name from affiliations order by id`),
  ).map((r) => ({ affiliationId: Number(r.id), address: parseAddress(r.name) }));
  await step(`organizations of ${rows.length} affiliations`, () =>
    writeTransaction(db, 'seed', async (tx) => {
      // The institutions first, in the order the affiliations name them: ids 1, 2, … (the
      // organization page picks one by id). storeAddresses then finds them and adds the units.
      // An attempt that was stopped rolled its rows back but not the ids it drew.
      await tx.execute(
        dsql`select setval(pg_get_serial_sequence('organizations', 'id'), 1, false) where not exists (select from organizations)`,
      );
      const seen = new Map<string, Record<string, string | number | null>>();
      for (const { address } of rows)
        for (const o of address.organizations) {
          const identity = `${o.key}\u0001${address.country?.code ?? ''}`;
          if (!seen.has(identity))
            seen.set(identity, {
              ord: seen.size,
              name: o.name,
              key: o.key,
              kind: o.kind,
              country_code: address.country?.code ?? null,
              country_name: address.country?.name ?? null,
            });
        }
      const inserted = rowsOf<{ id: number }>(
        await tx.execute(dsql`insert into organizations (name, key, country_code, country_name, kind)
          select name, key, country_code, country_name, kind
          from jsonb_to_recordset(${JSON.stringify([...seen.values()])}::jsonb)
            as r(ord int, name text, key text, country_code text, country_name text, kind text)
          order by ord returning id`),
      );
      const ids = inserted.map((r) => Number(r.id));
      if (ids.length !== institutionsOf(n) || ids.some((id, i) => id !== i + 1))
        throw new Error(
          `institutions got ids ${ids.slice(0, 5).join(', ')}…; expected 1…${institutionsOf(n)}`,
        );
      const touched = await storeAddresses(tx, rows);
      await refreshOrganizationNames(tx, touched);
    }),
  );
  const authorIds = rowsOf<{ id: number }>(await db.execute(dsql`select id from authors order by id`)).map(
    (r) => Number(r.id),
  );
  await step(`organization links of ${authorIds.length} authors`, async () => {
    const batch = 20_000;
    for (let i = 0; i < authorIds.length; i += batch)
      await writeTransaction(db, 'seed', (tx) => recomputeAuthorLinks(tx, authorIds.slice(i, i + batch)));
  });
  await step('vacuum analyze', () =>
    db.execute(
      dsql`vacuum analyze affiliations, organizations, affiliation_organizations, author_organizations`,
    ),
  );
}
