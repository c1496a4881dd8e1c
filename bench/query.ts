/**
 * Query benchmark: bibgraph over HTTP against its peer, PostGraphile 5 over HTTP, and against the
 * floor (one hand-written SQL statement through postgres.js), on the same PostgreSQL database and
 * the same pages (bench/lib/queries.ts), in interleaved rounds. Prints p50/p95 per page and the
 * throughput of the canonical page at 10 connections, with the ratios to the floor and the peer.
 *
 *   npx tsx bench/query.ts [citations …]     default 10000; e.g. 10000 100000 1000000
 *
 * Databases bibgraph_query_<size> are seeded once and kept (bench/lib/seeded-db.ts). Both servers
 * are child processes on ports 4400 and 4401 (BENCH_PORT changes the first), so neither shares an
 * event loop with the load generator. bibgraph runs with its response cache off (PostGraphile has
 * none) and with abuse limits far above the load.
 *
 *   BENCH_ROUNDS=3  BENCH_ITERATIONS=40  BENCH_LOAD_SECONDS=5   how much to measure
 *   BENCH_WARMUP=300   sequential requests of every page to every target before the first round
 *   BENCH_PEER=0    skip PostGraphile (e.g. where bench/peer is not installed)
 *   BENCH_PROFILE=<dir>   bibgraph writes a V8 CPU profile there (node --cpu-prof) on exit
 *   BENCH_QUERIES=canonical,typeahead   only the pages whose names start with these
 *   BENCH_BASELINE=<dir>  also measure the bibgraph checked out there ("bibgraph before", port +2)
 *   BENCH_COLD=1    move the write generation on before every request (as a write would), so each
 *                   one misses the count cache: the first request after a write; no throughput
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import http from 'node:http';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import postgres from 'postgres';
import { backendCpuSeconds, processCpuSeconds } from './lib/proc-cpu.ts';
import { type BenchQuery, type BenchRequest, benchQueries } from './lib/queries.ts';
import { seededDatabase } from './lib/seeded-db.ts';

// autocannon ships no types; this is the part of its API the benchmark uses.
interface LoadResult {
  requests: { average: number; total: number };
  errors: number;
  timeouts: number;
  non2xx: number;
}
const autocannonModule: string = 'autocannon';
const autocannon = (await import(autocannonModule)).default as (
  options: Record<string, unknown>,
) => Promise<LoadResult>;

const SIZES = process.argv.slice(2).map(Number);
if (SIZES.length === 0) SIZES.push(10_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const ITERATIONS = Number(process.env.BENCH_ITERATIONS ?? 40);
const LOAD_SECONDS = Number(process.env.BENCH_LOAD_SECONDS ?? 5);
const WARMUP = Number(process.env.BENCH_WARMUP ?? 300);
const PORT = Number(process.env.BENCH_PORT ?? 4400);
const ONLY = process.env.BENCH_QUERIES?.split(',');
const root = fileURLToPath(new URL('..', import.meta.url));
const peerNode = `${root}bench/peer/node_modules/node/bin/node`;
/** Another checkout of bibgraph (e.g. the commit before a change) measured beside this one. */
const BASELINE = process.env.BENCH_BASELINE;
const WITH_PEER = process.env.BENCH_PEER !== '0' && existsSync(peerNode);
const COLD = process.env.BENCH_COLD === '1';

type Target = 'floor' | 'bibgraph' | 'bibgraph before' | 'postgraphile';

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number;
}
const median = (values: number[]) => percentile(values, 50);

