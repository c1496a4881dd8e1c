import { decodeBase64, decodeCursorChunk, encodeBase64 } from '@pothos/core';
import { type SQL, sql } from 'drizzle-orm';
import type { PgTable } from 'drizzle-orm/pg-core';
import type { Database } from '../db/client.ts';
import { InvalidCursorError, ValidationError } from '../errors.ts';
import {
  type CursorPosition,
  cursorScopeKey,
  keysetSql,
  positionFits,
  type RowsQuery,
  scoped,
} from '../query/ordering.ts';

/** Where the `after` and `before` cursors point: the ordering's values, without the scope key. */
export type CursorPositions = Partial<Record<'after' | 'before', CursorPosition>>;

type CursorArgs = { after?: string | null; before?: string | null };

export type PagingArgs = CursorArgs & { first?: number | null; last?: number | null };

/** `first` and `last`: neither negative, not both. */
function checkSizes(args: PagingArgs): void {
  for (const name of ['first', 'last'] as const) {
    const value = args[name];
    if (value != null && value < 0)
      throw new ValidationError(`${name} must be 0 or more, got ${value}`, name);
  }
  if (args.first != null && args.last != null) {
    throw new ValidationError('Give first (paging forward) or last (paging backward), not both', 'last');
  }
}

/**
 * The paging arguments of a page of `rows`, checked whatever the request selects: the connection
 * plugin checks them only when it reads rows, so a request for `totalCount` alone took `first: -1`
 * or a foreign cursor without a word. Returns where the cursors point (`readCursors`).
 */
export function checkPaging<T>(
  args: PagingArgs,
  rows: RowsQuery<T> & { scopeKey?: string },
): CursorPositions {
  checkSizes(args);
  return readCursors(args, rows);
}

/** The relay plugin's offset cursors: `OffsetConnection:` and the position, base64. */
const OFFSET_PREFIX = 'OffsetConnection:';

/** What `seal` rewrites in a page of the relay plugin's offset connection. */
interface SealablePage {
  edges: Array<{ cursor: string } | null>;
  pageInfo: { startCursor?: string | null; endCursor?: string | null };
}

/** Ours: the position, then the scope key of the list it was made for. */
const SCOPED_OFFSET = /^OffsetConnection:(0|[1-9]\d{0,8}):(s[0-9a-f]{12})$/;

/**
 * A connection paged by position (the relay plugin's offset connection), with cursors that carry
 * the scope of the list that made them — its name and what selects its rows — like every other
 * list's: the plugin's own are bare positions, so one organization's cursor paged another's people.
 * `check` refuses bad paging arguments before the plugin reads them (it took any text after its
 * prefix as a number: a malformed cursor reached PostgreSQL as NaN, an internal error) and hands
 * back the arguments in the plugin's form; `seal` writes the scope into the cursors of a page.
 */
export function offsetCursors(list: string, scope: unknown) {
  const key = cursorScopeKey(list, scope);
  return {
    check<A extends PagingArgs>(args: A): A {
      checkSizes(args);
      const plain: PagingArgs = { ...args };
      for (const argument of ['after', 'before'] as const) {
        const cursor = args[argument];
        // An empty cursor is no cursor, as the other lists take it.
        if (cursor == null || cursor === '') {
          plain[argument] = null;
          continue;
        }
        let decoded = '';
        try {
          decoded = decodeBase64(cursor);
        } catch {
          // Not base64: refused as any other text that is not a cursor of this list.
        }
        const match = SCOPED_OFFSET.exec(decoded);
        if (!match) {
          throw new InvalidCursorError(
            `${argument}: "${cursor.slice(0, 100)}" is not a cursor of this connection`,
            argument,
          );
        }
        if (match[2] !== key) {
          throw new InvalidCursorError(
            `${argument}: this cursor was made for another list or threshold than this request's; start again from the first page`,
            argument,
          );
        }
        plain[argument] = encodeBase64(`${OFFSET_PREFIX}${match[1]}`);
      }
      return plain as A;
    },
    seal<C>(connection: C): C {
      const page = connection as unknown as SealablePage;
      const sealed = (cursor: string | null | undefined) =>
        cursor ? encodeBase64(`${decodeBase64(cursor)}:${key}`) : cursor;
      return {
        ...page,
        edges: page.edges.map((edge) => (edge ? { ...edge, cursor: sealed(edge.cursor) as string } : edge)),
        pageInfo: {
          ...page.pageInfo,
          startCursor: sealed(page.pageInfo.startCursor),
          endCursor: sealed(page.pageInfo.endCursor),
        },
      } as unknown as C;
    },
  };
}

