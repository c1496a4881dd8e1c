/**
 * Query benchmark: the canonical frontend request (a page of 50 citations with authors,
 * affiliations and keywords, plus every facet) over HTTP, against the very same SQL statements run
 * directly through the driver, on a database of 50,000 generated citations. Prints a table.
 *
 *   npx tsx bench/query.ts [citations]           PostgreSQL (DATABASE_URL, or a scratch database
 *                                                bibgraph_bench on 127.0.0.1 created and dropped
 *                                                here) and embedded PGlite
 *   BENCH_TARGETS=postgres npx tsx bench/query.ts  one target only
 *   BENCH_KEEP=1 keeps the scratch database; BENCH_STATEMENTS=1 prints the statements measured
 */
import { createServer as createHttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type Logger, sql } from 'drizzle-orm';
import postgres from 'postgres';
import { type DatabaseHandle, openDatabase } from '../src/db/client.ts';
import {
  affiliations,
  authorAffiliations,
  authors,
  citationAffiliations,
  citationKeywords,
  citations,
  contributions,
  keywords,
} from '../src/db/schema.ts';
import { refreshSearchDocuments } from '../src/query/search.ts';
import { foldText } from '../src/ris/normalize.ts';
import { createServer } from '../src/server/server.ts';
import { FAMILY, GIVEN } from './lib/generate-ris.ts';

// autocannon ships no types; this is the part of its API the benchmark uses.
interface LoadResult {
  requests: { average: number };
  latency: { p50: number };
  errors: number;
  timeouts: number;
  non2xx: number;
}
const autocannonModule: string = 'autocannon';
const autocannon = (await import(autocannonModule)).default as (
  options: Record<string, unknown>,
) => Promise<LoadResult>;

const N = Number(process.argv[2] ?? 50_000);
const TARGETS = (process.env.BENCH_TARGETS ?? 'postgres,pglite').split(',');
const ITERATIONS = 40;
const LOAD_SECONDS = 10;

const CANONICAL = `query SearchPage($first: Int!) {
  citations(first: $first, orderBy: YEAR_DESC) {
    totalCount
    pageInfo { hasNextPage endCursor }
    nodes {
      id title year containerTitle doi risType
      authors { id name }
      affiliations { id name country }
      keywords { id term }
    }
    facets {
      years { value label count } types { value label count } containerTitles { value label count }
      keywords { value label count } authors { value label count } affiliations { value label count }
    }
  }
}`;
const BODY = JSON.stringify({ query: CANONICAL, variables: { first: 50 } });

// ---------------------------------------------------------------------------------------------
// Seeding: deterministic rows written straight into the tables in large batches (the ingestion
// path has its own benchmark), then the search documents in one statement per chunk.

