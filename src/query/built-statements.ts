import type { Database } from '../db/client.ts';
import { BoundedLru } from '../lru.ts';

/** What drizzle's relational query turns into before it runs: the text, its parameters, the row mapper. */
interface Built {
  query: { sql: string; params: unknown[] };
  mapper: (rows: unknown[][]) => unknown;
}

/**
 * The parts of drizzle's relational query (1.0.0-rc.4, pinned) this module uses: `_toSQL` builds
 * the statement, the session runs a built one. Internal to drizzle, hence typed here.
 */
interface RelationalQueryInternals {
  _toSQL(): { query: { selection: unknown }; builtQuery: Built['query'] };
  dialect: { mapperGenerators: { relationalRows(options: Record<string, unknown>): Built['mapper'] } };
  session: {
    prepareQuery(
      query: Built['query'],
      mode: 'arrays',
      name: false,
      mapper: Built['mapper'],
    ): { execute(): Promise<unknown> };
  };
  mode: 'many' | 'first';
  parseJson: boolean;
}

/** Statements kept per selection: a page asked with this many different inputs, at most. */
const PER_SELECTION = 64;
/** And at most this many characters of statement text per selection. */
const PER_SELECTION_CHARS = 4 * 1024 * 1024;

const builtBySelection = new WeakMap<object, BoundedLru<Built>>();

/**
 * Runs a relational query of citations, building its statement only the first time the same
 * selection asks it with the same inputs. Building is the page's largest cost in drizzle — its
 * relational planner, then the SQL tree made text (~7 % of the canonical page's CPU, its
 * statement of 50 rows with three nested lists) — and the result is the same text and parameters
 * every time: the statement is a function of the document's selection (`selection`, the field
 * nodes of the connection, which Yoga's parse cache hands out as the same objects for the same
 * document) and of `inputs` (variables, filters, ordering, cursor positions, which extras the
 * page carries). `inputs` must name everything else the query depends on; it is compared as JSON.
 *
 * `build` is called only when the statement is not kept; the database (`db`) runs it either way,
 * so a request's own session (its cancellation, its transaction) runs what another request built.
 */
export function runBuilt<T>(
  db: Database,
  selection: object,
  inputs: unknown,
  build: () => unknown,
): Promise<T> {
  let kept = builtBySelection.get(selection);
  if (!kept) {
    kept = new BoundedLru<Built>({
      maxEntries: PER_SELECTION,
      maxWeight: PER_SELECTION_CHARS,
      weigh: (key, value) => key.length + value.query.sql.length,
    });
    builtBySelection.set(selection, kept);
  }
  // The runner is a relational query of the request's own database: it brings the session. Its
  // driver decides whether JSON arrives parsed (PGlite) or as text (postgres.js), which the mapper
  // was made for, so that is part of the key.
  const runner = db.query.citations.findMany() as unknown as RelationalQueryInternals;
  const key = JSON.stringify([runner.parseJson, inputs]);
  let built = kept.get(key);
  if (!built) {
    const query = build() as RelationalQueryInternals;
    const { query: planned, builtQuery } = query._toSQL();
    // As drizzle's own `_prepare` makes it for a relational query of many rows.
    const mapper = query.dialect.mapperGenerators.relationalRows({
      isFirst: query.mode === 'first',
      parseJson: query.parseJson,
      parseJsonIfString: false,
      rootJsonMappers: false,
      selection: planned.selection,
      arrayModeRoot: true,
    });
    built = { query: builtQuery, mapper };
    kept.set(key, built);
  }
  return runner.session.prepareQuery(built.query, 'arrays', false, built.mapper).execute() as Promise<T>;
}
