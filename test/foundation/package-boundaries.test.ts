import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

/*
 * The layering, checked: a folder that imports what its layer must not fails here, naming the
 * file and the import. From the inside out:
 * - pure cores (parsing, mapping, address and organization rules, the citation model) touch no
 *   database, no GraphQL and no service: the corpus scripts and worker threads run them as is;
 * - domain services (ingest, curation, queries, export, auth, audit) know the database but not
 *   GraphQL: they throw plain domain errors, which src/server/errors.ts maps once at the edge;
 * - the GraphQL schema reaches the database only through the context: it may name tables (for
 *   plugin-drizzle) but never opens or imports a connection.
 */
const SRC = join(import.meta.dirname, '../../src');

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? files(join(dir, e.name)) : /\.(ts|mjs)$/.test(e.name) ? [join(dir, e.name)] : [],
  );
}

/** Value imports (not `import type`) of a file, as written. */
function valueImports(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const out: string[] = [];
  for (const m of text.matchAll(/^\s*(import|export)\s+(type\s+)?[^'";]*?from\s+'([^']+)'/gm)) {
    if (!m[2]) out.push(m[3] as string);
  }
  for (const m of text.matchAll(/\bimport\(\s*'([^']+)'\s*\)/g)) out.push(m[1] as string);
  return out;
}

/** The src folder (or file) an import lands in, for relative imports; the package name otherwise. */
function target(file: string, spec: string): string {
  if (!spec.startsWith('.')) return spec;
  const path = relative(SRC, join(file, '..', spec));
  return path.includes('/') ? `src/${path.split('/')[0]}/` : `src/${path}`;
}

const RULES: Array<{ layer: string; folders: string[]; forbidden: RegExp; why: string }> = [
  {
    layer: 'pure cores',
    folders: ['address', 'organizations', 'formats', 'ris', 'citation'],
    forbidden:
      /^(drizzle-orm|postgres|@electric-sql\/pglite|graphql|graphql-yoga|@pothos\/.*|src\/(db\/|schema\/|server\/|ingest\/|query\/|curation\/|export\/|cli\/|live\/|auth\/))$/,
    why: 'no database, GraphQL or service in a pure core',
  },
  {
    layer: 'domain services',
    folders: ['ingest', 'curation', 'query', 'export', 'auth', 'audit'],
    forbidden: /^(graphql|graphql-yoga|@pothos\/.*|src\/(schema|server|cli)\/)$/,
    why: 'services throw domain errors; GraphQL is mapped at the edge',
  },
  {
    layer: 'GraphQL schema',
    folders: ['schema'],
    forbidden: /^(postgres|@electric-sql\/pglite|src\/cli\/)$/,
    why: 'the database reaches resolvers only through the context',
  },
];

describe('package boundaries', () => {
  for (const rule of RULES) {
    it(`${rule.layer} (${rule.folders.join(', ')}): ${rule.why}`, () => {
      const offences: string[] = [];
      for (const folder of rule.folders) {
        for (const file of files(join(SRC, folder))) {
          for (const spec of valueImports(file)) {
            const to = target(file, spec);
            // Tables are the model's source (citation/fields.ts derives its types from them).
            if (rule.layer === 'pure cores' && folder === 'citation' && to === 'src/db/') {
              if (spec.endsWith('/db/schema.ts')) continue;
            }
            if (rule.forbidden.test(to)) offences.push(`${relative(SRC, file)} imports ${spec}`);
          }
        }
      }
      expect(offences).toEqual([]);
    });
  }

  it('the schema imports no connection: only tables, relations and types from src/db', () => {
    const offences: string[] = [];
    for (const file of files(join(SRC, 'schema'))) {
      for (const spec of valueImports(file)) {
        if (target(file, spec) === 'src/db/' && !/\/db\/(schema|relations)\.ts$/.test(spec)) {
          offences.push(`${relative(SRC, file)} imports ${spec}`);
        }
      }
    }
    expect(offences).toEqual([]);
  });
});