function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const r = rng(42);
const pick = <T>(list: readonly T[]): T => list[Math.floor(r() * list.length)] as T;
const DEPTS = [
  'Department of Hematology',
  'Institute of Neuroscience',
  'School of Public Health',
  'Faculty of Medicine',
  'Department of Ecology',
  'Laboratoire de Physique',
  'Centre for Evidence Synthesis',
  'Department of Chemistry',
];
const PLACES = [
  ['University of Amsterdam, Amsterdam', 'Netherlands'],
  ['Harvard University, Boston, MA', 'USA'],
  ['Max Planck Institute, Mainz', 'Germany'],
  ['Universidade de São Paulo, São Paulo', 'Brazil'],
  ['University of Tokyo, Tokyo', 'Japan'],
  ['University of Oxford, Oxford', 'United Kingdom'],
  ['CNRS, Paris', 'France'],
  ['China Medical University, Siping', 'China'],
  ['University of Lagos, Lagos', 'Nigeria'],
  ['Charles University, Prague', 'Czech Republic'],
] as const;
const TOPICS = [
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
const WORDS = (
  'the of and in to a with for patients results study was were data analysis effect treatment ' +
  'significant model group clinical outcomes associated between increased using methods we observed compared ' +
  'response population risk after during higher lower cells samples years'
).split(' ');
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
const TYPES = ['JOUR', 'JOUR', 'JOUR', 'JOUR', 'JOUR', 'BOOK', 'CHAP', 'CONF'];
const sentence = (n: number) => Array.from({ length: n }, () => pick(WORDS)).join(' ');

async function insertAll(db: DatabaseHandle['db'], table: any, rows: object[], perStatement: number) {
  for (let i = 0; i < rows.length; i += perStatement) {
    await db.insert(table).values(rows.slice(i, i + perStatement));
  }
}

async function seed(db: DatabaseHandle['db'], n: number): Promise<void> {
  const authorRows = [];
  for (const family of FAMILY)
    for (const given of GIVEN)
      for (const initial of 'ABCDEFGHIJKL') {
        const g = `${given} ${initial}.`;
        authorRows.push({
          family,
          given: g,
          name: `${g} ${family}`,
          nameKey: `${foldText(family)}|${foldText(g)}`,
        });
      }
  const affRows = [];
  for (const dept of DEPTS)
    for (const [place, country] of PLACES) {
      const name = `${dept}, ${place}, ${country}`;
      affRows.push({ name, nameKey: foldText(name), country });
    }
  const kwRows = [];
  for (const topic of TOPICS)
    for (const q of ['', ' in children', ' in adults', ' modelling', ' outcomes']) {
      const term = `${topic}${q}`;
      kwRows.push({ term, termKey: foldText(term) });
    }
  await insertAll(db, authors, authorRows, 1000);
  await insertAll(db, affiliations, affRows, 1000);
  await insertAll(db, keywords, kwRows, 1000);
  const A = authorRows.length;
  const F = affRows.length;
  const K = kwRows.length;

  const CHUNK = 2000;
  for (let start = 0; start < n; start += CHUNK) {
    const size = Math.min(CHUNK, n - start);
    const rows = [];
    for (let i = 0; i < size; i++) {
      const type = pick(TYPES);
      const title = `${sentence(8 + Math.floor(r() * 6))} ${pick(TOPICS)}`;
      rows.push({
        risType: type,
        title: r() < 0.01 ? null : title.charAt(0).toUpperCase() + title.slice(1),
        containerTitle: type === 'JOUR' ? pick(JOURNALS) : r() < 0.5 ? `Handbook of ${pick(TOPICS)}` : null,
        abstract: Array.from({ length: 6 }, () => sentence(14)).join('. '),
        year: r() < 0.02 ? null : 1990 + Math.floor(r() * 35),
        doi: r() < 0.8 ? `10.5555/bench.${start + i}` : null,
        rawRecord: `TY  - ${type}\nER  - `,
        rawTags: [{ tag: 'TY', value: type }],
      });
    }
    const ids = (await db.insert(citations).values(rows).returning({ id: citations.id })).map((x) => x.id);
    const contrib: Array<typeof contributions.$inferInsert> = [];
    const citAff: Array<typeof citationAffiliations.$inferInsert> = [];
    const authAff: Array<typeof authorAffiliations.$inferInsert> = [];
    const citKw: Array<typeof citationKeywords.$inferInsert> = [];
    for (const id of ids) {
      const affs = [
        ...new Set(Array.from({ length: 1 + Math.floor(r() * 3) }, () => 1 + Math.floor(r() * F))),
      ];
      for (const [p, affiliationId] of affs.entries())
        citAff.push({ citationId: id, affiliationId, position: p + 1 });
      const people = [
        ...new Set(Array.from({ length: 3 + Math.floor(r() * 5) }, () => 1 + Math.floor(r() * A))),
      ];
      people.forEach((authorId, p) => {
        contrib.push({ citationId: id, authorId, role: 'author', position: p + 1, nameAsWritten: 'x' });
        authAff.push({ authorId, affiliationId: affs[p % affs.length] as number, citationId: id });
      });
      const kws = [
        ...new Set(Array.from({ length: 3 + Math.floor(r() * 4) }, () => 1 + Math.floor(r() * K))),
      ];
      for (const [p, keywordId] of kws.entries()) citKw.push({ citationId: id, keywordId, position: p + 1 });
    }
    await insertAll(db, contributions, contrib, 5000);
    await insertAll(db, citationAffiliations, citAff, 5000);
    await insertAll(db, authorAffiliations, authAff, 5000);
    await insertAll(db, citationKeywords, citKw, 5000);
    await refreshSearchDocuments(db, ids);
  }
  // Steady state: autovacuum would have cleared the rows the search-document update left behind.
  await db.execute(sql`vacuum analyze`);
}

// ---------------------------------------------------------------------------------------------

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number;
}

interface Row {
  target: string;
  seedSeconds: number;
  statements: number;
  sqlP50: number;
  httpP50: number;
  reqPerSec: number;
  loadP50: number;
  errors: number;
}

