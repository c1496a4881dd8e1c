/**
 * Ingest at size (issue #13, item 4): `npm run bench:ingest-size [-- records …] [--cpu-prof]
 * [--no-indexes-after]`, default 1,000,000 records. For each size:
 *  1. streams a generated library of that many RIS records to a temporary file
 *     (bench/lib/generate-ris.ts `generateLibraryStream`: people, institutions and keywords grow
 *     with the library as in the query benchmark's seed; one record in 50 is another export's copy
 *     of an earlier one, so the expected number of citations is known);
 *  2. ingests it into a fresh, migrated PostgreSQL database with the real CLI as a user runs it
 *     (`node bin/bibgraph.mjs ingest <file>`, DATABASE_URL set) under `/usr/bin/time -v`, sampling
 *     the CLI's /proc status (VmHWM is the whole process: its worker threads share it) and the CPU
 *     time of the database's server processes;
 *  3. dumps every table the ingest wrote (`COPY … TO STDOUT`) and loads the same rows into a second
 *     fresh, migrated database with `COPY … FROM STDIN`, parents first, in one transaction, then
 *     sets the identity sequences (bench/lib/copy-load.ts, a process of its own) — once with the
 *     indexes in place as the ingest had them, once with the secondary indexes built afterwards;
 *  4. checks the counts (citations = distinct records; the same rows per table in every database)
 *     and prints Markdown tables, with the load average at the start and end of each size.
 * `--cpu-prof` also profiles the CLI (main thread and the parse worker) and prints where its CPU
 * time went; it slows the CLI, so it is for the breakdown, not the timing.
 * PostgreSQL: BENCH_DATABASE_URL (an admin connection; default postgres://postgres@127.0.0.1:5432/postgres).
 * Scratch databases `<BENCH_DB_PREFIX>_cli` and `<BENCH_DB_PREFIX>_copy` (default prefix
 * bibgraph_bench_size) are created and dropped; files go to BENCH_TMP (default the OS temp folder).
 */
import { spawn, spawnSync } from 'node:child_process';
import { createWriteStream, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';
import postgres from 'postgres';
import { openDatabase } from '../src/db/client.ts';
import { generateLibraryStream, libraryCopies } from './lib/generate-ris.ts';
import { backendCpuSeconds } from './lib/proc-cpu.ts';

const root = resolve(import.meta.dirname, '..');
const sizes = process.argv
  .slice(2)
  .filter((a) => /^\d+$/.test(a))
  .map(Number);
if (sizes.length === 0) sizes.push(1_000_000);
const cpuProfile = process.argv.includes('--cpu-prof');
const indexesAfter = !process.argv.includes('--no-indexes-after');
const adminUrl = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const prefix = process.env.BENCH_DB_PREFIX ?? 'bibgraph_bench_size';
const scratch = process.env.BENCH_TMP ?? tmpdir();
const cliDb = `${prefix}_cli`;
const copyDb = `${prefix}_copy`;

function dbUrl(name: string): string {
  const u = new URL(adminUrl);
  u.pathname = `/${name}`;
  return u.toString();
}

function log(line: string): void {
  console.error(`[${new Date().toISOString().slice(11, 19)}] ${line}`);
}

/** Tables a freshly migrated database holds rows in (see `writtenTables`). */
const MIGRATION_FILLED = new Set<string>();

/** A fresh database with the committed migrations applied (as the service applies them). */
async function migratedDatabase(admin: postgres.Sql, name: string): Promise<string> {
  await admin.unsafe(`drop database if exists ${name} with (force)`);
  await admin.unsafe(`create database ${name}`);
  const url = dbUrl(name);
  const handle = await openDatabase({ databaseUrl: url, dataDir: '' });
  await handle.close();
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    for (const table of (await writtenTables(sql)).keys()) MIGRATION_FILLED.add(table);
  } finally {
    await sql.end();
  }
  return url;
}

