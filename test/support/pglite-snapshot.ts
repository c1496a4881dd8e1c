/**
 * Vitest global setup: migrate one PGlite database once per run (or reuse the one a previous run
 * left for the same migrations and PGlite version) and hand its data directory to every test file,
 * which opens a copy instead of creating and migrating its own.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { migrationsFolder, openDatabase } from '../../src/db/client.ts';

function migrationsHash(): string {
  const hash = createHash('sha256');
  const pglite = JSON.parse(
    readFileSync(join(import.meta.dirname, '../../node_modules/@electric-sql/pglite/package.json'), 'utf8'),
  ) as { version: string };
  hash.update(pglite.version);
  for (const dir of readdirSync(migrationsFolder).sort()) {
    const file = join(migrationsFolder, dir, 'migration.sql');
    if (existsSync(file)) hash.update(dir).update(readFileSync(file));
  }
  return hash.digest('hex').slice(0, 16);
}

export default async function setup(project: TestProject): Promise<void> {
  const path = join(tmpdir(), `bibgraph-test-pglite-${migrationsHash()}.tar.gz`);
  if (!existsSync(path)) {
    const handle = await openDatabase({ databaseUrl: null, dataDir: 'memory://' });
    try {
      const dump = await (handle.dumpDataDir as () => Promise<Blob>)();
      // Written aside and renamed, so a run that stops half-way leaves no broken snapshot behind.
      const partial = `${path}.${process.pid}.partial`;
      writeFileSync(partial, Buffer.from(await dump.arrayBuffer()));
      renameSync(partial, path);
    } finally {
      await handle.close();
    }
  }
  project.provide('pgliteSnapshot', path);
}

declare module 'vitest' {
  export interface ProvidedContext {
    pgliteSnapshot: string;
  }
}
