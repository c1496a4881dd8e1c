/**
 * Export benchmark: formats 1,000 citations in APA, and exports 10,000 and then 50,000 citations
 * as RIS (plus BibTeX and CSL-JSON at 50,000) through the streaming export service. Each export
 * runs in its own child process that reports its peak RSS, so the numbers are the export's own and
 * show whether memory stays flat as the set grows. Run: npm run bench:export [-- small large]
 */

import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { formatTable } from '../src/cli/table.ts';
import { openDatabase } from '../src/db/client.ts';
import {
  bibliographyOf,
  type ExportFormat,
  ExportWriter,
  exportRecordBatches,
  loadSelection,
} from '../src/export/service.ts';
import { ingestRis } from '../src/ingest/ingest.ts';
import { generateRisStream } from './lib/generate-ris.ts';

interface ChildResult {
  format: ExportFormat;
  citations: number;
  bytes: number;
  ms: number;
  /** RSS after opening the database, before exporting (MB). */
  baselineMb: number;
  /** Peak RSS of the process (MB), from the kernel's maxrss. */
  peakMb: number;
  /** Largest live JS heap, sampled after a GC after every batch (MB): what the export holds. */
  heapPeakMb: number;
  /** JS heap in use after opening the database (MB). */
  heapBaselineMb: number;
}

const MB = 1024 * 1024;

async function child(dataDir: string, format: ExportFormat): Promise<void> {
  const database = await openDatabase({ databaseUrl: null, dataDir, migrate: false });
  global.gc?.();
  const baselineMb = process.memoryUsage().rss / MB;
  const heapBaselineMb = process.memoryUsage().heapUsed / MB;
  let heapPeakMb = heapBaselineMb;
  const t0 = performance.now();
  const writer = new ExportWriter(format);
  let bytes = Buffer.byteLength(writer.start());
  // The output is counted, not kept: the benchmark measures the export, not a consumer.
  for await (const batch of exportRecordBatches(database.db, {})) {
    bytes += Buffer.byteLength(writer.write(batch));
    // Collect first, so the sample is what the export still holds, not garbage awaiting a GC.
    global.gc?.();
    heapPeakMb = Math.max(heapPeakMb, process.memoryUsage().heapUsed / MB);
  }
  bytes += Buffer.byteLength(writer.end());
  const ms = performance.now() - t0;
  const peakMb = process.resourceUsage().maxRSS / 1024;
  await database.close();
  const result: ChildResult = {
    format,
    citations: writer.written,
    bytes,
    ms,
    baselineMb,
    peakMb,
    heapPeakMb,
    heapBaselineMb,
  };
  process.stdout.write(JSON.stringify(result));
}

async function exportInChild(dataDir: string, format: ExportFormat): Promise<ChildResult> {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ['--expose-gc', '--import', 'tsx', new URL(import.meta.url).pathname, '--child', dataDir, format],
    { maxBuffer: 1024 * 1024 },
  );
  return JSON.parse(stdout) as ChildResult;
}

async function ingestGenerated(dataDir: string, count: number, seed: number): Promise<number> {
  const database = await openDatabase({ databaseUrl: null, dataDir });
  const t0 = performance.now();
  const report = await ingestRis(database.db, generateRisStream(count, seed), { source: `bench-${seed}` });
  await database.close();
  if (report.failed > 0) throw new Error(`${report.failed} generated records failed to ingest`);
  return performance.now() - t0;
}

async function main(): Promise<void> {
  const small = Number(process.argv[2] ?? 10_000);
  const large = Number(process.argv[3] ?? 50_000);
  const dir = mkdtempSync(join(tmpdir(), 'bibgraph-bench-export-'));
  const dataDir = join(dir, 'pglite');
  try {
    process.stderr.write(`ingesting ${small} generated citations …\n`);
    await ingestGenerated(dataDir, small, 1);

    // Formatting: citeproc-js through citation-js with the shipped APA style, in this process.
    const database = await openDatabase({ databaseUrl: null, dataDir, migrate: false });
    const records = (await loadSelection(database.db, {}, small)).slice(0, 1000);
    bibliographyOf(records.slice(0, 10), { style: 'apa', locale: 'en-US', format: 'text' }); // warm the engine
    const rssBefore = process.memoryUsage().rss / MB;
    const t0 = performance.now();
    const apa = bibliographyOf(records, { style: 'apa', locale: 'en-US', format: 'text' });
    const apaMs = performance.now() - t0;
    const html = performance.now();
    bibliographyOf(records, { style: 'apa', locale: 'en-US', format: 'html' });
    const htmlMs = performance.now() - html;
    const rssAfter = process.memoryUsage().rss / MB;
    await database.close();

    process.stderr.write(`exporting ${small} …\n`);
    const runs: ChildResult[] = [await exportInChild(dataDir, 'ris')];
    process.stderr.write(`ingesting ${large - small} more …\n`);
    await ingestGenerated(dataDir, large - small, 2);
    process.stderr.write(`exporting ${large} …\n`);
    for (const format of ['ris', 'bibtex', 'csl_json'] as const)
      runs.push(await exportInChild(dataDir, format));

    console.log(`\nFormatting ${apa.entries.length} citations with the shipped APA style (citeproc-js)\n`);
    console.log(
      formatTable(
        ['format', 'citations', 'ms', 'citations/s', 'RSS before (MB)', 'RSS after (MB)'],
        [
          [
            'text',
            apa.entries.length,
            Math.round(apaMs),
            Math.round((apa.entries.length / apaMs) * 1000),
            Math.round(rssBefore),
            Math.round(rssAfter),
          ],
          [
            'html',
            apa.entries.length,
            Math.round(htmlMs),
            Math.round((apa.entries.length / htmlMs) * 1000),
            '',
            '',
          ],
        ],
      ),
    );
    console.log(
      '\nStreaming export (batches of 500, keyset pagination; one child process per run, PGlite)\n',
    );
    console.log(
      formatTable(
        [
          'format',
          'citations',
          'MB written',
          'seconds',
          'citations/s',
          'RSS after open (MB)',
          'peak RSS (MB)',
          'JS heap after open (MB)',
          'live JS heap peak (MB)',
        ],
        runs.map((r) => [
          r.format,
          r.citations,
          (r.bytes / MB).toFixed(1),
          (r.ms / 1000).toFixed(1),
          Math.round((r.citations / r.ms) * 1000),
          Math.round(r.baselineMb),
          Math.round(r.peakMb),
          Math.round(r.heapBaselineMb),
          Math.round(r.heapPeakMb),
        ]),
      ),
    );
    console.log(
      '\nRSS includes PGlite, which runs inside the process and keeps the database pages it has read\n' +
        'in WASM memory; the JS heap is what the export itself holds (one batch plus the BibTeX/CSL keys).',
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[2] === '--child') {
  await child(process.argv[3] as string, process.argv[4] as ExportFormat);
} else {
  await main();
}