async function waitFor(url: string, child: ChildProcess): Promise<void> {
  for (let i = 0; i < 600; i++) {
    if (child.exitCode !== null) throw new Error(`${url}: the server exited (${child.exitCode})`);
    try {
      // bibgraph answers 503 while it opens the database; ready is a 200.
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"query":"{__typename}"}',
      });
      if (res.ok) return;
    } catch {}
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${url} did not answer`);
}

/** The Node flags `npm start` gives the server (package.json's start script), so the bench runs it as deployed. */
function startFlags(cwd: string): string[] {
  const manifest = JSON.parse(readFileSync(`${cwd}/package.json`, 'utf8')) as {
    scripts?: { start?: string };
  };
  return (manifest.scripts?.start ?? '').split(/\s+/).filter((word) => word.startsWith('--'));
}

function startBibgraph(databaseUrl: string, port: number, cwd = root): ChildProcess {
  const profile = process.env.BENCH_PROFILE;
  return spawn(
    process.execPath,
    [
      ...(profile ? ['--cpu-prof', `--cpu-prof-dir=${profile}`] : []),
      ...startFlags(cwd),
      '--import',
      'tsx',
      'src/main.ts',
    ],
    {
      cwd,
      stdio: ['ignore', 'ignore', 'inherit'],
      env: {
        ...process.env,
        NODE_ENV: 'production',
        DATABASE_URL: databaseUrl,
        PORT: String(port),
        HOST: '127.0.0.1',
        BIBGRAPH_CACHE_TTL: '0',
        BIBGRAPH_RATE_LIMIT_IP: '10000000',
        BIBGRAPH_RATE_LIMIT_IP_BURST: '1000000',
      },
    },
  );
}

function startPeer(databaseUrl: string, port: number): ChildProcess {
  return spawn(peerNode, ['server.mjs', databaseUrl, String(port)], {
    cwd: `${root}bench/peer`,
    stdio: ['ignore', 'ignore', 'inherit'],
    env: { ...process.env, NODE_ENV: 'production' },
  });
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await exited;
}

/**
 * The sequential client: node:http on one kept-alive connection, asking for gzip as a browser
 * does, the answer inflated and parsed whole. Not `fetch`: undici inflates through a WHATWG stream
 * and a zlib stream per answer, which cost the bench's own process 2.3–2.4 ms per canonical page
 * (9.8–10.9 ms against 7.5–8.6 for the same server answers, round 9) and was counted in every
 * server's time alike; a browser inflates natively, off its page's thread.
 */
function poster(url: string, request: BenchRequest, check: (data: unknown) => void) {
  const body = Buffer.from(JSON.stringify(request));
  const target = new URL(url);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const post = () =>
    new Promise<Buffer>((resolve, reject) => {
      const req = http.request(
        {
          host: target.hostname,
          port: target.port,
          path: target.pathname,
          method: 'POST',
          agent,
          headers: {
            'content-type': 'application/json',
            'content-length': body.length,
            'accept-encoding': 'gzip',
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('error', reject);
          res.on('end', () => {
            const raw = Buffer.concat(chunks);
            if (res.statusCode !== 200)
              reject(new Error(`${url}: ${res.statusCode} ${raw.toString().slice(0, 500)}`));
            else resolve(res.headers['content-encoding'] === 'gzip' ? gunzipSync(raw) : raw);
          });
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  return async () => {
    const json = JSON.parse((await post()).toString()) as { data?: unknown; errors?: unknown };
    if (json.errors) throw new Error(`${url}: ${JSON.stringify(json.errors).slice(0, 500)}`);
    check(json.data);
  };
}

/**
 * Sequential requests to each target, one target after the other: each target's samples, or its
 * error when it failed. Not one request to each in turn: a server left idle while the others
 * answer gets every request with cold caches and a sleeping thread to wake (in round 11 that
 * took the floor from 2.4 to 3.5 ms and bibgraph from 4.5 to 6.7).
 */
async function timeSequential(
  targets: Array<[Target, () => Promise<unknown>]>,
  beforeEach?: () => Promise<unknown>,
): Promise<Map<Target, number[] | Error>> {
  const out = new Map<Target, number[] | Error>();
  for (const [target, fn] of targets) {
    try {
      for (let i = 0; i < 3; i++) await fn();
      const samples: number[] = [];
      for (let i = 0; i < ITERATIONS; i++) {
        await beforeEach?.();
        const s = performance.now();
        await fn();
        samples.push(performance.now() - s);
      }
      out.set(target, samples);
    } catch (error) {
      out.set(target, error as Error);
    }
  }
  return out;
}

/**
 * Requests per second with 10 requests always in flight, and the serving process's CPU per
 * request meanwhile (for the floor: the benchmark's own process, which runs its driver). CPU per
 * request moves less with the machine's load than requests per second do.
 */
async function throughput(
  fn: () => Promise<unknown>,
  url: string | null,
  request: BenchRequest | null,
  pid: number | undefined,
  sql: postgres.Sql,
): Promise<{ rps: number; cpuMs: number; dbCpuMs: number }> {
  const cpu0 = processCpuSeconds(pid) ?? 0;
  const db0 = await backendCpuSeconds(sql);
  const dbMs = async (requests: number) => {
    const db1 = await backendCpuSeconds(sql);
    let used = 0;
    for (const [backend, seconds] of db1) used += seconds - (db0.get(backend) ?? 0);
    return (used * 1000) / requests;
  };
  if (url && request) {
    const load = await autocannon({
      url,
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(request),
      connections: 10,
      duration: LOAD_SECONDS,
    });
    if (load.errors + load.timeouts + load.non2xx > 0) throw new Error(`${url}: errors under load`);
    const cpuMs = (((processCpuSeconds(pid) ?? cpu0) - cpu0) * 1000) / load.requests.total;
    return { rps: load.requests.average, cpuMs, dbCpuMs: await dbMs(load.requests.total) };
  }
  let done = 0;
  const until = performance.now() + LOAD_SECONDS * 1000;
  await Promise.all(
    Array.from({ length: 10 }, async () => {
      while (performance.now() < until) {
        await fn();
        done++;
      }
    }),
  );
  const cpuMs = (((processCpuSeconds(pid) ?? cpu0) - cpu0) * 1000) / done;
  return { rps: done / LOAD_SECONDS, cpuMs, dbCpuMs: await dbMs(done) };
}

interface Cell {
  p50: number[];
  p95: number[];
  rps: number[];
  cpuMs: number[];
  dbCpuMs: number[];
}

async function benchSize(n: number) {
  const url = await seededDatabase(n);
  const sql = postgres(url, { max: 10, onnotice: () => {} });
  const servers: Array<[Target, ChildProcess, string]> = [
    ['bibgraph', startBibgraph(url, PORT), `http://127.0.0.1:${PORT}/graphql`],
  ];
  if (BASELINE)
    servers.push([
      'bibgraph before',
      startBibgraph(url, PORT + 2, BASELINE),
      `http://127.0.0.1:${PORT + 2}/graphql`,
    ]);
  if (WITH_PEER)
    servers.push(['postgraphile', startPeer(url, PORT + 1), `http://127.0.0.1:${PORT + 1}/graphql`]);
  try {
    for (const [, child, endpoint] of servers) await waitFor(endpoint, child);
    const endpointOf = (t: Target) => servers.find((s) => s[0] === t)?.[2] ?? null;
    const queries = benchQueries(n).filter((q) => !ONLY || ONLY.some((o) => q.name.startsWith(o)));
    const cells = new Map<string, Cell>();
    const cell = (q: BenchQuery, t: Target) => {
      const key = `${q.name}\u0000${t}`;
      if (!cells.has(key)) cells.set(key, { p50: [], p95: [], rps: [], cpuMs: [], dbCpuMs: [] });
      return cells.get(key) as Cell;
    };
    const targetsOf = (q: BenchQuery) => {
      const targets: Array<[Target, () => Promise<unknown>, BenchRequest | null]> = [
        ['floor', () => q.floor(sql), null],
        ['bibgraph', poster(endpointOf('bibgraph') as string, q.bibgraph, q.check), q.bibgraph],
      ];
      const before = endpointOf('bibgraph before');
      if (before) targets.push(['bibgraph before', poster(before, q.bibgraph, q.check), q.bibgraph]);
      const peer = endpointOf('postgraphile');
      if (peer && q.postgraphile)
        targets.push(['postgraphile', poster(peer, q.postgraphile, q.check), q.postgraphile]);
      return targets;
    };
    // Every target serves every page a while before anything is timed: a server measured cold
    // runs its first rounds in code V8 has not optimized yet (in round 11's first run, the canonical
    // page's first round took bibgraph 5.6 ms p50, its fourth 3.7; PostGraphile 8.1 then 6.3), and the
    // median of three rounds then depends on which round the first was.
    console.error(
      `  ${n.toLocaleString('en')}: warming up (${WARMUP} requests of every page to every target)`,
    );
    for (const q of queries)
      for (const [target, fn] of targetsOf(q)) {
        // A target that fails here fails again in the rounds, which report it.
        try {
          for (let i = 0; i < WARMUP; i++) await fn();
        } catch (error) {
          console.error(`  ${target}, ${q.name}, warming up: ${(error as Error).message.slice(0, 300)}`);
        }
      }
    for (let round = 1; round <= ROUNDS; round++) {
      console.error(
        `  ${n.toLocaleString('en')}: round ${round}/${ROUNDS} (load ${(await import('node:os')).loadavg()[0]?.toFixed(1)})`,
      );
      for (const q of queries) {
        const targets = targetsOf(q);
        // What every write does to the count cache (src/query/count-cache.ts), outside the clock.
        const invalidate = COLD ? () => sql`update write_generation set value = value + 1` : undefined;
        const timed = await timeSequential(
          targets.map(([target, fn]) => [target, fn]),
          invalidate,
        );
        for (const [target] of targets) {
          // A target that answers with an error is reported and left out of the table for this
          // page, so one failing server does not cost the others' measurements.
          const samples = timed.get(target);
          if (!Array.isArray(samples)) {
            console.error(`  ${target}, ${q.name}: ${samples?.message.slice(0, 300)}`);
            continue;
          }
          const c = cell(q, target);
          c.p50.push(percentile(samples, 50));
          c.p95.push(percentile(samples, 95));
          console.error(`    ${q.name}, ${target}: p50 ${percentile(samples, 50).toFixed(2)} ms`);
        }
        // Throughput for the canonical page only, after every target's latencies (so that no
        // latency is measured right after a load): the others are latency targets.
        if (COLD || q !== queries[0] || q.name !== 'canonical page') continue;
        for (const [target, fn, request] of targets) {
          if (!Array.isArray(timed.get(target))) continue;
          const c = cell(q, target);
          const pid = servers.find((s) => s[0] === target)?.[1].pid;
          const load = await throughput(fn, request && endpointOf(target), request, pid, sql);
          c.rps.push(load.rps);
          c.cpuMs.push(load.cpuMs);
          c.dbCpuMs.push(load.dbCpuMs);
        }
      }
    }
    return { n, queries, cells };
  } finally {
    for (const [, child] of servers) await stop(child);
    await sql.end();
  }
}

