/**
 * Ingestion benchmark (npm run bench:ingest [-- records] [--runs=3] [--no-memory] [--compare-only]).
 * Prints four tables, each measured side by side in this run:
 *  1. parse speed: bibgraph's lexer vs @citation-js/plugin-ris on the same generated file, plus the
 *     adversarial 1 MB inputs (bench/parse.ts, run as a child so its heap is its own);
 *  2. ingest into PostgreSQL vs the floor: COPYing the same normalised rows into the same tables;
 *  3. ingest with this checkout vs a baseline commit — by default the last one before
 *     organizations landed (#12: addresses read into organizations, author links recomputed), or
 *     BENCH_BASELINE=<ref> (`none` skips it). The baseline's files are unpacked into a temporary
 *     folder (`git archive`, node_modules linked); both trees ingest the same file through
 *     bench/lib/ingest-once.ts in a process of their own, alternating ABBA, each into a fresh
 *     database; the table gives both medians and their ratio. `--compare-only` runs just this;
 *  4. peak memory of the CLI ingesting generated files of growing size (200 MB the largest).
 * PostgreSQL: BENCH_DATABASE_URL (an admin connection; default postgres://postgres@127.0.0.1:5432/postgres).
 * Scratch databases bibgraph_bench_ingest and bibgraph_bench_copy are created and dropped
 * (BENCH_DB_PREFIX=name replaces `bibgraph_bench`, so runs on a shared server stay apart).
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import {
  createWriteStream,
  mkdtempSync,
  realpathSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';
import postgres from 'postgres';
import { formatTable } from '../src/cli/table.ts';
import { openDatabase } from '../src/db/client.ts';
import { ingestRis } from '../src/ingest/ingest.ts';
import { generateRis, generateRisStream } from './lib/generate-ris.ts';

const root = resolve(import.meta.dirname, '..');
const N = Number(process.argv.slice(2).find((a) => /^\d+$/.test(a)) ?? 50_000);
const adminUrl = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const dbPrefix = process.env.BENCH_DB_PREFIX ?? 'bibgraph_bench';
const compareOnly = process.argv.includes('--compare-only');
const skipMemory = process.argv.includes('--no-memory') || compareOnly;
// Disk writeback makes single runs vary by ±20% on a shared machine; the table reports medians.
const RUNS = Number(/--runs=(\d+)/.exec(process.argv.join(' '))?.[1] ?? 3);

function dbUrl(name: string): string {
  const u = new URL(adminUrl);
  u.pathname = `/${name}`;
  return u.toString();
}

async function freshDatabase(admin: postgres.Sql, name: string): Promise<string> {
  await admin.unsafe(`drop database if exists ${name} with (force)`);
  await admin.unsafe(`create database ${name}`);
  return dbUrl(name);
}

// Parent tables first so COPY never meets a missing foreign key.
const TABLES = [
  'ingestions',
  'citations',
  'authors',
  'affiliations',
  'keywords',
  'contributions',
  'citation_affiliations',
  'author_affiliations',
  'citation_keywords',
];

async function section1(): Promise<void> {
  console.log(`\n## 1. Parse speed (${N.toLocaleString('en-US')} generated records)\n`);
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(root, 'bench/parse.ts'), String(N)], {
    cwd: root,
    stdio: 'inherit',
  });
  if (r.status !== 0) throw new Error('bench/parse.ts failed');
}

async function section2(admin: postgres.Sql): Promise<void> {
  console.log(
    `\n## 2. Ingest into PostgreSQL vs COPY of the same rows (${N.toLocaleString('en-US')} records, ${RUNS} runs each, alternating)\n`,
  );
  const text = generateRis(N);
  const dir = mkdtempSync(join(tmpdir(), 'bibgraph-copy-'));
  const ingestMs: number[] = [];
  const copyMs: number[] = [];
  let rowCount = 0;
  try {
    for (let run = 0; run < RUNS; run++) {
      const url = await freshDatabase(admin, `${dbPrefix}_ingest`);
      const handle = await openDatabase({ databaseUrl: url, dataDir: '' });
      const t0 = performance.now();
      const report = await ingestRis(handle.db, text, { source: 'bench', batchSize: 1000 });
      ingestMs.push(performance.now() - t0);
      await handle.close();
      if (report.failed > 0 || report.created !== N)
        throw new Error(`ingest stored ${report.created} of ${N}`);

      if (run === 0) {
        // The floor: the normalised rows the ingest produced, COPYed into an empty migrated
        // database. psql's \copy streams files through one session, as one transaction like the ingest.
        psql(url, TABLES.map((t) => `\\copy ${t} to '${join(dir, `${t}.tsv`)}'`).join('\n'));
        rowCount = psql(url, TABLES.map((t) => `select count(*) from ${t};`).join('\n'), ['-At'])
          .trim()
          .split('\n')
          .reduce((sum, n) => sum + Number(n), 0);
      }
      const copyUrl = await freshDatabase(admin, `${dbPrefix}_copy`);
      const migrated = await openDatabase({ databaseUrl: copyUrl, dataDir: '' });
      await migrated.close();
      const load = [
        'begin;',
        ...TABLES.map((t) => `\\copy ${t} from '${join(dir, `${t}.tsv`)}'`),
        'commit;',
      ].join('\n');
      const t1 = performance.now();
      psql(copyUrl, load);
      copyMs.push(performance.now() - t1);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await admin.unsafe(`drop database if exists ${dbPrefix}_ingest with (force)`);
    await admin.unsafe(`drop database if exists ${dbPrefix}_copy with (force)`);
  }

  const ingestRate = (N / median(ingestMs)) * 1000;
  const copyRate = (N / median(copyMs)) * 1000;
  const runs = (ms: number[]) => ms.map((m) => (m / 1000).toFixed(1)).join(' / ');
  console.log(
    formatTable(
      ['method', 'records', 'rows written', 'median s', 'each run (s)', 'records/s', '× of COPY'],
      [
        [
          'bibgraph ingest (parse + map + dedup + upsert)',
          N,
          rowCount,
          (median(ingestMs) / 1000).toFixed(2),
          runs(ingestMs),
          Math.round(ingestRate),
          (ingestRate / copyRate).toFixed(2),
        ],
        [
          'COPY of the same normalised rows (floor)',
          N,
          rowCount,
          (median(copyMs) / 1000).toFixed(2),
          runs(copyMs),
          Math.round(copyRate),
          '1.00',
        ],
      ],
    ),
  );
  console.log(`\ntargets: ≥ 5,000 records/s and ≥ 0.30× COPY`);
  if (copyRate < 5000) {
    console.log(
      `note: COPY itself reached ${Math.round(copyRate).toLocaleString('en-US')} records/s here, so 5,000 records/s would mean writing faster than the floor`,
    );
  }
}

/** The last commit before organizations landed: the first-parent parent of the one adding their migration. */
function defaultBaseline(): string {
  const adding = execFileSync(
    'git',
    ['rev-list', '--first-parent', '--reverse', 'HEAD', '--', ':(glob)migrations/*_add_organizations/**'],
    { cwd: root, encoding: 'utf8' },
  )
    .trim()
    .split('\n')[0];
  if (!adding) throw new Error('no commit adds the organizations migration; set BENCH_BASELINE=<ref>');
  return `${adding}^1`;
}

