/**
 * CPU per request of one bench page, in-process (yoga.fetch, no HTTP), with `BENCH_INFLIGHT`
 * requests in flight: what the server's own thread spends, without the client's share.
 *
 *   npx tsx bench/cpu.ts [citations] [page]      e.g. 10000 canonical
 */
import postgres from 'postgres';
import { openDatabase } from '../src/db/client.ts';
import { createServer } from '../src/server/server.ts';
import { backendCpuSeconds } from './lib/proc-cpu.ts';
import { benchQueries } from './lib/queries.ts';
import { seededDatabase } from './lib/seeded-db.ts';

const size = Number(process.argv[2] ?? 10000);
const pageName = process.argv[3] ?? 'canonical';
const requests = Number(process.env.BENCH_REQUESTS ?? 400);
const inflight = Number(process.env.BENCH_INFLIGHT ?? 10);
const page = benchQueries(size).find((q) => q.name.startsWith(pageName));
if (!page) throw new Error(`no page ${pageName}`);
const databaseUrl = await seededDatabase(size);
const handle = await openDatabase({ databaseUrl, dataDir: '' });
const admin = postgres(databaseUrl, { max: 1, onnotice: () => {} });
// Both executors in one process, measured in alternating rounds: the machine's load moves
// absolute CPU times by 2× within minutes, the ratio between neighbouring rounds much less.
const executors = process.env.BENCH_EXECUTORS === 'compiled' ? [true] : [true, false];
const servers = executors.map((jit) => ({
  jit,
  yoga: createServer({
    database: handle,
    maxIngestBytes: 1024,
    limits: { rateLimitPerIp: 1e9, rateLimitIpBurst: 1e9 },
    jit,
  }),
}));
let yoga = servers[0]?.yoga as ReturnType<typeof createServer>;
const body = JSON.stringify(page.bibgraph);
async function one() {
  const res = await yoga.fetch('http://localhost/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body,
  });
  const json = (await res.json()) as { data?: unknown; errors?: unknown };
  if (json.errors) throw new Error(JSON.stringify(json.errors));
  page?.check(json.data);
}
async function run(n: number) {
  let next = 0;
  await Promise.all(
    Array.from({ length: inflight }, async () => {
      while (next++ < n) await one();
    }),
  );
}
const rounds = Number(process.env.BENCH_ROUNDS ?? 5);
const perRequest = new Map<boolean, number[]>(servers.map((s) => [s.jit, []]));
const databasePerRequest = new Map<boolean, number[]>(servers.map((s) => [s.jit, []]));
for (const server of servers) {
  yoga = server.yoga;
  await run(100);
}
for (let round = 0; round < rounds; round++) {
  for (const server of round % 2 ? [...servers].reverse() : servers) {
    yoga = server.yoga;
    const db0 = await backendCpuSeconds(admin);
    const cpu0 = process.cpuUsage();
    await run(requests);
    const cpu = process.cpuUsage(cpu0);
    let db = 0;
    for (const [pid, seconds] of await backendCpuSeconds(admin)) db += seconds - (db0.get(pid) ?? 0);
    perRequest.get(server.jit)?.push((cpu.user + cpu.system) / 1000 / requests);
    databasePerRequest.get(server.jit)?.push((db * 1000) / requests);
  }
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
for (const [jit, xs] of perRequest)
  console.log(
    `${page.name}, ${jit ? 'compiled (graphql-jit)' : 'interpreted'}: ${median(xs).toFixed(2)} ms CPU/request (median of ${xs.length} rounds: ${xs.map((x) => x.toFixed(2)).join(' ')}), PostgreSQL ${median(databasePerRequest.get(jit) ?? []).toFixed(2)} ms`,
  );
await (globalThis as { __stopHeap?: () => Promise<void> }).__stopHeap?.();
await admin.end();
await handle.close();
