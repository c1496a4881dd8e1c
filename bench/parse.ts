/**
 * Parse benchmark: our RIS lexer vs @citation-js/plugin-ris on the same generated file, plus the
 * three adversarial 1 MB inputs from the issue. Run: npx tsx bench/parse.ts [records]
 */
import { mapRecord } from '../src/ris/map.js';
import { parseRis, parseRisStream, RisParser } from '../src/ris/parse.js';
import { generateRis, generateRisStream } from './lib/generate-ris.js';

const N = Number(process.argv[2] ?? 50_000);

type CitationParse = (text: string) => unknown[];

// plugin-ris ships no types and no `exports` map; load its lexer and the core input chain by path.
async function loadCitationJs(): Promise<{ lex: CitationParse; full: CitationParse }> {
  const risPath: string = '@citation-js/plugin-ris/lib/ris.js';
  const corePath: string = '@citation-js/core';
  const pluginPath: string = '@citation-js/plugin-ris';
  const ris = (await import(risPath)) as { parse: CitationParse; default?: { parse: CitationParse } };
  await import(pluginPath);
  const core = (await import(corePath)) as {
    plugins: { input: { chain: (data: unknown, opts: Record<string, unknown>) => unknown[] } };
    default?: unknown;
  };
  const lex = ris.parse ?? ris.default?.parse;
  if (!lex) throw new Error('citation-js RIS parse function not found');
  const full: CitationParse = (text) =>
    core.plugins.input.chain(text, {
      forceType: '@ris/file',
      target: '@csl/list+object',
      generateGraph: false,
    });
  return { lex, full };
}

/**
 * The floor for any lexer that hands back every value as a string: find each line with indexOf,
 * slice tag and value, keep them per record. No validation, no line-ending or encoding handling,
 * no flattened records, no problems: a lower bound, not a parser.
 */
function bareLineLoop(s: string): number {
  const records: Array<Array<{ tag: string; value: string; line: number }>> = [];
  let tags: Array<{ tag: string; value: string; line: number }> = [];
  let pos = 0;
  let line = 0;
  while (pos < s.length) {
    let nl = s.indexOf('\n', pos);
    if (nl < 0) nl = s.length;
    line++;
    if (nl - pos >= 6 && s.charCodeAt(pos + 2) === 32 && s.charCodeAt(pos + 4) === 45) {
      const tag = s.slice(pos, pos + 2);
      if (tag === 'ER') {
        records.push(tags);
        tags = [];
      } else tags.push({ tag, value: s.slice(pos + 6, nl), line });
    }
    pos = nl + 1;
  }
  return records.length;
}

function time<T>(fn: () => T): { ms: number; result: T } {
  const t0 = performance.now();
  const result = fn();
  return { ms: performance.now() - t0, result };
}

function best<T>(runs: number, fn: () => T): { ms: number; result: T } {
  let out = time(fn);
  for (let i = 1; i < runs; i++) {
    const t = time(fn);
    if (t.ms < out.ms) out = t;
  }
  return out;
}

function row(cells: string[], widths: number[]): string {
  return cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('  ');
}

function printTable(header: string[], rows: string[][]): void {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  console.log(row(header, widths));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const r of rows) console.log(row(r, widths));
}

