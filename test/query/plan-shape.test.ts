import { type Logger, type SQL, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateRis } from '../../bench/lib/generate-ris.ts';
import { benchQueries } from '../../bench/lib/queries.ts';
import { type DatabaseHandle, openDatabase, rowsOf } from '../../src/db/client.ts';
import { ingestRis } from '../../src/ingest/ingest.ts';
import { type BibgraphServer, createServer } from '../../src/server/server.ts';
import { databaseTargets, inRolledBackTransaction } from '../support/db.ts';
import { gql } from '../support/graphql.ts';

/** Tables that grow with the library: a page must reach their rows through an index. */
const BIG =
  'citations|contributions|authors|citation_keywords|citation_affiliations|author_affiliations|author_organizations';
const SCAN = new RegExp(
  `(Seq Scan|Index Scan|Index Only Scan|Bitmap Heap Scan)(?: Backward)?(?: using \\S+)? on (${BIG})\\b`,
);

/** The big tables and the lists a client pages through by name. */
const LISTED = new RegExp(
  `(Seq Scan|Index Scan|Index Only Scan|Bitmap Heap Scan)(?: Backward)?(?: using \\S+)? on (${BIG}|affiliations|keywords|organizations)\\b`,
);

/**
 * Link tables no page reads in an order a LIMIT stops: an index scan of them without a condition
 * walks the whole index for a join to filter (an organization's people did so).
 */
const KEYED = /^(author_affiliations|author_organizations)$/;

/**
 * Scans of the big tables that read them whole: any sequential scan, and any index scan that
 * filters rows without an index condition (a full walk of the index). An index scan with neither
 * is an ordered read that a LIMIT stops (the newest citations first), except on a KEYED table.
 */
function fullScans(plan: string, scans = SCAN): string[] {
  const lines = plan.split('\n');
  const found: string[] = [];
  lines.forEach((line, i) => {
    const scan = scans.exec(line);
    if (!scan) return;
    const details: string[] = [];
    for (let j = i + 1; j < lines.length && !(lines[j] as string).includes('->'); j++)
      details.push(lines[j] as string);
    const cond = details.some((d) => /Index Cond|Recheck Cond/.test(d));
    const filter = details.some((d) => /^\s*Filter:/.test(d));
    if (scan[1] === 'Seq Scan' || (!cond && (filter || KEYED.test(scan[2] as string))))
      found.push(line.trim());
  });
  return found;
}

/** Scans of the given tables, in an EXPLAIN ANALYZE, that read rows only to drop them by a filter. */
function removedByFilter(plan: string, scans: RegExp): string[] {
  const lines = plan.split('\n');
  const found: string[] = [];
  lines.forEach((line, i) => {
    if (!scans.test(line)) return;
    for (let j = i + 1; j < lines.length && !(lines[j] as string).includes('->'); j++) {
      const removed = /Rows Removed by Filter: (\d+)/.exec(lines[j] as string);
      if (removed && Number(removed[1]) > 0) found.push(`${line.trim()} ${removed[0]}`);
    }
  });
  return found;
}

/** A logged statement with its parameters, as one drizzle SQL object that EXPLAIN can wrap. */
function withParams(query: string, params: readonly unknown[]): SQL {
  const parts = query.split(/\$(\d+)/);
  return sql.join(
    parts.map((part, i) => (i % 2 === 0 ? sql.raw(part) : sql`${params[Number(part) - 1]}`)),
    sql``,
  );
}

/** A parameter as an SQL literal, for EXECUTE of a statement prepared from its logged text. */
function literal(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return `'${String(typeof value === 'object' ? JSON.stringify(value) : value).replaceAll("'", "''")}'`;
}

/**
 * The pages the query benchmark measures (bench/lib/queries.ts) keep plans that scale: every
 * statement they send reaches the big tables through an index. Sequential scans are priced out
 * (`enable_seqscan = off`), so a small fixture shows what the planner would do on a large library:
 * a statement without a usable index still scans, and fails here.
 */
