import { createRequire } from 'node:module';
import { defineConfig } from 'vitest/config';

const require = createRequire(import.meta.url);

export default defineConfig({
  resolve: {
    // graphql ships CJS and ESM builds; loading both breaks instanceof checks ("another realm"),
    // so every importer gets the same CJS build, as under plain Node.
    alias: { graphql: require.resolve('graphql') },
  },
  test: {
    include: ['test/**/*.test.ts'],
    // Migrates PGlite once; each test file opens a copy (test/support/db.ts).
    globalSetup: ['test/support/pglite-snapshot.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // PGlite instances are heavy (~100 MB each); two cores, so keep the pool small.
    maxWorkers: 2,
  },
});