interface Watched {
  seconds: number;
  /** What the command measured itself, when it prints `{"ms": …}` (the COPY load, without startup). */
  reportedSeconds: number | null;
  /** Max RSS as the kernel reports it to /usr/bin/time (ru_maxrss of the process, all threads). */
  maxRssMb: number;
  /** The highest VmHWM sampled from /proc (a check on the above). */
  sampledHwmMb: number;
  threads: number;
  /** The highest VmRSS sampled in each tenth of the run, MB: flat, or growing with the input. */
  rssByTenth: number[];
  cpuSeconds: number;
  /** CPU time of the watched database's server processes while the command ran. */
  backendCpuSeconds: number;
  output: string;
}

function readProc(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return null;
  }
}

/**
 * Runs `node <args>` under /usr/bin/time -v and samples it: /proc/<pid>/status of the node process
 * every 200 ms, and the CPU time of `database`'s backends (pg_stat_activity → /proc/<pid>/stat).
 */
async function runWatched(
  admin: postgres.Sql,
  args: string[],
  env: NodeJS.ProcessEnv,
  database: string,
): Promise<Watched> {
  const t0 = performance.now();
  const child = spawn('/usr/bin/time', ['-v', process.execPath, ...args], {
    cwd: root,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (d) => {
    output += d;
  });
  child.stderr.on('data', (d) => {
    output += d;
  });
  const exited = new Promise<number | null>((done, fail) => {
    child.on('error', fail);
    child.on('close', (code) => done(code));
  });
  let running = true;
  let hwmKb = 0;
  let threads = 0;
  const rssSamples: Array<[number, number]> = [];
  const backendSeconds = new Map<number, number>();
  const sampleProcess = setInterval(() => {
    const kids = readProc(`/proc/${child.pid}/task/${child.pid}/children`)?.trim().split(/\s+/) ?? [];
    const pid = kids[0];
    if (!pid) return;
    const status = readProc(`/proc/${pid}/status`);
    if (!status) return;
    hwmKb = Math.max(hwmKb, Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0));
    threads = Math.max(threads, Number(/Threads:\s+(\d+)/.exec(status)?.[1] ?? 0));
    rssSamples.push([performance.now() - t0, Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024]);
  }, 200);
  const sampleBackends = (async () => {
    while (running) {
      for (const [pid, seconds] of await backendCpuSeconds(admin, database))
        backendSeconds.set(pid, Math.max(backendSeconds.get(pid) ?? 0, seconds));
      await new Promise((done) => setTimeout(done, 500));
    }
  })();
  const code = await exited;
  const seconds = (performance.now() - t0) / 1000;
  running = false;
  clearInterval(sampleProcess);
  await sampleBackends;
  const maxRss = /Maximum resident set size \(kbytes\): (\d+)/.exec(output);
  if (code !== 0 || !maxRss)
    throw new Error(`node ${args.join(' ')} failed (${code}):\n${output.slice(-4000)}`);
  const time = (label: string) =>
    Number(new RegExp(`${label} time \\(seconds\\): ([\\d.]+)`).exec(output)?.[1] ?? 0);
  const rssByTenth = Array.from({ length: 10 }, (_, i) =>
    Math.round(
      Math.max(
        0,
        ...rssSamples.filter(([ms]) => Math.floor((ms / (seconds * 1000)) * 10) === i).map(([, mb]) => mb),
      ),
    ),
  );
  const reported = /^\{"ms":([\d.]+)\}$/m.exec(output);
  return {
    seconds,
    reportedSeconds: reported ? Number(reported[1]) / 1000 : null,
    maxRssMb: Number(maxRss[1]) / 1024,
    sampledHwmMb: hwmKb / 1024,
    threads,
    rssByTenth,
    cpuSeconds: time('User') + time('System'),
    backendCpuSeconds: [...backendSeconds.values()].reduce((sum, t) => sum + t, 0),
    output,
  };
}

/**
 * Tables of the public schema with rows, parents before the tables whose foreign keys name them;
 * without those a freshly migrated database already fills (the write generation's one row, which
 * triggers keep): they are bookkeeping, not what the ingest wrote, and COPY into them would collide.
 */