describe.each(databaseTargets)('plans of the benchmark pages on $name', ({ url }) => {
  const statements: Array<{ query: string; params: unknown[] }> = [];
  const logger: Logger = { logQuery: (query, params) => statements.push({ query, params }) };
  let handle: DatabaseHandle;
  let yoga: BibgraphServer;
  beforeAll(async () => {
    handle = await openDatabase({ databaseUrl: url, dataDir: 'memory://', maxConnections: 4, logger });
    yoga = createServer({ database: handle, maxIngestBytes: 10 * 1024 * 1024, maskErrors: false });
  });
  afterAll(async () => {
    await handle.close();
  });

  // At PostgreSQL's default (4, a disk seek) the planner read small target tables whole for every
  // link of a page: the canonical page's statement took twice as long at 10k (docs/performance.md).
  it('plan reads with pages priced as in memory (random_page_cost 1.1)', async () => {
    const [row] = rowsOf<{ cost: string }>(
      await handle.db.execute(sql`select current_setting('random_page_cost') as cost`),
    );
    expect(row?.cost).toBe('1.1');
  });

  it('reach citations, contributions, authors and their links through indexes only', async () => {
    await inRolledBackTransaction(handle, async (tx) => {
      const report = await ingestRis(tx, generateRis(120, 4202));
      expect(report.created).toBe(120);
      const probe = await gql(yoga, tx, '{ citations(first: 1) { nodes { authors { id name } } } }');
      const author = probe.data?.citations.nodes[0].authors[0];
      const orgs = await gql(yoga, tx, '{ organizations(first: 1) { nodes { id } } }');
      const organization = orgs.data?.organizations.nodes[0];
      expect(organization?.id).toBeTruthy();
      const pages = benchQueries(10_000);
      const variables: Record<string, Record<string, unknown>> = {
        'canonical page': { first: 50 },
        'author page': { id: author.id },
        'organization page': { id: organization.id },
        'search + 6 facets': { search: 'patients' },
        'search, broad term': { search: 'patients' },
        typeahead: { prefix: String(author.name).slice(0, 4) },
      };
      await tx.execute(sql`set local enable_seqscan = off`);
      // The whole library's facets come from the kept totals, except in a transaction that has
      // written, as this one has (its rows are rolled back): there they are counted, as they must
      // be. test/query/facet-totals.test.ts checks that page's statements on committed rows.
      for (const page of pages.filter((p) => p.name !== 'library + 6 facets')) {
        statements.length = 0;
        const result = await gql(yoga, tx, page.bibgraph.query, variables[page.name] ?? {});
        expect(result.errors, page.name).toBeUndefined();
        expect(statements.length, page.name).toBeGreaterThan(0);
        for (const s of [...statements]) {
          const plan = rowsOf<Record<string, string>>(
            await tx.execute(sql`explain (costs off) ${withParams(s.query, s.params)}`),
          )
            .map((row) => Object.values(row)[0])
            .join('\n');
          expect(fullScans(plan), `${page.name}: ${s.query.slice(0, 160)}\n${plan}`).toEqual([]);
        }
      }
    });
  });

  // The keyset of a cursor page has to be an index condition on the ordering's index: as a filter
  // on an ordered scan it reads every row before the cursor (95,001 index entries for a page near
  // the end of 100,000). Planned generic, as PostgreSQL plans a prepared page after five runs.
  it.each([
    ['citations', 'RECENTLY_ADDED', 'id title authors { name }'],
    ['citations', 'YEAR_DESC', 'id title authors { name }'],
    ['citations', 'YEAR_ASC', 'id title authors { name }'],
    ['authors', 'NAME', 'id name'],
    ['affiliations', 'NAME', 'id name'],
    ['keywords', 'TERM', 'id term'],
    ['organizations', 'NAME', 'id name'],
  ])(
    'reach a deep cursor page of %s ordered %s through its index, forward and backward',
    async (field, order, selection) => {
      await inRolledBackTransaction(handle, async (tx) => {
        await ingestRis(tx, generateRis(60, 991));
        const page = `query ($after: String, $before: String, $first: Int, $last: Int) {
        ${field}(orderBy: ${order}, first: $first, last: $last, after: $after, before: $before) {
          pageInfo { endCursor } nodes { ${selection} } } }`;
        const first = await gql(yoga, tx, page, { first: 3 });
        const cursor = first.data?.[field].pageInfo.endCursor;
        expect(cursor).toBeTruthy();
        await tx.execute(sql`set local enable_seqscan = off`);
        await tx.execute(sql`set local plan_cache_mode = force_generic_plan`);
        for (const variables of [
          { first: 3, after: cursor },
          { last: 2, before: cursor },
        ]) {
          statements.length = 0;
          const result = await gql(yoga, tx, page, variables);
          expect(result.errors).toBeUndefined();
          // 2 before the first page's last row, 3 after it.
          expect(result.data?.[field].nodes).toHaveLength(variables.first ?? 2);
          for (const s of [...statements]) {
            await tx.execute(sql.raw(`prepare deep_page as ${s.query}`));
            const plan = rowsOf<Record<string, string>>(
              await tx.execute(
                sql.raw(
                  `explain (analyze, costs off, timing off) execute deep_page(${s.params.map(literal).join(', ')})`,
                ),
              ),
            )
              .map((row) => Object.values(row)[0])
              .join('\n');
            await tx.execute(sql`deallocate deep_page`);
            const context = `${JSON.stringify(variables)}: ${s.query.slice(0, 300)}\n${plan}`;
            expect(fullScans(plan, LISTED), context).toEqual([]);
            // The cursor bounds the scan: a keyset left as a filter reads, and drops, the rows
            // before the cursor even where the scan has another index condition.
            expect(removedByFilter(plan, LISTED), context).toEqual([]);
          }
        }
      });
    },
  );

  // Search reads the vector of every match, to check and to rank it: out of line (TOAST) each one
  // cost another index lookup and page read (docs/performance.md, "Full-text search").
  it("keep each citation's search vector in its row, and the migration that moved them changes none", async () => {
    await inRolledBackTransaction(handle, async (tx) => {
      const [column] = rowsOf<{ storage: string }>(
        await tx.execute(sql`select attstorage as storage from pg_attribute
          where attrelid = 'citations'::regclass and attname = 'search_vector'`),
      );
      expect(column?.storage).toBe('m');
      await ingestRis(tx, generateRis(20, 77));
      // The migration's rewrite (migrations/*_store_search_vector_inline) gives each row an equal vector.
      const [same] = rowsOf<{ differ: number; total: number }>(
        await tx.execute(sql`select count(*) filter (where search_vector is distinct from search_vector || ''::tsvector)::int as differ,
          count(search_vector)::int as total from citations`),
      );
      expect(same).toEqual({ differ: 0, total: 20 });
    });
  });

  it('serve typeahead from the prefix indexes in one statement, reading neither fuzzy matches nor counts beyond the list', async () => {
    await inRolledBackTransaction(handle, async (tx) => {
      // Twelve people whose family name starts with what is typed: more than the ten asked for.
      const ris = Array.from({ length: 12 }, (_, i) =>
        [
          'TY  - JOUR',
          `TI  - Typeahead plan ${i}`,
          `AU  - Quorvath, ${String.fromCharCode(65 + i)}.`,
          'PY  - 2020',
          'ER  - ',
          '',
        ].join('\n'),
      ).join('\n');
      await ingestRis(tx, ris);
      const page = benchQueries(10_000).find((p) => p.name === 'typeahead');
      await tx.execute(sql`set local enable_seqscan = off`);
      statements.length = 0;
      const result = await gql(yoga, tx, page?.bibgraph.query ?? '', { prefix: 'quorv' });
      expect(result.errors).toBeUndefined();
      expect(result.data?.suggest).toHaveLength(10);
      expect(statements).toHaveLength(1);
      const [s] = statements as [{ query: string; params: unknown[] }];
      const plan = rowsOf<Record<string, string>>(
        await tx.execute(sql`explain (analyze, costs off, timing off) ${withParams(s.query, s.params)}`),
      )
        .map((row) => Object.values(row)[0])
        .join('\n');
      expect(fullScans(plan), plan).toEqual([]);
      expect(plan).toMatch(/(using|on) authors_family_given_prefix_idx/);
      // No fuzzy (trigram) read at all: the prefix matches fill the list, so the statement with
      // the trigram matches is never sent.
      expect(plan, plan).not.toMatch(/trgm_idx| %>? 'quorv'|<% /);
      // Citations are counted for the ten people shown, not for every candidate.
      const counts = [...plan.matchAll(/on contributions\b.*\(actual rows=[\d.]+ loops=(\d+)\)/g)];
      expect(counts.length, plan).toBeGreaterThan(0);
      for (const [, loops] of counts) expect(Number(loops), plan).toBeLessThanOrEqual(10);
    });
  });
});