/** The files of `ref` in a temporary folder, with this checkout's node_modules linked in. */
function unpackTree(ref: string): { dir: string; commit: string } {
  const commit = execFileSync('git', ['rev-parse', '--short', ref], { cwd: root, encoding: 'utf8' }).trim();
  const dir = mkdtempSync(join(tmpdir(), 'bibgraph-baseline-'));
  const tar = execFileSync('git', ['archive', '--format=tar', commit], { cwd: root, maxBuffer: 1 << 30 });
  execFileSync('tar', ['-x', '-C', dir], { input: tar });
  symlinkSync(realpathSync(join(root, 'node_modules')), join(dir, 'node_modules'));
  return { dir, commit };
}

function ingestOnce(tree: string, url: string, file: string): number {
  const r = spawnSync(
    process.execPath,
    ['--import', 'tsx', join(root, 'bench/lib/ingest-once.ts'), tree, url, file],
    { cwd: tree, encoding: 'utf8' },
  );
  if (r.status !== 0) throw new Error(`ingest in ${tree} failed:\n${r.stderr}`);
  const out = JSON.parse(r.stdout.trim().split('\n').at(-1) ?? '{}') as { ms: number; created: number };
  if (out.created !== N) throw new Error(`ingest in ${tree} stored ${out.created} of ${N}`);
  return out.ms;
}

