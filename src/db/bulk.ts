import { getTableName, type SQL, sql } from 'drizzle-orm';
import { getTableConfig, type PgColumn, type PgTable } from 'drizzle-orm/pg-core';
import { type Database, rowsOf } from './client.ts';

/*
 * Bulk writes for ingestion. A multi-row VALUES list sends one bind parameter per cell, and
 * PostgreSQL spends longer binding and planning 25,000 parameters than inserting the rows. Here a
 * whole batch travels as one JSON parameter that jsonb_to_recordset turns back into typed rows, on
 * PGlite and PostgreSQL alike.
 */

interface ColumnInfo {
  key: string;
  name: string;
  type: string;
  /** A recordset field that feeds a computed column rather than a column itself. */
  extra?: boolean;
}

const columnCache = new WeakMap<PgTable, Map<string, ColumnInfo>>();

function columnsOf(table: PgTable): Map<string, ColumnInfo> {
  let map = columnCache.get(table);
  if (!map) {
    map = new Map();
    const config = getTableConfig(table);
    const byName = new Map(config.columns.map((c) => [c.name, c]));
    for (const [key, column] of Object.entries(table as unknown as Record<string, PgColumn>)) {
      if (byName.get((column as PgColumn)?.name) === column) {
        const dimensions = (column as unknown as { dimensions?: number }).dimensions ?? 0;
        map.set(key, { key, name: column.name, type: column.getSQLType() + '[]'.repeat(dimensions) });
      }
    }
    columnCache.set(table, map);
  }
  return map;
}

function recordset(
  table: PgTable,
  rows: ReadonlyArray<Record<string, unknown>>,
  extra: Record<string, string> = {},
): { cols: ColumnInfo[]; from: SQL } {
  const all = columnsOf(table);
  const keys = new Set<string>();
  for (const row of rows) for (const k of Object.keys(row)) if (row[k] !== undefined) keys.add(k);
  const cols = [...keys].map((k): ColumnInfo => {
    const type = extra[k];
    if (type) return { key: k, name: k, type, extra: true };
    const c = all.get(k);
    if (!c) throw new Error(`bulk insert: ${getTableName(table)} has no column for "${k}"`);
    return c;
  });
  // Keys are renamed to column names so jsonb_to_recordset can match them.
  const payload = JSON.stringify(
    rows.map((row) => Object.fromEntries(cols.map((c) => [c.name, row[c.key] ?? null]))),
  );
  const definition = sql.raw(cols.map((c) => `"${c.name}" ${c.type}`).join(', '));
  return { cols, from: sql`jsonb_to_recordset(${payload}::jsonb) as r(${definition})` };
}

function columnList(cols: ColumnInfo[], prefix = ''): SQL {
  return sql.raw(cols.map((c) => `${prefix}"${c.name}"`).join(', '));
}

export interface BulkInsertOptions {
  /** Columns of the inserted rows to return (JS keys). */
  returning?: string[];
  /** Recordset fields that are not columns (name → SQL type), for use in `computed`. */
  extra?: Record<string, string>;
  /** Columns computed in SQL from the recordset `r` (column name → expression). */
  computed?: Record<string, SQL>;
}

/** INSERT … ON CONFLICT DO NOTHING for many rows; returns the requested columns of inserted rows. */
export async function bulkInsert<T = Record<string, unknown>>(
  tx: Database,
  table: PgTable,
  rows: ReadonlyArray<Record<string, unknown>>,
  options: BulkInsertOptions = {},
): Promise<T[]> {
  if (rows.length === 0) return [];
  const { cols, from } = recordset(table, rows, options.extra);
  const stored = cols.filter((c) => !c.extra);
  const computed = Object.entries(options.computed ?? {});
  const target = sql.raw(
    [...stored.map((c) => `"${c.name}"`), ...computed.map(([name]) => `"${name}"`)].join(', '),
  );
  const select = sql.join(
    [...stored.map((c) => sql.raw(`r."${c.name}"`)), ...computed.map(([, expression]) => expression)],
    sql`, `,
  );
  const returning = options.returning ?? [];
  const ret = returning.length
    ? sql` returning ${sql.raw(returning.map((k) => `"${columnsOf(table).get(k)?.name ?? k}" as "${k}"`).join(', '))}`
    : sql``;
  const result = await tx.execute(
    sql`insert into ${table} (${target}) select ${select} from ${from} on conflict do nothing${ret}`,
  );
  return rowsOf<T>(result);
}

/**
 * Inserts rows keyed by a unique column, leaving existing rows as they are, and returns the id of
 * every key in one statement. Rows are sorted by key so concurrent writers take locks in one order.
 */
export async function upsertKeyed(
  tx: Database,
  table: PgTable,
  keyColumn: PgColumn,
  idColumn: PgColumn,
  rows: Array<Record<string, unknown>>,
): Promise<Map<string, number>> {
  const ids = new Map<string, number>();
  if (rows.length === 0) return ids;
  const keyKey = [...columnsOf(table).values()].find((c) => c.name === keyColumn.name)?.key as string;
  rows.sort((a, b) => (String(a[keyKey]) < String(b[keyKey]) ? -1 : 1));
  const { cols, from } = recordset(table, rows);
  const key = sql.raw(`"${keyColumn.name}"`);
  const id = sql.raw(`"${idColumn.name}"`);
  const result = await tx.execute(sql`
    with input as (select * from ${from}),
    inserted as (
      insert into ${table} (${columnList(cols)}) select ${columnList(cols)} from input
      on conflict (${key}) do nothing
      returning ${id} as id, ${key} as key
    )
    select id, key from inserted
    union all
    select t.${id}, t.${key} from ${table} t join input on input.${key} = t.${key}`);
  for (const r of rowsOf<{ id: number; key: string }>(result)) ids.set(r.key, r.id);
  // A row committed by another writer after this statement's snapshot is not in either branch.
  const missing = rows.map((r) => String(r[keyKey])).filter((k) => !ids.has(k));
  if (missing.length > 0) {
    const found = rowsOf<{ id: number; key: string }>(
      await tx.execute(
        sql`select ${id} as id, ${key} as key from ${table} where ${key} in (select jsonb_array_elements_text(${JSON.stringify(missing)}::jsonb))`,
      ),
    );
    for (const r of found) ids.set(r.key, r.id);
  }
  return ids;
}
