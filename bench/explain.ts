/**
 * EXPLAIN (ANALYZE) of every statement bibgraph sends for each benchmark page, on the cached
 * benchmark database of the given size, as Markdown for bench/README.md:
 *
 *   npx tsx bench/explain.ts 10000 > /tmp/plans-10k.md
 */
import postgres from 'postgres';
import { openDatabase } from '../src/db/client.ts';
import { readSessionSettings } from '../src/db/read-session.ts';
import { createServer } from '../src/server/server.ts';
import { benchQueries } from './lib/queries.ts';
import { seededDatabase, sizeLabel } from './lib/seeded-db.ts';

const n = Number(process.argv[2] ?? 10_000);
const url = await seededDatabase(n);
let captured: Array<{ query: string; params: unknown[] }> | null = null;
const handle = await openDatabase({
  databaseUrl: url,
  dataDir: '',
  logger: { logQuery: (query, params) => captured?.push({ query, params }) },
});
const yoga = createServer({ database: handle, maxIngestBytes: 1024, limits: { rateLimitPerIp: 10_000_000 } });
// The session bibgraph reads in (jit off), so a plan here is the plan its statements get.
const sql = postgres(url, { max: 1, onnotice: () => {}, connection: readSessionSettings(undefined) });
console.log(`### ${sizeLabel(n)} citations\n`);
for (const page of benchQueries(n)) {
  const body = JSON.stringify(page.bibgraph);
  const post = () =>
    yoga.fetch('http://localhost/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
    });
  await post();
  captured = [];
  await post();
  const statements = captured;
  captured = null;
  console.log(`#### ${page.name} (${sizeLabel(n)}): ${statements.length} statements\n\n\`\`\``);
  for (const s of statements) {
    const plan = await sql.unsafe(
      `explain (analyze, costs off, timing off, summary on) ${s.query}`,
      s.params as never[],
    );
    const text = s.query.replace(/\s+/g, ' ');
    console.log(`-- ${text.length > 160 ? `${text.slice(0, 160)}…` : text}`);
    for (const row of plan) console.log(row['QUERY PLAN']);
    console.log('');
  }
  console.log('```\n');
}
await sql.end();
await handle.close();
