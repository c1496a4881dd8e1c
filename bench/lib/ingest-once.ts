/**
 * One timed ingest of a RIS file into an empty PostgreSQL database, with the code of a given
 * source tree: `node --import tsx bench/lib/ingest-once.ts <tree> <database url> <file>`. Prints
 * `{"ms": …, "created": …}`. bench/ingest.ts runs it for this checkout and for a baseline commit
 * (BENCH_BASELINE), so both are timed the same way: migrations applied before the clock starts,
 * the same ingest call, a process of their own.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const [tree, url, file] = process.argv.slice(2);
if (!tree || !url || !file) {
  console.error('usage: ingest-once.ts <tree> <database url> <file>');
  process.exit(2);
}
const from = (path: string) => pathToFileURL(join(resolve(tree), path)).href;
// The tree's own modules: its migrations, mapper, ingest and organization code.
const { openDatabase } = (await import(from('src/db/client.ts'))) as typeof import('../../src/db/client.ts');
const { ingestRis } = (await import(
  from('src/ingest/ingest.ts')
)) as typeof import('../../src/ingest/ingest.ts');

const text = readFileSync(file, 'utf8');
const handle = await openDatabase({ databaseUrl: url, dataDir: '' });
try {
  const t0 = performance.now();
  const report = await ingestRis(handle.db, text, { source: 'bench', batchSize: 1000 });
  const ms = performance.now() - t0;
  console.log(JSON.stringify({ ms, created: report.created, failed: report.failed }));
} finally {
  await handle.close();
}
