import { sql } from 'drizzle-orm';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DatabaseHandle, openDatabase, rowsOf } from '../../src/db/client.ts';
import { ingestRis } from '../../src/ingest/ingest.ts';

const url = process.env.TEST_DATABASE_URL;

function file(from: number, to: number): string {
  let out = '';
  for (let i = from; i < to; i++) {
    out += `TY  - JOUR\nTI  - Overlapping paper number ${i}\nAU  - Shared, Author\nAU  - Person${i % 7}, Given\n`;
    out += `PY  - 2020\nKW  - shared keyword\nKW  - topic ${i % 5}\nAD  - Shared Institute, Oslo, Norway\n`;
    if (i % 2 === 0) out += `DO  - 10.5555/overlap.${i}\n`;
    out += 'ER  - \n\n';
  }
  return out;
}

// Concurrency needs real connections committing side by side: PostgreSQL only, in a database of its own.
describe.skipIf(!url)('concurrent ingests on PostgreSQL', () => {
  const dbName = `bibgraph_concurrency_${process.pid}`;
  let admin: postgres.Sql;
  let handles: DatabaseHandle[] = [];

  beforeAll(async () => {
    admin = postgres(url as string, { max: 1, onnotice: () => {} });
    await admin.unsafe(`drop database if exists ${dbName}`);
    await admin.unsafe(`create database ${dbName}`);
    const own = new URL(url as string);
    own.pathname = `/${dbName}`;
    handles = await Promise.all(
      [0, 1, 2].map(() => openDatabase({ databaseUrl: own.toString(), dataDir: '', maxConnections: 2 })),
    );
  });

  afterAll(async () => {
    await Promise.all(handles.map((h) => h.close()));
    await admin.unsafe(`drop database if exists ${dbName} with (force)`);
    await admin.end();
  });

  it('never creates duplicates when overlapping files arrive at once', async () => {
    const files = [file(0, 300), file(150, 450), file(100, 400)];
    const reports = await Promise.all(
      files.map((f, i) => ingestRis(handles[i]?.db as never, f, { batchSize: 50 })),
    );
    for (const r of reports) expect(r.failed).toBe(0);
    const db = handles[0]?.db;
    if (!db) throw new Error('no database');
    const one = async (q: string) => rowsOf<{ n: number }>(await db.execute(sql.raw(q)))[0]?.n;
    expect(await one('select count(*)::int as n from citations')).toBe(450);
    expect(reports.reduce((s, r) => s + r.created, 0)).toBe(450);
    expect(await one('select count(*)::int as n from authors')).toBe(8);
    expect(await one('select count(*)::int as n from keywords')).toBe(6);
    expect(await one('select count(*)::int as n from affiliations')).toBe(1);
    expect(
      await one(
        'select count(*)::int as n from (select citation_id from contributions group by citation_id having count(*) <> 2) x',
      ),
    ).toBe(0);
  });
});