/**
 * Reads the `after` / `before` cursors of a page of `rows`, refusing one that is malformed, one
 * made under another ordering or filter (a scoped ordering's cursors lead with the scope key of
 * the query that made them, src/query/ordering.ts), and one whose values are not a position in
 * the ordering (`positionFits`), which PostgreSQL would refuse as an internal error.
 */
export function readCursors<T>(
  args: CursorArgs,
  rows: RowsQuery<T> & { scopeKey?: string },
): CursorPositions {
  const positions: CursorPositions = {};
  for (const argument of ['after', 'before'] as const) {
    const cursor = args[argument];
    if (!cursor) continue;
    let values: unknown[];
    try {
      const decoded = decodeBase64(cursor);
      if (!decoded.startsWith('DC:')) throw new Error('not a cursor');
      const value = decodeCursorChunk(decoded.slice(3));
      values = Array.isArray(value) ? value : [value];
    } catch {
      throw new InvalidCursorError(
        `${argument}: "${cursor.slice(0, 100)}" is not a cursor of this connection`,
        argument,
      );
    }
    if (rows.scopeKey !== undefined && values.shift() !== rows.scopeKey) {
      throw new InvalidCursorError(
        `${argument}: this cursor was made for another ordering or filter than this request's; start again from the first page`,
        argument,
      );
    }
    if (!positionFits(rows, values)) {
      throw new InvalidCursorError(
        `${argument}: "${cursor.slice(0, 100)}" is not a position in this ordering; start again from the first page`,
        argument,
      );
    }
    positions[argument] = values;
  }
  return positions;
}

/**
 * A page's condition: the filter and, past each cursor, the ordering's row comparison
 * (`keysetSql`), a condition of the ordering's index where the connection plugin's own keyset
 * (`planned`, an `OR` over the columns) is a filter that reads every row before the cursor. The
 * plugin's is kept for an ordering a row comparison cannot express (mixed directions).
 */
export function pageWhere<T>(rows: RowsQuery<T>, positions: CursorPositions, planned: unknown): unknown {
  if (!positions.after && !positions.before) return planned;
  const conditions: Array<(table: T) => SQL> = rows.where ? [rows.where.RAW] : [];
  for (const paging of ['after', 'before'] as const) {
    const position = positions[paging];
    if (!position) continue;
    const keyset = keysetSql(rows, position, paging);
    if (!keyset) return planned;
    conditions.push(keyset);
  }
  return {
    RAW: (table: T) =>
      sql.join(
        conditions.map((c) => sql`(${c(table)})`),
        sql` and `,
      ),
  };
}

/**
 * The connection plugin's query for a page of `rows`, once its cursors are checked (`readCursors`),
 * with the page's condition from `pageWhere`.
 */
export function pagedQuery<T>(
  query: (options: never) => unknown,
  args: PagingArgs,
  rows: RowsQuery<T> & { scopeKey?: string },
): Record<string, unknown> {
  const positions = checkPaging(args, rows);
  const planned = query(rows as never) as Record<string, unknown>;
  return { ...planned, where: pageWhere(rows, positions, planned.where) };
}

/**
 * The ordering of a list with one ordering (the audit log's, the ingestions') under a scope of its
 * own — the list's name and what selects its rows — with the request's paging arguments checked
 * against it: a cursor of another list, or of the same list over other rows, is refused.
 */
export function scopedOrdering<O extends Record<string, 'asc' | 'desc'>>(
  args: PagingArgs,
  orderBy: O,
  list: string,
  scope: unknown,
): { extras: Record<never, never>; orderBy: O } {
  const rows = scoped({ extras: {}, orderBy }, cursorScopeKey(list, scope));
  checkPaging(args, rows);
  // The scope key is a constant of the statement (a parameter), first in the ordering.
  return { extras: rows.extras as Record<never, never>, orderBy: rows.orderBy as O };
}

/**
 * The size of a list of `rows` for its `totalCount`, with the paging arguments checked first: a
 * request for the total alone runs no page, and took bad arguments without a word.
 */
export function checkedTotal<T extends PgTable>(
  db: Database,
  table: T,
  args: PagingArgs,
  rows: RowsQuery<T> & { scopeKey?: string },
): Promise<number> {
  checkPaging(args, rows);
  return db.$count(table, rows.where?.RAW(table));
}
