// Ingests every file of a folder into a throwaway in-memory database and prints, per file, the
// format it was read as, the records found, what was stored, the problems and any verdict.
// Usage: npm run corpus -- <folder> [--format AUTO|RIS|BIBTEX|CSL_JSON|MEDLINE|WOS] [--postgres URL]
import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { parseArgs } from 'node:util';
import { formatTable } from '../src/cli/table.ts';
import { openDatabase } from '../src/db/client.ts';
import type { FormatChoice } from '../src/formats/read.ts';
import { INPUT_FORMATS } from '../src/formats/types.ts';
import { IngestError } from '../src/ingest/errors.ts';
import { ingestRis } from '../src/ingest/ingest.ts';

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: {
    postgres: { type: 'string' },
    verbose: { type: 'boolean', default: false },
    format: { type: 'string', default: 'AUTO' },
  },
});
const folder = positionals[0];
const format = (values.format ?? 'AUTO').toUpperCase() as FormatChoice;
if (!folder || (format !== 'AUTO' && !(INPUT_FORMATS as readonly string[]).includes(format))) {
  console.error(
    `usage: npm run corpus -- <folder> [--format AUTO|${INPUT_FORMATS.join('|')}] [--postgres URL] [--verbose]`,
  );
  process.exit(2);
}
// JSON files are metadata in most folders; they are read only when CSL-JSON is asked for.
const skipped = format === 'CSL_JSON' ? /\.md$/i : /\.(md|json)$/i;

async function walk(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of (await readdir(dir, { withFileTypes: true })).sort((a, b) =>
    a.name.localeCompare(b.name),
  )) {
    const full = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await walk(full)));
    else if (e.isFile() && !skipped.test(e.name)) out.push(full);
  }
  return out;
}

/** Rough count of records as a person would count them: lines opening with TY, or TY tags inside flattened lines. */
function expectedRecords(text: string): number {
  let n = 0;
  for (const line of text.split(/\r\n|\r|\n/)) {
    const clean = line.replace(/^\uFEFF/, '');
    if (/^TY {1,2}-/.test(clean)) n += (clean.match(/(?:^| )TY {1,2}- /g) ?? []).length || 1;
  }
  return n;
}

const database = await openDatabase({ databaseUrl: values.postgres ?? null, dataDir: 'memory://' });
const rows: Array<Array<string | number>> = [];
const totals = {
  files: 0,
  found: 0,
  expected: 0,
  created: 0,
  updated: 0,
  unchanged: 0,
  failed: 0,
  errors: 0,
  warnings: 0,
  notRis: 0,
  crashed: 0,
};
const started = performance.now();
for (const file of await walk(folder)) {
  totals.files++;
  const bytes = await readFile(file);
  const expected = expectedRecords(bytes.toString('utf8'));
  const name = relative(folder, file);
  try {
    const r = await ingestRis(database.db, bytes, { source: name, format });
    const errors = r.problems.filter((p) => p.severity === 'error').length;
    const warnings = r.problems.filter((p) => p.severity === 'warning').length;
    totals.found += r.found;
    totals.expected += expected;
    totals.created += r.created;
    totals.updated += r.updated;
    totals.unchanged += r.unchanged;
    totals.failed += r.failed;
    totals.errors += errors;
    totals.warnings += warnings;
    rows.push([
      name,
      expected,
      r.found,
      r.created,
      r.updated + r.unchanged,
      r.failed,
      errors,
      warnings,
      // TY lines count RIS records only; other formats are named instead.
      r.format !== 'RIS' ? `read as ${r.format}` : r.found === expected ? '' : 'count differs',
    ]);
    if (values.verbose)
      for (const p of r.problems.filter((x) => x.severity !== 'info'))
        console.log(`  ${name}: record ${p.record} line ${p.line}: ${p.severity}: ${p.message}`);
  } catch (error) {
    const notRis = error instanceof IngestError && error.code === 'UNSUPPORTED_FORMAT';
    if (notRis) totals.notRis++;
    else totals.crashed++;
    totals.expected += expected;
    rows.push([
      name,
      expected,
      0,
      0,
      0,
      0,
      0,
      0,
      notRis ? `unsupported: ${error.message}` : `FAILED: ${(error as Error).message}`,
    ]);
  }
}
await database.close();
console.log(
  formatTable(
    ['file', 'TY lines', 'found', 'created', 'matched', 'failed', 'errors', 'warnings', 'verdict'],
    rows,
  ),
);
console.log(
  `\n${totals.files} files in ${((performance.now() - started) / 1000).toFixed(1)} s: ${totals.found} records found (${totals.expected} TY lines), ` +
    `${totals.created} created, ${totals.updated + totals.unchanged} matched existing, ${totals.failed} failed; ` +
    `${totals.errors} error and ${totals.warnings} warning problems; ${totals.notRis} files in no supported format; ${totals.crashed} files crashed`,
);
process.exit(totals.crashed > 0 ? 1 : 0);
