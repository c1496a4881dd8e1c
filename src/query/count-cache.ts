import { createHash } from 'node:crypto';
import { type SQL, sql } from 'drizzle-orm';
import { PgDialect } from 'drizzle-orm/pg-core';
import { DEFAULT_COUNT_CACHE } from '../config.ts';
import { type Database, rowsOf } from '../db/client.ts';
import { generationSql } from '../db/generation.ts';
import { citations } from '../db/schema.ts';
import { BoundedLru } from '../lru.ts';
import type { CitationFilter } from './citation-filter.ts';
import {
  citationFacets,
  citationFiltersSql,
  countCitations,
  countCitationsSql,
  type FacetBucket,
  type FacetRequest,
} from './facets.ts';

/** Where instances share cached counts (Redis); src/server/shared-store.ts satisfies it. */
export interface SharedCounts {
  getMany(keys: readonly string[]): Promise<Array<string | null>>;
  set(key: string, value: string, ttlSeconds: number): Promise<void>;
}

export interface CountCacheOptions {
  /** Most entries this process keeps; 0 turns the cache off (every count is counted). */
  maxEntries: number;
  /** Most characters of keys and values this process keeps. */
  maxBytes: number;
  /** Shared between instances (Redis when REDIS_URL is set); null keeps entries in this process. */
  shared?: SharedCounts | null;
  /** Lifetime of a shared entry, in seconds; an entry is unreachable once the generation moves on. */
  sharedTtlSeconds?: number;
}

/** Column names the page statement selects for its total (src/schema/citation-connection.ts). */
const TOTAL = 'connectionTotalCount';
const GENERATION = 'connectionGeneration';

const dialect = new PgDialect();

/**
 * Names the set of citations the filters select: the SQL condition with its parameters, hashed.
 * Two filters with one key select the same rows by construction, whatever their spelling.
 */
function filterKey(filters: readonly CitationFilter[]): string {
  // A connection's total and its facets ask with the same filters array: built and hashed once.
  let key = filterKeys.get(filters);
  if (key === undefined) {
    const where = citationFiltersSql(filters, citations);
    const query = where ? dialect.sqlToQuery(where) : null;
    key = query
      ? createHash('sha256')
          .update(JSON.stringify([query.sql, query.params]))
          .digest('base64url')
          .slice(0, 32)
      : 'all';
    filterKeys.set(filters, key);
  }
  return key;
}
const filterKeys = new WeakMap<readonly CitationFilter[], string>();

/** The generation a statement of its own sees (null: this transaction has uncommitted writes). */
async function readGeneration(db: Database): Promise<string | null> {
  const [row] = rowsOf<{ generation: string | null }>(
    await db.execute(sql`select ${generationSql()} as generation`),
  );
  return row?.generation ?? null;
}

/** How a connection page gets its total (see CountCache.pageTotal). */
export interface PageTotal {
  /** What the page statement selects beside its rows: the generation, and the count unless known. */
  extras: Record<string, () => SQL>;
  /** The total, given the page's first row (none: the page is empty). */
  total(db: Database, first: Record<string, unknown> | undefined): Promise<number>;
}

/**
 * Exact counts and facets of citation sets, cached under the write generation they were counted
 * at (docs/performance.md, "Counts and facets"). Every entry's key starts with a generation that
 * was read in the same statement as the counts, so an entry holds what the database held at that
 * generation; a write moves the generation on (triggers, whoever writes) and nothing counted before
 * it is found again. Entries live in this process (bounded by entries and characters) and, when a
 * shared store is given, in Redis for every instance.
 */
export class CountCache {
  private readonly local: BoundedLru<string>;
  private readonly shared: SharedCounts | null;
  private readonly sharedTtlSeconds: number;
  /**
   * The last generation a statement of this process saw outside a writing transaction. Only a
   * guess of the current one: it decides whether a page statement counts too, and the page's own
   * generation then confirms or overrules it.
   */
  private latest: string | null = null;

  constructor(private readonly options: CountCacheOptions) {
    this.local = new BoundedLru<string>({
      maxEntries: Math.max(0, options.maxEntries),
      maxWeight: options.maxBytes,
      weigh: (key, value) => key.length + value.length,
    });
    this.shared = options.shared ?? null;
    this.sharedTtlSeconds = options.sharedTtlSeconds ?? DEFAULT_COUNT_CACHE.sharedTtlSeconds;
  }

  get enabled(): boolean {
    return this.options.maxEntries > 0;
  }

  /**
   * Number of citations the filters select. When this process holds the count under the last
   * generation it saw, one indexed read of the generation confirms it; otherwise the count is
   * counted (reading the generation in its own statement) and cached.
   */
  async count(db: Database, filters: readonly CitationFilter[]): Promise<number> {
    if (!this.enabled) return (await countCitations(db, filters)).count;
    const key = filterKey(filters);
    const [hit] = await this.confirmed(db, [(generation) => countKey(generation, key)]);
    if (hit !== undefined) return Number(hit);
    return this.counted(db, filters, key);
  }

