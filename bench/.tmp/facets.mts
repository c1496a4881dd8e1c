import postgres from 'postgres';
import { openDatabase } from '../../src/db/client.ts';
import { createServer } from '../../src/server/server.ts';
import { benchQueries } from '../lib/queries.ts';
const url = 'postgres://postgres@127.0.0.1:5432/bibgraph_query_1m';
let captured: Array<{ query: string; params: unknown[] }> | null = null;
const handle = await openDatabase({ databaseUrl: url, dataDir: '', logger: { logQuery: (query, params) => captured?.push({ query, params }) } });
const yoga = createServer({ database: handle, maxIngestBytes: 1024, limits: { rateLimitPerIp: 10_000_000 }, countCache: { maxEntries: 0 } });
const sql = postgres(url, { max: 1, onnotice: () => {} });
const page = benchQueries(1_000_000).find((p) => p.name === 'search + 6 facets')!;
const body = JSON.stringify(page.bibgraph);
const post = () => yoga.fetch('http://localhost/graphql', { method: 'POST', headers: { 'content-type': 'application/json' }, body });
await post(); captured = []; await post(); const st = captured; captured = null;
for (const s of st) {
  console.log('-- ' + s.query.slice(0, 120)); if (!s.query.includes('filtered')) continue;
  const plan = await sql.unsafe(`explain (analyze, costs off, buffers) ${s.query}`, s.params as never[]);
  for (const row of plan) console.log(row['QUERY PLAN']);
}
await sql.end(); await handle.close(); process.exit(0);
