/**
 * The benchmark databases: `bibgraph_query_<size>` on the local PostgreSQL, seeded once
 * (bench/lib/seed.ts) and kept between runs. A marker table records what was seeded, so a changed
 * seed shape (SEED_VERSION) or a half-finished seed is redone rather than measured.
 */
import postgres from 'postgres';
import { openDatabase } from '../../src/db/client.ts';
import { seedDatabase } from './seed.ts';

const SEED_VERSION = 1;
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
      try {
        const marker = await db`select n, version from bench_seed`.catch(() => []);
        if (marker[0]?.n === n && marker[0]?.version === SEED_VERSION) {
          // Migrations added since the seed still apply (they are idempotent by journal).
          const handle = await openDatabase({ databaseUrl: url, dataDir: '' });
          await handle.close();
          return url;
        }
      } finally {
        await db.end();
      }
      await admin.unsafe(`drop database ${name} with (force)`);
    }
    log(`seeding ${n.toLocaleString('en')} citations into ${name} …`);
    await admin.unsafe(`create database ${name}`);
    const handle = await openDatabase({ databaseUrl: url, dataDir: '' });
    await handle.close();
    const db = postgres(url, { max: 1, onnotice: () => {} });
    try {
      const t0 = performance.now();
      await seedDatabase(db, n, log);
      await db.unsafe(
        'create table bench_seed (n int not null, version int not null, seconds real not null)',
      );
      await db`insert into bench_seed values (${n}, ${SEED_VERSION}, ${(performance.now() - t0) / 1000})`;
      log(`seeded ${name} in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
    } finally {
      await db.end();
    }
    return url;
  } finally {
    await admin.end();
  }
}