async function writtenTables(sql: postgres.Sql): Promise<Map<string, number>> {
  const names = await sql<Array<{ name: string }>>`
    select table_name as name from information_schema.tables
    where table_schema = 'public' and table_type = 'BASE TABLE' order by table_name`;
  const edges = await sql<Array<{ child: string; parent: string }>>`
    select conrelid::regclass::text as child, confrelid::regclass::text as parent
    from pg_constraint where contype = 'f' and connamespace = 'public'::regnamespace`;
  const counts = new Map<string, number>();
  const ordered: string[] = [];
  const visit = (table: string, path: Set<string>) => {
    if (ordered.includes(table) || path.has(table)) return;
    path.add(table);
    for (const e of edges) if (e.child === table && e.parent !== table) visit(e.parent, path);
    ordered.push(table);
  };
  for (const { name } of names) visit(name, new Set());
  for (const table of ordered) {
    if (MIGRATION_FILLED.has(table)) continue;
    const [row] = await sql.unsafe<Array<{ n: string }>>(`select count(*) as n from "${table}"`);
    const n = Number(row?.n ?? 0);
    if (n > 0) counts.set(table, n);
  }
  return counts;
}

async function databaseMb(admin: postgres.Sql, name: string): Promise<number> {
  const [row] = await admin<Array<{ bytes: string }>>`select pg_database_size(${name}) as bytes`;
  return Number(row?.bytes ?? 0) / 1024 ** 2;
}