async function benchTarget(target: 'postgres' | 'pglite'): Promise<Row> {
  let admin: postgres.Sql | null = null;
  let url: string | null = null;
  let scratch: string | null = null;
  if (target === 'postgres') {
    if (process.env.DATABASE_URL) url = process.env.DATABASE_URL;
    else {
      scratch = 'bibgraph_bench';
      admin = postgres('postgres://postgres@127.0.0.1:5432/postgres', { max: 1, onnotice: () => {} });
      await admin.unsafe(`drop database if exists ${scratch} with (force)`);
      await admin.unsafe(`create database ${scratch}`);
      url = `postgres://postgres@127.0.0.1:5432/${scratch}`;
    }
  }
  let capture: Array<{ query: string; params: unknown[] }> | null = null;
  const logger: Logger = { logQuery: (query, params) => capture?.push({ query, params }) };
  const handle = await openDatabase({ databaseUrl: url, dataDir: 'memory://', logger, maxConnections: 10 });
  try {
    const t0 = performance.now();
    await seed(handle.db, N);
    const seedSeconds = (performance.now() - t0) / 1000;

    // The abuse limits are not what is measured: the load test is one client on loopback.
    const yoga = createServer({
      database: handle,
      maxIngestBytes: 1024,
      limits: { rateLimitPerIp: 1_000_000_000, maxCost: 1_000_000 },
    });
    const http = createHttpServer(yoga);
    // Longer than any pause between the measurements, so a kept-alive socket is never reset under us.
    http.keepAliveTimeout = 120_000;
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    const endpoint = `http://127.0.0.1:${(http.address() as AddressInfo).port}/graphql`;
    const post = async () => {
      const res = await fetch(endpoint, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: BODY,
      });
      const json = (await res.json()) as { errors?: unknown[]; data?: { citations: { nodes: unknown[] } } };
      if (json.errors || json.data?.citations.nodes.length !== 50)
        throw new Error(JSON.stringify(json.errors));
    };

    // One request with the logger on: these are the statements the direct run replays.
    await post();
    capture = [];
    await post();
    const statements = capture;
    capture = null;
    if (process.env.BENCH_STATEMENTS)
      for (const s of statements) console.error(`${s.query};\n-- ${JSON.stringify(s.params)}\n`);

    // The same statements, issued concurrently as the resolvers issue them, straight to the driver.
    const client = (handle.db as unknown as { $client: any }).$client;
    const direct = () =>
      Promise.all(
        statements.map((s) =>
          target === 'postgres' ? client.unsafe(s.query, s.params) : client.query(s.query, s.params),
        ),
      );
    const time = async (fn: () => Promise<unknown>) => {
      for (let i = 0; i < 5; i++) await fn();
      const samples: number[] = [];
      for (let i = 0; i < ITERATIONS; i++) {
        const s = performance.now();
        await fn();
        samples.push(performance.now() - s);
      }
      return percentile(samples, 50);
    };
    const sqlP50 = await time(direct);
    const httpP50 = await time(post);

    const load = await autocannon({
      url: endpoint,
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: BODY,
      connections: 10,
      duration: LOAD_SECONDS,
    });
    await new Promise((resolve) => http.close(resolve));
    return {
      target,
      seedSeconds,
      statements: statements.length,
      sqlP50,
      httpP50,
      reqPerSec: load.requests.average,
      loadP50: load.latency.p50,
      errors: load.errors + load.timeouts + load.non2xx,
    };
  } finally {
    await handle.close();
    if (admin && scratch && !process.env.BENCH_KEEP)
      await admin.unsafe(`drop database if exists ${scratch} with (force)`);
    await admin?.end();
  }
}

const results: Row[] = [];
for (const target of TARGETS) {
  console.error(`seeding ${N.toLocaleString('en')} citations on ${target} and measuring …`);
  results.push(await benchTarget(target as 'postgres' | 'pglite'));
}

const header = [
  'database',
  'seed s',
  'stmts/req',
  'SQL p50 ms',
  'HTTP p50 ms',
  'HTTP/SQL',
  'req/s (10 conn)',
  'load p50 ms',
  'errors',
];
const lines = results.map((x) => [
  x.target,
  x.seedSeconds.toFixed(1),
  String(x.statements),
  x.sqlP50.toFixed(1),
  x.httpP50.toFixed(1),
  `${(x.httpP50 / x.sqlP50).toFixed(2)}×`,
  x.reqPerSec.toFixed(1),
  x.loadP50.toFixed(0),
  String(x.errors),
]);
const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => (l[i] as string).length)));
const fmt = (cells: string[]) => `| ${cells.map((c, i) => c.padStart(widths[i] as number)).join(' | ')} |`;
console.log(
  `\nCanonical query: 50 citations with authors, affiliations, keywords + 6 facets; ${N.toLocaleString('en')} citations\n`,
);
console.log(fmt(header));
console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
for (const l of lines) console.log(fmt(l));
const bad = results.filter((x) => x.target === 'postgres' && x.httpP50 > 2 * x.sqlP50);
if (bad.length) console.log('\nPostgreSQL HTTP p50 exceeds 2× the direct SQL p50.');
