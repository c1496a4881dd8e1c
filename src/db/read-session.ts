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
 */
export function readSessionSettings(statementTimeoutMs: number | undefined): Record<string, string | number> {
  return {
    application_name: 'bibgraph',
    jit: 'off',
    ...(statementTimeoutMs ? { statement_timeout: statementTimeoutMs } : {}),
  };
}