  /**
   * The total of a connection page, read with the page's own statement. When this process already
   * holds the total under the last generation it saw, the statement selects only the generation and
   * the cached total serves if the page was read at that generation; otherwise the statement
   * counts too (an InitPlan, once per statement) and its total is cached under its generation.
   */
  async pageTotal(filters: readonly CitationFilter[]): Promise<PageTotal> {
    const count = { [TOTAL]: () => countCitationsSql(filters) };
    if (!this.enabled) {
      return {
        extras: count,
        total: async (db, first) =>
          first ? Number(first[TOTAL]) : (await countCitations(db, filters)).count,
      };
    }
    const key = filterKey(filters);
    const guess = this.latest;
    const [hit] = guess !== null ? await this.lookup([countKey(guess, key)]) : [undefined];
    const known = hit !== undefined && guess !== null ? { generation: guess, count: Number(hit) } : null;
    return {
      extras: { [GENERATION]: () => generationSql(), ...(known ? {} : count) },
      total: async (db, first) => {
        // An empty page (a cursor past the end) has no row to carry the generation or the total.
        if (!first) return this.count(db, filters);
        const generation = (first[GENERATION] as string | null | undefined) ?? null;
        if (!known) {
          const total = Number(first[TOTAL]);
          this.remember(generation, countKey, key, String(total));
          return total;
        }
        if (generation === known.generation) return known.count;
        // A write came between (or this transaction has written): the page's own generation decides.
        if (generation !== null) {
          this.latest = generation;
          const [again] = await this.lookup([countKey(generation, key)]);
          if (again !== undefined) return Number(again);
        }
        return this.counted(db, filters, key);
      },
    };
  }

  /**
   * Facet buckets per request key. When this process holds every requested facet under the last
   * generation it saw, one indexed read of the generation confirms them; otherwise they are all
   * counted in one statement, which reads the generation in its own snapshot and files its counts
   * under that one (all of them: the facets of one answer always come from one snapshot).
   */
  async facets(
    db: Database,
    filters: readonly CitationFilter[],
    requests: readonly FacetRequest[],
  ): Promise<Map<string, FacetBucket[]>> {
    if (!this.enabled) return (await citationFacets(db, filters, requests)).buckets;
    const key = filterKey(filters);
    // Aliases of one facet with one size are counted once.
    const distinct = [...new Set(requests.filter((r) => r.size > 0).map((r) => `${r.kind}:${r.size}`))];
    const found = new Map<string, FacetBucket[]>();
    const hits =
      distinct.length > 0
        ? await this.confirmed(
            db,
            distinct.map((d) => (generation: string) => facetKey(generation, key, d)),
          )
        : [];
    if (hits.every((hit) => hit !== undefined)) {
      distinct.forEach((d, i) => {
        found.set(d, JSON.parse(hits[i] as string) as FacetBucket[]);
      });
    } else {
      const counted = await citationFacets(
        db,
        filters,
        distinct.map((d) => {
          const [kind, size] = d.split(':') as [FacetRequest['kind'], string];
          return { key: d, kind, size: Number(size) };
        }),
      );
      for (const d of distinct) {
        const buckets = counted.buckets.get(d) ?? [];
        found.set(d, buckets);
        this.remember(counted.generation, facetKey, key, JSON.stringify(buckets), d);
      }
    }
    return new Map(requests.map((r) => [r.key, r.size > 0 ? (found.get(`${r.kind}:${r.size}`) ?? []) : []]));
  }

  /**
   * Values cached for every key under the current generation, or none (all undefined). Looked up
   * under the last generation seen first; only when all are there is the generation read (one
   * indexed statement) to confirm it, or — when a write moved it on — to look again under the
   * new one. A miss therefore costs no statement beyond the one that counts.
   */
  private async confirmed(
    db: Database,
    keys: ReadonlyArray<(generation: string) => string>,
  ): Promise<Array<string | undefined>> {
    const none = keys.map(() => undefined);
    // A process that has seen no generation yet counts its first request; reading the generation
    // first would cost every request a statement where none is ever seen (a transaction that has
    // written, a read during a PGlite ingest).
    const guess = this.latest;
    if (guess === null) return none;
    const hits = await this.lookup(keys.map((k) => k(guess)));
    if (hits.some((hit) => hit === undefined)) return none;
    const generation = await this.generation(db);
    if (generation === guess) return hits;
    if (generation === null) return none;
    const again = await this.lookup(keys.map((k) => k(generation)));
    return again.some((hit) => hit === undefined) ? none : again;
  }

  private async generation(db: Database): Promise<string | null> {
    const generation = await readGeneration(db);
    if (generation !== null) this.latest = generation;
    return generation;
  }

  private async counted(db: Database, filters: readonly CitationFilter[], key: string): Promise<number> {
    const at = await countCitations(db, filters);
    this.remember(at.generation, countKey, key, String(at.count));
    return at.count;
  }

  /** Files a value under the generation it was counted at; nothing for a writing transaction's. */
  private remember(
    generation: string | null,
    keyOf: (generation: string, filter: string, facet: string) => string,
    filter: string,
    value: string,
    facet = '',
  ): void {
    if (generation === null) return;
    this.latest = generation;
    const entry = keyOf(generation, filter, facet);
    this.local.set(entry, value);
    this.shared?.set(entry, value, this.sharedTtlSeconds).catch(() => {});
  }

  /** This process's entries first, then the shared store's for the rest (kept here afterwards). */
  private async lookup(keys: readonly string[]): Promise<Array<string | undefined>> {
    const values = keys.map((k) => this.local.get(k));
    const absent = keys.filter((_, i) => values[i] === undefined);
    if (!this.shared || absent.length === 0) return values;
    // An unavailable Redis costs cache hits, never the request.
    const remote = await this.shared.getMany(absent).catch(() => absent.map(() => null));
    let j = 0;
    return values.map((v, i) => {
      if (v !== undefined) return v;
      const value = remote[j++] ?? undefined;
      if (value !== undefined) this.local.set(keys[i] as string, value);
      return value;
    });
  }
}

function countKey(generation: string, filter: string): string {
  return `counts:${generation}:${filter}:total`;
}

function facetKey(generation: string, filter: string, facet: string): string {
  return `counts:${generation}:${filter}:${facet}`;
}
