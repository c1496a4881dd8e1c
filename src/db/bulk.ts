import { getTableName, type SQL, sql } from 'drizzle-orm';
import { getTableConfig, type PgColumn, type PgTable } from 'drizzle-orm/pg-core';
import { type Database, rowsOf } from './client.ts';
import { mapInSlices } from './time-slice.ts';

/*
 * Bulk writes for ingestion. A multi-row VALUES list sends one bind parameter per cell, and
 * PostgreSQL spends longer binding and planning 25,000 parameters than inserting the rows. Here a
 * whole batch travels as one JSON parameter that jsonb_to_recordset turns back into typed rows, on
 * PGlite and PostgreSQL alike. Rows are encoded in time slices (time-slice.ts): a server's reads
 * run between them rather than after a whole batch.
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

/**
 * Serialises rows of one table for `jsonb_to_recordset`, one JSON object per row under the table's
 * column names. The column list is fixed up front: every row sends every column, which is what
 * lets one UPDATE give each row its own values.
 */
export class RowEncoder {
  readonly cols: ColumnInfo[];
  constructor(
    readonly table: PgTable,
    keys: Iterable<string>,
    extra: Record<string, string> = {},
  ) {
    const all = columnsOf(table);
    this.cols = [...keys].map((k): ColumnInfo => {
      const type = extra[k];
      if (type) return { key: k, name: k, type, extra: true };
      const c = all.get(k);
      if (!c) throw new Error(`bulk write: ${getTableName(table)} has no column for "${k}"`);
      return c;
    });
  }

  /** One row as a JSON object; a missing value is sent as null. */
  encode(row: Record<string, unknown>): string {
    const o: Record<string, unknown> = {};
    for (const c of this.cols) o[c.name] = row[c.key] ?? null;
    return JSON.stringify(o);
  }

  /** Every row encoded, yielding to the event loop every few ms. */
  encodeAll(rows: ReadonlyArray<Record<string, unknown>>): Promise<string[]> {
    return mapInSlices(rows, (row) => this.encode(row));
  }

  /** The recordset `r` of the encoded rows. */
  from(encoded: readonly string[]): SQL {
    const definition = sql.raw(this.cols.map((c) => `"${c.name}" ${c.type}`).join(', '));
    return sql`jsonb_to_recordset(${`[${encoded.join(',')}]`}::jsonb) as r(${definition})`;
  }
}

async function recordset(
  table: PgTable,
  rows: ReadonlyArray<Record<string, unknown>>,
  extra: Record<string, string> = {},
): Promise<{ cols: ColumnInfo[]; from: SQL }> {
  const keys = new Set<string>();
  for (const row of rows) for (const k of Object.keys(row)) if (row[k] !== undefined) keys.add(k);
  const encoder = new RowEncoder(table, keys, extra);
  return { cols: encoder.cols, from: encoder.from(await encoder.encodeAll(rows)) };
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
  const { cols, from } = await recordset(table, rows, options.extra);
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
 * UPDATE of many rows in one statement, each row to its own values: every column the encoder
 * names is set from the row whose `key` matches. Rows must carry every column (a missing one
 * would be written as null), so callers send whole merged values, not patches.
 */
export async function bulkUpdate(
  tx: Database,
  encoder: RowEncoder,
  key: string,
  rows: ReadonlyArray<Record<string, unknown>>,
): Promise<void> {
  if (rows.length === 0) return;
  for (const row of rows) {
    for (const c of encoder.cols) {
      if (row[c.key] === undefined) throw new Error(`bulk update: a row has no value for "${c.key}"`);
    }
  }
  const keyColumn = encoder.cols.find((c) => c.key === key);
  if (!keyColumn) throw new Error(`bulk update: the key "${key}" is not among the encoded columns`);
  const assignments = sql.raw(
    encoder.cols
      .filter((c) => c !== keyColumn && !c.extra)
      .map((c) => `"${c.name}" = r."${c.name}"`)
      .join(', '),
  );
  const from = encoder.from(await encoder.encodeAll(rows));
  await tx.execute(
    sql`update ${encoder.table} as t set ${assignments} from ${from} where t."${sql.raw(keyColumn.name)}" = r."${sql.raw(keyColumn.name)}"`,
  );
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
  /** Receives the ids of the rows this statement inserted (not those that existed). */
  created?: number[],
): Promise<Map<string, number>> {
  const ids = new Map<string, number>();
  if (rows.length === 0) return ids;
  const keyKey = [...columnsOf(table).values()].find((c) => c.name === keyColumn.name)?.key as string;
  rows.sort((a, b) => (String(a[keyKey]) < String(b[keyKey]) ? -1 : 1));
  const { cols, from } = await recordset(table, rows);
  const key = sql.raw(`"${keyColumn.name}"`);
  const id = sql.raw(`"${idColumn.name}"`);
  const result = await tx.execute(sql`
    with input as (select * from ${from}),
    inserted as (
      insert into ${table} (${columnList(cols)}) select ${columnList(cols)} from input
      on conflict (${key}) do nothing
      returning ${id} as id, ${key} as key
    )
    select id, key, true as fresh from inserted
    union all
    select t.${id}, t.${key}, false from ${table} t join input on input.${key} = t.${key}`);
  for (const r of rowsOf<{ id: number; key: string; fresh: boolean }>(result)) {
    ids.set(r.key, r.id);
    if (r.fresh) created?.push(r.id);
  }
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
