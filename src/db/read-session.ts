/**
 * Session settings of the connections that serve reads (the primary's and every replica's).
 *
 * `jit = off`: PostgreSQL compiles a statement to machine code when its estimated cost passes
 * `jit_above_cost`, and the compiling is paid at its first row. bibgraph's read statements are
 * index lookups returning a page, whose estimates can still be large: the whole library's facets
 * carry, beside their kept totals, the counting branch a writing transaction runs instead, never
 * executed but priced — compiling for it took 566 ms of a statement that runs in 0.9 ms at 1M
 * citations (docs/performance.md). The statements that would gain from compiling (counting a
 * large set) are the ones the count cache and the kept totals avoid.
 *
 * `random_page_cost = 1.1` ({@link RANDOM_PAGE_COST}).
 */
export function readSessionSettings(statementTimeoutMs: number | undefined): Record<string, string | number> {
  return {
    application_name: 'bibgraph',
    jit: 'off',
    random_page_cost: RANDOM_PAGE_COST,
    ...(statementTimeoutMs ? { statement_timeout: statementTimeoutMs } : {}),
  };
}

/**
 * What the planner takes a page read out of order to cost, against 1 for a page read in order. The
 * default, 4, prices a spinning disk's seek; the pages bibgraph reads are in memory (PGlite's are
 * always), and at 4 the planner read small tables whole rather than look rows up by key: a page
 * of 50 citations scanned all 150 keywords once for each of its 211 keyword links and all 100
 * affiliations for each of its 101, half the statement's time (docs/performance.md). Set on
 * PostgreSQL's read connections and on PGlite's one session.
 */
export const RANDOM_PAGE_COST = 1.1;