async function sectionBaseline(admin: postgres.Sql): Promise<void> {
  const ref = process.env.BENCH_BASELINE ?? defaultBaseline();
  if (ref === 'none') return;
  const { dir, commit } = unpackTree(ref);
  const head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root, encoding: 'utf8' }).trim();
  const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], {
    cwd: root,
    encoding: 'utf8',
  }).trim();
  const current = `this checkout (${head}${dirty ? ' + uncommitted changes' : ''})`;
  const rounds = Math.max(RUNS, 2);
  console.log(
    `\n## 3. Ingest into PostgreSQL: ${current} vs ${commit} (${ref}) (${N.toLocaleString('en-US')} records, ${rounds} runs each, ABBA)\n`,
  );
  const file = join(dir, 'bench-input.ris');
  writeFileSync(file, generateRis(N));
  const times: Record<'current' | 'baseline', number[]> = { current: [], baseline: [] };
  const loads: number[] = [];
  try {
    for (let run = 0; run < rounds; run++) {
      // ABBA: neither side always goes first (warm caches, disk writeback of the run before).
      const order: Array<'current' | 'baseline'> =
        run % 2 === 0 ? ['current', 'baseline'] : ['baseline', 'current'];
      for (const side of order) {
        loads.push(loadavg()[0] as number);
        const url = await freshDatabase(admin, `${dbPrefix}_ingest`);
        times[side].push(ingestOnce(side === 'current' ? root : dir, url, file));
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await admin.unsafe(`drop database if exists ${dbPrefix}_ingest with (force)`);
  }
  const rate = (ms: number[]) => (N / median(ms)) * 1000;
  const runs = (ms: number[]) => ms.map((m) => (m / 1000).toFixed(1)).join(' / ');
  console.log(
    formatTable(
      ['code', 'median s', 'each run (s)', 'records/s', '× of baseline'],
      [
        [
          current,
          (median(times.current) / 1000).toFixed(2),
          runs(times.current),
          Math.round(rate(times.current)),
          (rate(times.current) / rate(times.baseline)).toFixed(2),
        ],
        [
          `baseline ${commit}`,
          (median(times.baseline) / 1000).toFixed(2),
          runs(times.baseline),
          Math.round(rate(times.baseline)),
          '1.00',
        ],
      ],
    ),
  );
  console.log(
    `\nload average (1 min) at each run's start: ${loads.map((l) => l.toFixed(2)).join(' ')}; target: ≥ 0.85× of the baseline (a drop of at most 15%)`,
  );
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

function psql(url: string, script: string, extra: string[] = []): string {
  const r = spawnSync('psql', [url, '-v', 'ON_ERROR_STOP=1', '-q', ...extra], {
    input: script,
    encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(`psql failed: ${r.stderr}`);
  return r.stdout;
}

/** Runs the CLI under /usr/bin/time -v and returns wall seconds and max RSS in MB. */
function runCli(file: string, url: string): Promise<{ seconds: number; rssMb: number; out: string }> {
  return new Promise((done, fail) => {
    const t0 = performance.now();
    const child = spawn(
      '/usr/bin/time',
      ['-v', process.execPath, join(root, 'bin/bibgraph.mjs'), 'ingest', file],
      {
        cwd: root,
        env: { ...process.env, DATABASE_URL: url, BIBGRAPH_MAX_INGEST_SIZE: '1GB' },
      },
    );
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
    });
    child.stderr.on('data', (d) => {
      out += d;
    });
    child.on('error', fail);
    child.on('close', (code) => {
      const m = /Maximum resident set size \(kbytes\): (\d+)/.exec(out);
      if (code !== 0 || !m) return fail(new Error(`CLI failed (${code}):\n${out}`));
      done({ seconds: (performance.now() - t0) / 1000, rssMb: Number(m[1]) / 1024, out });
    });
  });
}

async function section3(admin: postgres.Sql): Promise<void> {
  console.log('\n## 4. Peak memory of `bibgraph ingest` (streaming) on PostgreSQL\n');
  const dir = mkdtempSync(join(tmpdir(), 'bibgraph-bench-'));
  const rows: Array<Array<string | number>> = [];
  try {
    for (const mb of [10, 50, 200]) {
      const file = join(dir, `gen-${mb}mb.ris`);
      // ~1.3 KB per generated record.
      const records = Math.round((mb * 1e6) / 1300);
      await pipeline(generateRisStream(records, 7), createWriteStream(file));
      const url = await freshDatabase(admin, `${dbPrefix}_memory`);
      const r = await runCli(file, url);
      const size = statSync(file).size / 1e6;
      rows.push([
        `${size.toFixed(0)} MB file`,
        records,
        r.seconds.toFixed(1),
        Math.round(records / r.seconds),
        Math.round(r.rssMb),
      ]);
      rmSync(file);
      await admin.unsafe(`drop database if exists ${dbPrefix}_memory with (force)`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  console.log(formatTable(['input', 'records', 'seconds', 'records/s', 'peak RSS MB'], rows));
  console.log('\ntarget: peak RSS < 512 MB for the 200 MB file, and flat as the file grows');
}

const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
try {
  if (!compareOnly) {
    await section1();
    await section2(admin);
  }
  await sectionBaseline(admin);
  if (!skipMemory) await section3(admin);
} finally {
  await admin.end();
}
