/**
 * Runs the RIS lexer over every file of a folder and compares the records it finds with a naive
 * count of `TY`/`ER` lines, to catch files where the two disagree.
 * Usage: npx tsx scripts/measure-parse-corpus.ts [folder]   (default /work/shared/corpus/ris)
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { decodeRisBytes } from '../src/ris/decode.js';
import { parseRis } from '../src/ris/parse.js';

const root = process.argv[2] ?? '/work/shared/corpus/ris';

function walk(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...walk(path));
    else if (name !== 'SOURCES.md') out.push(path);
  }
  return out;
}

interface Row {
  file: string;
  kind: string;
  records: number;
  tyLines: number;
  erLines: number;
  errors: number;
  warnings: number;
  infos: number;
  ms: number;
}

const rows: Row[] = [];
for (const path of walk(root)) {
  const bytes = readFileSync(path);
  const { text } = decodeRisBytes(bytes);
  let tyLines = 0;
  let erLines = 0;
  for (const line of text.split(/\r\n|\r|\n/)) {
    if (/^TY {1,2}-/.test(line)) tyLines++;
    else if (/^ER(?:\s+-|\s*$)/.test(line)) erLines++;
  }
  const t0 = performance.now();
  const result = parseRis(bytes);
  const ms = performance.now() - t0;
  const count = (s: string) => result.problems.filter((p) => p.severity === s).length;
  rows.push({
    file: relative(root, path),
    kind: result.kind,
    records: result.records.length,
    tyLines,
    erLines,
    errors: count('error'),
    warnings: count('warning'),
    infos: count('info'),
    ms,
  });
}

const header = ['file', 'kind', 'records', 'TY', 'ER', 'err', 'warn', 'info', 'ms'];
const table = rows.map((r) => [
  r.file,
  r.kind,
  String(r.records),
  String(r.tyLines),
  String(r.erLines),
  String(r.errors),
  String(r.warnings),
  String(r.infos),
  r.ms.toFixed(1),
]);
const widths = header.map((h, i) => Math.max(h.length, ...table.map((row) => (row[i] ?? '').length)));
const fmt = (cells: string[]) =>
  cells.map((c, i) => (i < 2 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('  ');
console.log(fmt(header));
for (const row of table) console.log(fmt(row));

const ris = rows.filter((r) => r.kind === 'ris');
const sum = (f: (r: Row) => number, rs: Row[] = rows) => rs.reduce((a, r) => a + f(r), 0);
console.log('');
console.log(`files: ${rows.length} (RIS ${ris.length}, not RIS ${rows.length - ris.length})`);
for (const r of rows.filter((x) => x.kind !== 'ris')) console.log(`  not RIS: ${r.file} → ${r.kind}`);
console.log(
  `records found: ${sum((r) => r.records)}; TY lines ${sum((r) => r.tyLines, ris)}, ER lines ${sum((r) => r.erLines, ris)} in RIS files`,
);
console.log(
  `problems: ${sum((r) => r.errors)} errors, ${sum((r) => r.warnings)} warnings, ${sum((r) => r.infos)} infos`,
);
const odd = ris.filter((r) => r.records !== Math.max(r.tyLines, r.erLines));
console.log(`files where records ≠ max(TY, ER): ${odd.length}`);
for (const r of odd) console.log(`  ${r.file}: records ${r.records}, TY ${r.tyLines}, ER ${r.erLines}`);
