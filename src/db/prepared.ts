import type postgres from 'postgres';

type Sql = postgres.Sql;

/**
 * A postgres.js client whose statements from drizzle are named prepared statements.
 *
 * drizzle sends everything through `unsafe(text, params, { prepare: false })` unless a query was
 * given a name, and postgres.js describes an unnamed statement with parameters before it binds it:
 * two round trips, and a parse and a plan in PostgreSQL every time (10 ms of planning for a page
 * with nested lists on a busy machine). A named statement is parsed once per connection (postgres.js
 * keeps them by text for the connection's life, which `max_lifetime` bounds) and then takes one round
 * trip, and PostgreSQL may reuse its plan.
 *
 * Reads only: the writers' statements (bulk inserts of every size) would each stay prepared on the
 * connection for nothing. Statements without parameters keep the simple protocol either way.
 * Transactions and savepoints hand drizzle a client of their own; it is wrapped the same way.
 */
export function preparedStatements(client: Sql): Sql {
  return new Proxy(client, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver);
      if (typeof value !== 'function') return value;
      if (property === 'unsafe') {
        return (text: string, params?: unknown[], options?: Record<string, unknown>) =>
          value.call(target, text, params ?? [], { ...options, prepare: true });
      }
      if (property === 'begin' || property === 'savepoint') {
        return (...args: unknown[]) => {
          const at = args.findIndex((a) => typeof a === 'function');
          const body = args[at] as (sql: Sql) => unknown;
          if (at >= 0) args[at] = (sql: Sql) => body(preparedStatements(sql));
          return value.apply(target, args);
        };
      }
      return value;
    },
  });
}
