/**
 * Seeds (or confirms) the cached benchmark databases without measuring anything, e.g. in the
 * background before a run:  npx tsx bench/seed.ts 10000 100000 1000000
 */
import { seededDatabase } from './lib/seeded-db.ts';

for (const arg of process.argv.slice(2)) console.log(await seededDatabase(Number(arg)));
