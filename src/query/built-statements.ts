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

/**
 * Statements kept, in all: least recently used first out. Bounded as a whole, so that many
 * documents asked with many inputs (a hostile client's) cost at most this much memory. A page's
 * statement is ~5–15 KB of text, and its row mapper holds the statement's SQL tree (tens of KB).
 */
const MAX_STATEMENTS = 500;
const MAX_CHARS = 16 * 1024 * 1024;

const kept = new BoundedLru<Built>({
  maxEntries: MAX_STATEMENTS,
  maxWeight: MAX_CHARS,
  weigh: (key, value) => key.length + value.query.sql.length + JSON.stringify(value.query.params).length,
});

/** A number per field node, for the keys; a node the parse cache dropped is forgotten. */
const nodeIds = new WeakMap<object, number>();
let nextNodeId = 0;

/**
 * The selection's key: its field nodes, each by a number of its own. Not the array: graphql-js
 * makes a new one at every execution (graphql-jit keeps one per compiled operation), and two
 * arrays that share a first node (a fragment spread in two places, one with more fields beside it)
 * may select different columns.
 */
function selectionKey(selection: readonly object[]): string {
  return selection
    .map((node) => {
      let id = nodeIds.get(node);
      if (id === undefined) {
        id = nextNodeId++;
        nodeIds.set(node, id);
      }
      return id;
    })
    .join(',');
}

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
  selection: readonly object[],
  inputs: unknown,
  build: () => unknown,
): Promise<T> {
  // The runner is a relational query of the request's own database: it brings the session. Its
  // driver decides whether JSON arrives parsed (PGlite) or as text (postgres.js), which the mapper
  // was made for, so that is part of the key.
  const runner = db.query.citations.findMany() as unknown as RelationalQueryInternals;
  const key = JSON.stringify([selectionKey(selection), runner.parseJson, inputs]);
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
