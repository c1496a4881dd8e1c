/**
 * The benchmark databases: `bibgraph_query_<size>` on the local PostgreSQL, seeded once
 * (bench/lib/seed.ts) and kept between runs. A marker table records what was seeded, so a changed
 * seed shape or a half-finished seed is redone rather than measured, and a seed of an older
 * version is brought up to date in place by the steps it lacks (a 1M seed takes minutes).
 *
 * The marker: `version` is the base seed the database was made with (seedDatabase; 2 since its
 * vocabulary is Zipf-like, 1 before), and `upgraded_to` the last in-place step run on it (null:
 * none, which is step 1). In-place steps are numbered apart from the base: a base seed of another
 * version is dropped and made anew, and its steps then run on it.
 */
import { sql } from 'drizzle-orm';
import postgres from 'postgres';
import { type DatabaseHandle, openDatabase } from '../../src/db/client.ts';
import { seedDatabase, seedOrganizations } from './seed.ts';

/** The base seed (seedDatabase): a database of another base version is re-seeded. */
const BASE_VERSION = 2;
/** The step a fresh base seed is at: none of UPGRADES has run on it. */
const FRESH = 1;

/** In-place steps after the base seed, in order: a seed lacking one runs it and those after. */
const UPGRADES: Array<{
  version: number;
  name: string;
  run: (handle: DatabaseHandle, n: number, log: (line: string) => void) => Promise<void>;
}> = [
  { version: 2, name: 'organizations', run: (h, n, log) => seedOrganizations(h.db, n, log) },
  // The seed writes with triggers off (replica mode), so the kept facets are counted afterwards.
  {
    version: 3,
    name: 'facet totals',
    run: async (h) => {
      await h.db.execute(sql`select rebuild_facet_totals()`);
      // The seed's own ANALYZE ran before; autovacuum may be off.
      await h.db.execute(sql`analyze facet_totals, facet_memberships`);
    },
  },
];

const ADMIN_URL = process.env.BENCH_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export function sizeLabel(n: number): string {
  return n >= 1_000_000 && n % 1_000_000 === 0
    ? `${n / 1_000_000}m`
    : n >= 1000 && n % 1000 === 0
      ? `${n / 1000}k`
      : String(n);
}

export function databaseUrl(name: string): string {
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  return url.toString();
}

/** The URL of a database holding exactly `n` seeded citations, seeding it first when needed. */
export async function seededDatabase(
  n: number,
  log: (line: string) => void = console.error,
): Promise<string> {
  const name = `bibgraph_query_${sizeLabel(n)}`;
  const url = databaseUrl(name);
  const admin = postgres(ADMIN_URL, { max: 1, onnotice: () => {} });
  try {
    const exists = await admin`select 1 from pg_database where datname = ${name}`;
    if (exists.length > 0) {
      const db = postgres(url, { max: 1, onnotice: () => {} });
      let current: number | null = null;
      try {
        // `select *`: markers from before version 2 have no upgraded_to column.
        const marker = await db`select * from bench_seed`.catch(() => []);
        if (marker[0]?.n === n && marker[0]?.version === BASE_VERSION)
          current = marker[0]?.upgraded_to ?? FRESH;
      } finally {
        await db.end();
      }
      if (current !== null) {
        // Migrations added since the seed still apply (they are idempotent by journal).
        const handle = await openDatabase({ databaseUrl: url, dataDir: '' });
        try {
          await upgrade(handle, url, n, current, log);
        } finally {
          await handle.close();
        }
        return url;
      }
      await admin.unsafe(`drop database ${name} with (force)`);
    }
    log(`seeding ${n.toLocaleString('en')} citations into ${name} …`);
    await admin.unsafe(`create database ${name}`);
    const handle = await openDatabase({ databaseUrl: url, dataDir: '' });
    const db = postgres(url, { max: 1, onnotice: () => {} });
    try {
      const t0 = performance.now();
      await seedDatabase(db, n, log);
      await db.unsafe(
        'create table bench_seed (n int not null, version int not null, seconds real not null, upgraded_to int)',
      );
      await db`insert into bench_seed values (${n}, ${BASE_VERSION}, ${(performance.now() - t0) / 1000})`;
      log(`seeded ${name} in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
      await upgrade(handle, url, n, FRESH, log);
    } finally {
      await db.end();
      await handle.close();
    }
    return url;
  } finally {
    await admin.end();
  }
}

/** Runs the steps after `current` on the seed at `url`, recording each in the marker as it ends. */
async function upgrade(
  handle: DatabaseHandle,
  url: string,
  n: number,
  current: number,
  log: (line: string) => void,
): Promise<void> {
  if (!UPGRADES.some((u) => u.version > current)) return;
  const db = postgres(url, { max: 1, onnotice: () => {} });
  try {
    // Two benchmarks starting at once: the second waits, then finds the steps done.
    await db`select pg_advisory_lock(hashtext('bench_seed upgrade'))`;
    await db.unsafe('alter table bench_seed add column if not exists upgraded_to int');
    const [marker] = await db`select upgraded_to from bench_seed`;
    const done = Math.max(current, Number(marker?.upgraded_to ?? 0));
    for (const step of UPGRADES.filter((u) => u.version > done)) {
      log(
        `upgrading the seed of ${n.toLocaleString('en')} citations to version ${step.version} (${step.name}) …`,
      );
      const t0 = performance.now();
      await step.run(handle, n, log);
      await db`update bench_seed set upgraded_to = ${step.version}`;
      log(`version ${step.version} in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
    }
  } finally {
    await db.end();
  }
}