/** Self time of a .cpuprofile by where the code lives (bibgraph folder, package, node, GC, idle). */
function profileBuckets(file: string): { totalMs: number; buckets: Array<[string, number]> } {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as {
    nodes: Array<{ id: number; callFrame: { functionName: string; url: string } }>;
    samples: number[];
    timeDeltas: number[];
  };
  const bucketOf = new Map<number, string>();
  for (const { id, callFrame } of profile.nodes) {
    const { url, functionName } = callFrame;
    let bucket: string;
    if (!url) bucket = functionName.startsWith('(') ? functionName : '(native)';
    else if (url.startsWith('node:')) bucket = 'node internals';
    else {
      const path = relative(root, url.replace(/^file:\/\//, ''));
      const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path)?.[1];
      bucket = pkg ?? path.split('/').slice(0, 2).join('/');
    }
    bucketOf.set(id, bucket);
  }
  const ms = new Map<string, number>();
  let totalMs = 0;
  profile.samples.forEach((id, i) => {
    const delta = (profile.timeDeltas[i] ?? 0) / 1000;
    totalMs += delta;
    const b = bucketOf.get(id) ?? '?';
    ms.set(b, (ms.get(b) ?? 0) + delta);
  });
  return { totalMs, buckets: [...ms].sort((a, b) => b[1] - a[1]) };
}

function psql(url: string, script: string): void {
  const r = spawnSync('psql', [url, '-v', 'ON_ERROR_STOP=1', '-q'], { input: script, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`psql failed: ${r.stderr}`);
}

function markdown(headers: string[], rows: Array<Array<string | number>>): string {
  const cells = rows.map((r) =>
    r.map((c) => (typeof c === 'number' ? c.toLocaleString('en-US', { maximumFractionDigits: 2 }) : c)),
  );
  const numeric = headers.map((_, i) => rows.every((r) => typeof r[i] === 'number'));
  const widths = headers.map((h, i) => Math.max(h.length, 3, ...cells.map((r) => String(r[i]).length)));
  const line = (r: string[]) =>
    `| ${r.map((c, i) => (numeric[i] ? c.padStart(widths[i] ?? 0) : c.padEnd(widths[i] ?? 0))).join(' | ')} |`;
  const rule = `| ${widths.map((w, i) => (numeric[i] ? `${'-'.repeat(w - 1)}:` : '-'.repeat(w))).join(' | ')} |`;
  return [line(headers), rule, ...cells.map((r) => line(r.map(String)))].join('\n');
}

/** COPY's own time: load, index builds, sequences and commit, not the node process starting. */
const copySeconds = (w: Watched) => w.reportedSeconds ?? w.seconds;

const round = (n: number, digits = 1) => Number(n.toFixed(digits));

interface Result {
  n: number;
  distinct: number;
  fileMb: number;
  rows: number;
  cli: Watched;
  copy: Watched;
  copyAfter: Watched | null;
  cliDbMb: number;
  copyDbMb: number;
  load: [number, number];
  profile: Array<{ name: string; totalMs: number; buckets: Array<[string, number]> }>;
}

async function measure(admin: postgres.Sql, n: number): Promise<Result> {
  const loadStart = loadavg()[0] as number;
  const dir = mkdtempSync(join(scratch, 'bibgraph-ingest-size-'));
  try {
    const file = join(dir, `library-${n}.ris`);
    let t = performance.now();
    await pipeline(generateLibraryStream(n), createWriteStream(file));
    const fileMb = statSync(file).size / 1024 ** 2;
    const distinct = n - libraryCopies(n);
    log(`${n}: generated ${fileMb.toFixed(0)} MB in ${((performance.now() - t) / 1000).toFixed(1)} s`);

    const cliUrl = await migratedDatabase(admin, cliDb);
    const profDir = join(dir, 'profiles');
    log(`${n}: bibgraph ingest (load average ${loadStart.toFixed(2)})`);
    const cli = await runWatched(
      admin,
      [
        ...(cpuProfile ? ['--cpu-prof', `--cpu-prof-dir=${profDir}`] : []),
        join(root, 'bin/bibgraph.mjs'),
        'ingest',
        file,
      ],
      { ...process.env, DATABASE_URL: cliUrl, BIBGRAPH_MAX_INGEST_SIZE: '16GB' },
      cliDb,
    );
    log(
      `${n}: ingest ${cli.seconds.toFixed(1)} s, max RSS ${cli.maxRssMb.toFixed(0)} MB, RSS by tenth of the run ${cli.rssByTenth.join(' ')} MB; CLI said:\n${cli.output.split('\n\tCommand being timed')[0]?.trim()}`,
    );
    const sql = postgres(cliUrl, { max: 1, onnotice: () => {} });
    const dumped = new Map<string, number>();
    try {
      const counts = await writtenTables(sql);
      if (counts.get('citations') !== distinct)
        throw new Error(`the ingest stored ${counts.get('citations')} citations, expected ${distinct}`);
      t = performance.now();
      for (const [table, count] of counts) {
        // psql's \copy rather than postgres.js' copy readable: after a large COPY TO, postgres.js
        // 3.4.9 never answered the connection's next query (the dump of a second table hung) — its
        // socket stays paused when CopyData hits the high-water mark in the chunk that holds
        // CopyDone (porsager/postgres#499, fix proposed in #1016, not released).
        psql(cliUrl, `\\copy "${table}" to '${join(dir, `${table}.copy`)}'`);
        dumped.set(table, count);
      }
      log(
        `${n}: dumped ${[...dumped].map(([t, c]) => `${t} ${c}`).join(', ')} in ${((performance.now() - t) / 1000).toFixed(1)} s`,
      );
    } finally {
      await sql.end();
    }
    const cliDbMb = await databaseMb(admin, cliDb);
    await admin.unsafe(`drop database if exists ${cliDb} with (force)`);
    rmSync(file);

    const copyInto = async (indexes: 'keep' | 'after'): Promise<{ run: Watched; mb: number }> => {
      const url = await migratedDatabase(admin, copyDb);
      log(`${n}: COPY, indexes ${indexes === 'keep' ? 'in place' : 'built afterwards'}`);
      const run = await runWatched(
        admin,
        ['--import', 'tsx', join(root, 'bench/lib/copy-load.ts'), url, dir, indexes, ...dumped.keys()],
        process.env,
        copyDb,
      );
      const sql = postgres(url, { max: 1, onnotice: () => {} });
      try {
        const counts = await writtenTables(sql);
        for (const [table, count] of dumped)
          if (counts.get(table) !== count)
            throw new Error(
              `COPY (${indexes}) left ${counts.get(table) ?? 0} rows in ${table}, the ingest ${count}`,
            );
        if (counts.size !== dumped.size)
          throw new Error(`COPY (${indexes}) wrote other tables: ${[...counts.keys()]}`);
      } finally {
        await sql.end();
      }
      const mb = await databaseMb(admin, copyDb);
      await admin.unsafe(`drop database if exists ${copyDb} with (force)`);
      log(`${n}: COPY (${indexes}) ${copySeconds(run).toFixed(1)} s (process ${run.seconds.toFixed(1)} s)`);
      return { run, mb };
    };
    const copy = await copyInto('keep');
    const copyAfter = indexesAfter ? (await copyInto('after')).run : null;
    const profile = cpuProfile
      ? readdirSync(profDir)
          .filter((f) => f.endsWith('.cpuprofile'))
          .map((f) => ({ name: f, ...profileBuckets(join(profDir, f)) }))
      : [];
    return {
      n,
      distinct,
      fileMb,
      rows: [...dumped.values()].reduce((s, c) => s + c, 0),
      cli,
      copy: copy.run,
      copyAfter,
      cliDbMb,
      copyDbMb: copy.mb,
      load: [loadStart, loadavg()[0] as number],
      profile,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const admin = postgres(adminUrl, { max: 2, onnotice: () => {} });
const results: Result[] = [];
try {
  for (const n of sizes) results.push(await measure(admin, n));
} finally {
  await admin.unsafe(`drop database if exists ${cliDb} with (force)`);
  await admin.unsafe(`drop database if exists ${copyDb} with (force)`);
  await admin.end();
}

console.log(
  `\n## Ingest at size: the CLI vs COPY of the same rows (PostgreSQL, ${new Date().toISOString().slice(0, 16)} UTC)\n`,
);
console.log(
  markdown(
    [
      'records',
      'citations',
      'rows written',
      'CLI ingest s',
      'records/s',
      'CLI peak RSS MB',
      'COPY s',
      'ingest ÷ COPY',
      'COPY, indexes after, s',
      'COPY client RSS MB',
      'DB size MB',
      'load avg start → end',
    ],
    results.map((r) => [
      r.n,
      r.distinct,
      r.rows,
      round(r.cli.seconds),
      Math.round(r.n / r.cli.seconds),
      Math.round(r.cli.maxRssMb),
      round(copySeconds(r.copy)),
      round(r.cli.seconds / copySeconds(r.copy)),
      r.copyAfter ? round(copySeconds(r.copyAfter)) : '—',
      Math.round(r.copy.maxRssMb),
      `${Math.round(r.cliDbMb)} (COPY: ${Math.round(r.copyDbMb)})`,
      `${r.load[0].toFixed(2)} → ${r.load[1].toFixed(2)}`,
    ]),
  ),
);
console.log('\n### Where the time goes\n');
console.log(
  markdown(
    [
      'records',
      'file MB',
      'CLI wall s',
      'CLI CPU s (all threads)',
      'PostgreSQL CPU s (ingest)',
      'COPY wall s',
      'PostgreSQL CPU s (COPY)',
      'CLI threads',
      'sampled VmHWM MB',
    ],
    results.map((r) => [
      r.n,
      Math.round(r.fileMb),
      round(r.cli.seconds),
      round(r.cli.cpuSeconds),
      round(r.cli.backendCpuSeconds),
      round(copySeconds(r.copy)),
      round(r.copy.backendCpuSeconds),
      r.cli.threads,
      Math.round(r.cli.sampledHwmMb),
    ]),
  ),
);
for (const r of results) {
  for (const p of r.profile) {
    console.log(
      `\n### CPU profile of the CLI at ${r.n.toLocaleString('en-US')} records: ${p.name} (${round(p.totalMs / 1000)} s sampled)\n`,
    );
    console.log(
      markdown(
        ['where', 'self s', 'share'],
        p.buckets
          .slice(0, 12)
          .map(([b, ms]) => [b, round(ms / 1000), `${((ms / p.totalMs) * 100).toFixed(0)} %`]),
      ),
    );
  }
}
