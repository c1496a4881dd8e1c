import postgres from 'postgres';
import { openDatabase } from '../../src/db/client.ts';
import { createServer } from '../../src/server/server.ts';
import { benchQueries } from '../../bench/lib/queries.ts';
const url = 'postgres://postgres@127.0.0.1:5432/bibgraph_query_10k';
let captured: Array<{ query: string; params: unknown[] }> | null = null;
const handle = await openDatabase({ databaseUrl: url, dataDir: '', logger: { logQuery: (query, params) => captured?.push({ query, params }) } });
const yoga = createServer({ database: handle, maxIngestBytes: 1024, limits: { rateLimitPerIp: 10_000_000 } });
const names = (process.argv[2] ?? 'canonical').split(',');
for (const page of benchQueries(10000).filter((p) => names.some((n) => p.name.startsWith(n)))) {
  const body = JSON.stringify(page.bibgraph);
  const post = () => yoga.fetch('http://localhost/graphql', { method: 'POST', headers: { 'content-type': 'application/json' }, body });
  await post(); captured = []; await post(); const st = captured; captured = null;
  for (const s of st) {
    for (const mode of ['auto', 'force_generic_plan', 'force_custom_plan', 'auto', 'force_generic_plan', 'force_custom_plan']) {
      const sql = postgres(url, { max: 1, onnotice: () => {}, connection: { plan_cache_mode: mode } as never });
      for (let i = 0; i < 10; i++) await sql.unsafe(s.query, s.params as never[], { prepare: true });
      const t0 = performance.now();
      const N = 300;
      for (let i = 0; i < N; i++) await sql.unsafe(s.query, s.params as never[], { prepare: true });
      const ms = (performance.now() - t0) / N;
      const [ps] = await sql`select generic_plans, custom_plans from pg_prepared_statements where statement = ${s.query}`;
      console.log(page.name, s.query.slice(0, 50).replace(/\s+/g, ' '), mode, ms.toFixed(2), 'ms/exec', JSON.stringify(ps), 'params', JSON.stringify(s.params).slice(0, 80));
      await sql.end();
    }
  }
}
await handle.close();
process.exit(0);