async function main(): Promise<void> {
  const text = generateRis(N);
  const mb = Buffer.byteLength(text) / 1e6;
  const bytes = new TextEncoder().encode(text);
  console.log(`Generated ${N} records, ${mb.toFixed(1)} MB\n`);

  const cj = await loadCitationJs();
  // Keep only counts: holding on to a whole parse result would slow every later row's GC.
  const ours = best(3, () => parseRis(text).records.length);
  const oursBytes = best(3, () => parseRis(bytes).records.length);
  // Stream from pre-encoded 64 KB chunks so the timing is parsing (decode + sniff + lex), not
  // generating; generateRisStream is what the CLI benchmarks use for files too big for memory.
  const chunks: Uint8Array[] = [];
  for await (const s of generateRisStream(N)) chunks.push(new TextEncoder().encode(s));
  const stream = await (async () => {
    let bestMs = Number.POSITIVE_INFINITY;
    let records = 0;
    for (let run = 0; run < 3; run++) {
      const t0 = performance.now();
      records = 0;
      for await (const ev of parseRisStream(chunks)) if (ev.type === 'record') records++;
      bestMs = Math.min(bestMs, performance.now() - t0);
    }
    return { ms: bestMs, records };
  })();
  // Like for like with the citation-js chain, which maps to CSL: lex, then map every record.
  const mapped = best(3, () => {
    let n = 0;
    for (const record of parseRis(text).records) if (mapRecord(record).citation) n++;
    return n;
  });
  const lex = best(3, () => cj.lex(text).length);
  const floor = best(3, () => bareLineLoop(text));
  // The full citation-js input chain (lex + CSL mapping) is slow; time it once.
  const full = time(() => cj.full(text).length);

  const rows: string[][] = [];
  const add = (name: string, ms: number, records: number) => {
    rows.push([
      name,
      String(records),
      ms.toFixed(0),
      ((records / ms) * 1000).toFixed(0),
      ((mb / ms) * 1000).toFixed(1),
      (full.ms / ms).toFixed(1),
      (lex.ms / ms).toFixed(1),
    ]);
  };
  add('bibgraph parseRis(string)', ours.ms, ours.result);
  add('bibgraph parseRis(bytes)', oursBytes.ms, oursBytes.result);
  add('bibgraph parseRisStream (64 KB byte chunks)', stream.ms, stream.records);
  add('bibgraph parseRis(string) + mapRecord', mapped.ms, mapped.result);
  add('citation-js lexer (ris.js parse)', lex.ms, lex.result);
  add('floor: bare indexOf/slice line loop (not a parser)', floor.ms, floor.result);
  add('citation-js input chain (→ CSL)', full.ms, full.result);
  printTable(['parser', 'records', 'ms', 'records/s', 'MB/s', '× vs cjs chain', '× vs cjs lexer'], rows);
  console.log(
    `\ntarget: ≥ 10× citation-js = ≤ ${(full.ms / 10).toFixed(0)} ms (chain) or ≤ ${(lex.ms / 10).toFixed(0)} ms (lexer); ` +
      `the bare loop above, which only slices lines, takes ${floor.ms.toFixed(0)} ms`,
  );

  console.log('\nAdversarial 1 MB inputs (target < 1000 ms each)\n');
  const MB = 1_000_000;
  const endless = `TY  - JOUR\nTI  - ${'lorem ipsum - dolor - sit AB amet '.repeat(Math.ceil(MB / 34)).slice(0, MB)}\nER  - \n`;
  let manyTags = 'TY  - JOUR\n';
  for (let i = 0; manyTags.length < MB; i++) manyTags += `KW  - k${i}\n`;
  manyTags += 'ER  - \n';
  const flatTags = `TY - JOUR ${'AU - Wang,X '.repeat(Math.ceil(MB / 12))}ER -\n`;
  const deep = `TY  - JOUR\nAB  - start\n${'continued text line\n'.repeat(Math.ceil(MB / 20))}ER  - \n`;
  const hyphens = `TY  - JOUR\nTI  - ${' -'.repeat(MB / 2)}\nER  - \n`;
  const cases: Array<[string, string]> = [
    ['one endless line (1 MB TI)', endless],
    ['100,000 tags (KW lines)', manyTags],
    ['100,000 tags flattened on one line', flatTags],
    ['deep continuation (50k lines)', deep],
    ['1 MB of " -" (hyphen scan)', hyphens],
  ];
  const adv: string[][] = [];
  for (const [name, input] of cases) {
    const r = best(3, () => parseRis(input));
    const tags = r.result.records.reduce((a, rec) => a + rec.tags.length, 0);
    // Same input pushed in 16-byte pieces: a split line must not turn into quadratic rescans.
    const chunked = best(3, () => {
      const parser = new RisParser();
      let n = 0;
      for (let i = 0; i < input.length; i += 16) n += parser.push(input.slice(i, i + 16)).length;
      return n + parser.end().length;
    });
    adv.push([
      name,
      (input.length / 1e6).toFixed(2),
      String(r.result.records.length),
      String(tags),
      r.ms.toFixed(1),
      chunked.ms.toFixed(1),
    ]);
  }
  printTable(['input', 'MB', 'records', 'tags', 'ms (one-shot)', 'ms (16-byte chunks)'], adv);
}

await main();
