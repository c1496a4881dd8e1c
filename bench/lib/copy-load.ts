/**
 * The COPY floor of bench/ingest-size.ts, in a process of its own so its peak memory is its own:
 * `node --import tsx bench/lib/copy-load.ts <database url> <folder> <indexes: keep|after> <table> …`.
 * Loads `<folder>/<table>.copy` (COPY text format, as `COPY … TO STDOUT` wrote it) into each table
 * in the order given (parents first), in one transaction, then sets every identity sequence past
 * the loaded ids, as a real bulk load must before the service inserts again. With `after`, the
 * tables' secondary indexes (those no constraint owns) are dropped first and rebuilt from their own
 * definitions before the commit, the usual shape of a bulk load. Prints `{"ms": …}` (load and
 * commit, not connecting).
 */
import { createReadStream } from 'node:fs';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import postgres from 'postgres';

const [url, folder, indexes, ...tables] = process.argv.slice(2);
if (!url || !folder || (indexes !== 'keep' && indexes !== 'after') || tables.length === 0) {
  console.error('usage: copy-load.ts <database url> <folder> <keep|after> <table> …');
  process.exit(2);
}

const sql = postgres(url, { max: 1, onnotice: () => {} });
try {
  await sql`select 1`;
  const t0 = performance.now();
  await sql.begin(async (tx) => {
    const secondary =
      indexes === 'after'
        ? await tx<Array<{ indexname: string; indexdef: string }>>`
            select i.indexname, i.indexdef from pg_indexes i
            where i.schemaname = 'public' and i.tablename in ${tx(tables)}
              and not exists (select 1 from pg_constraint c where c.conname = i.indexname)`
        : [];
    for (const { indexname } of secondary) await tx.unsafe(`drop index "${indexname}"`);
    for (const table of tables) {
      const writable = await tx.unsafe(`copy "${table}" from stdin`).writable();
      await pipeline(createReadStream(join(folder, `${table}.copy`)), writable);
    }
    for (const { indexdef } of secondary) await tx.unsafe(indexdef);
    const identities = await tx<Array<{ table: string; column: string }>>`
      select table_name as table, column_name as column from information_schema.columns
      where table_schema = 'public' and table_name in ${tx(tables)}
        and (is_identity = 'YES' or column_default like 'nextval(%')`;
    for (const { table, column } of identities) {
      await tx.unsafe(
        `select setval(pg_get_serial_sequence('"${table}"', '${column}'), coalesce(max("${column}"), 0) + 1, false) from "${table}"`,
      );
    }
  });
  console.log(JSON.stringify({ ms: performance.now() - t0 }));
} finally {
  await sql.end();
}