const results = [];
for (const n of SIZES) results.push(await benchSize(n));

const fmt = (x: number | undefined, digits = 1) =>
  x === undefined || Number.isNaN(x) ? '—' : x.toFixed(digits);
const cpus = (await import('node:os')).cpus();
console.log(
  `\n${new Date().toISOString().slice(0, 16)}Z · ${cpus.length} × ${cpus[0]?.model ?? 'cpu'} · Node ${process.version} (PostGraphile on ${WITH_PEER ? 'Node 22' : '—'}) · medians of ${ROUNDS} interleaved rounds, ${ITERATIONS} sequential requests each\n`,
);
console.log(
  '| citations | page | target | p50 ms | p95 ms | × floor (p50) | req/s at 10 conn | × PostGraphile (req/s) | server CPU ms/req | PostgreSQL CPU ms/req |',
);
console.log('|---:|---|---|---:|---:|---:|---:|---:|---:|---:|');
for (const { n, queries, cells } of results) {
  for (const q of queries) {
    const get = (t: Target) => cells.get(`${q.name}\u0000${t}`);
    const floor = get('floor');
    const peer = get('postgraphile');
    for (const t of ['floor', 'bibgraph', 'bibgraph before', 'postgraphile'] as const) {
      const c = get(t);
      if (!c) continue;
      const rps = c.rps.length ? median(c.rps) : Number.NaN;
      console.log(
        `| ${n.toLocaleString('en')} | ${q.name} | ${t} | ${fmt(median(c.p50))} | ${fmt(median(c.p95))} | ${fmt(median(c.p50) / median(floor?.p50 ?? []), 2)} | ${fmt(rps, 0)} | ${t === 'floor' || !peer?.rps.length ? '—' : fmt(rps / median(peer.rps), 2)} | ${c.cpuMs.length ? fmt(median(c.cpuMs), 2) : '—'} | ${c.dbCpuMs.length ? fmt(median(c.dbCpuMs), 2) : '—'} |`,
      );
    }
  }
}
if (results.length > 1) {
  const base = results[0];
  console.log(
    `\n| page | ${results.map((r) => `${r.n.toLocaleString('en')} p50 / p95 ms`).join(' | ')} | largest ÷ smallest (p50) |`,
  );
  console.log(`|---|${results.map(() => '---:').join('|')}|---:|`);
  for (const q of base?.queries ?? []) {
    const p = results.map((r) => r.cells.get(`${q.name}\u0000bibgraph`) as Cell);
    const first = median(p[0]?.p50 ?? []);
    const last = median(p.at(-1)?.p50 ?? []);
    console.log(
      `| ${q.name} | ${p.map((c) => `${fmt(median(c.p50))} / ${fmt(median(c.p95))}`).join(' | ')} | ${fmt(last / first, 2)} |`,
    );
  }
}
