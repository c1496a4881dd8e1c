// Prints the GraphQL schema to schema.graphql (or checks it with --check).
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { printSchema } from 'graphql';
import { schema } from '../src/schema/index.ts';

const target = resolve(import.meta.dirname, '..', 'schema.graphql');
const printed = `${printSchema(schema).trimEnd()}\n`;
if (process.argv.includes('--check')) {
  const committed = readFileSync(target, 'utf8');
  if (committed !== printed) {
    console.error('schema.graphql is out of date: run npm run schema:print');
    process.exit(1);
  }
  console.log('schema.graphql is up to date');
} else {
  writeFileSync(target, printed);
  console.log(`wrote ${target}`);
}
