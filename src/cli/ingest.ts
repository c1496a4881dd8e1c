import { createReadStream } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { SingleBar } from 'cli-progress';
import type { Database } from '../db/client.ts';
import { BusyError } from '../errors.ts';
import { IngestError } from '../ingest/errors.ts';
import { formatBytes, type IngestReport, ingestRis } from '../ingest/ingest.ts';
import { formatTable } from './table.ts';

export interface IngestCommandOptions {
  source?: string;
  dryRun: boolean;
  maxBytes: number;
  /** Draw a progress bar (on a TTY). */
  progress: boolean;
  out: NodeJS.WritableStream;
  err: NodeJS.WritableStream;
}

export interface FileResult {
  file: string;
  report: IngestReport | null;
  error: string | null;
}

/** Files of a folder, recursively, in name order; hidden files skipped. */
async function listFiles(path: string): Promise<string[]> {
  const info = await stat(path);
  if (!info.isDirectory()) return [path];
  const entries = await readdir(path, { withFileTypes: true });
  const out: string[] = [];
  for (const e of entries.sort((a, b) => a.name.localeCompare(b.name))) {
    if (e.name.startsWith('.')) continue;
    const full = join(path, e.name);
    if (e.isDirectory()) out.push(...(await listFiles(full)));
    else if (e.isFile()) out.push(full);
  }
  return out;
}

export async function runIngest(
  db: Database,
  target: string,
  options: IngestCommandOptions,
): Promise<FileResult[]> {
  const files = target === '-' ? ['-'] : await listFiles(target);
  const results: FileResult[] = [];
  for (const file of files) {
    const size = file === '-' ? 0 : (await stat(file)).size;
    const bar =
      options.progress && size > 0
        ? new SingleBar({
            format: `${basename(file).slice(0, 30).padEnd(30)} {bar} {percentage}% | {records} records | {done}/{size} | {rate} rec/s`,
            hideCursor: true,
            clearOnComplete: false,
            stream: options.err,
          })
        : null;
    const started = performance.now();
    bar?.start(size, 0, { records: 0, done: '0 B', size: formatBytes(size), rate: 0 });
    const stream = file === '-' ? process.stdin : createReadStream(file, { highWaterMark: 1024 * 1024 });
    try {
      const report = await ingestRis(db, stream as AsyncIterable<Uint8Array>, {
        source: options.source ?? (file === '-' ? 'stdin' : basename(file)),
        dryRun: options.dryRun,
        maxBytes: options.maxBytes,
        keepOutcomes: false,
        onProgress: ({ bytes, records }) => {
          const seconds = (performance.now() - started) / 1000;
          bar?.update(Math.min(bytes, size), {
            records,
            done: formatBytes(bytes),
            rate: seconds > 0 ? Math.round(records / seconds) : 0,
          });
        },
      });
      bar?.update(size);
      results.push({ file, report, error: null });
    } catch (error) {
      const message =
        error instanceof IngestError || error instanceof BusyError
          ? error.message
          : `unexpected error: ${(error as Error).message}`;
      results.push({ file, report: null, error: message });
    } finally {
      bar?.stop();
      if (file !== '-') (stream as ReturnType<typeof createReadStream>).destroy();
    }
  }
  printSummary(results, options);
  return results;
}

function printSummary(results: FileResult[], options: IngestCommandOptions): void {
  const rows = results.map((r) => [
    r.file,
    r.report?.found ?? 0,
    r.report?.created ?? 0,
    r.report?.updated ?? 0,
    r.report?.unchanged ?? 0,
    r.report?.failed ?? 0,
    r.report ? r.report.problems.filter((p) => p.severity !== 'info').length : 0,
    r.error ?? '',
  ]);
  if (results.length > 1) {
    const sum = (i: number) => rows.reduce((s, r) => s + (r[i] as number), 0);
    rows.push(['total', sum(1), sum(2), sum(3), sum(4), sum(5), sum(6), '']);
  }
  const headers = ['file', 'found', 'created', 'updated', 'unchanged', 'failed', 'problems', 'error'];
  options.out.write(
    `${options.dryRun ? 'Dry run: nothing was written.\n' : ''}${formatTable(headers, rows)}\n`,
  );
  for (const r of results) {
    const serious = r.report?.problems.filter((p) => p.severity === 'error') ?? [];
    for (const p of serious.slice(0, 20)) {
      // Mapper messages already start with "record N (line L)"; parser messages do not.
      const where = /^record \d+/.test(p.message)
        ? ''
        : `record ${p.record}${p.line ? `, line ${p.line}` : ''}: `;
      options.err.write(`${r.file}: ${where}${p.message}\n`);
    }
    if (serious.length > 20) options.err.write(`${r.file}: … and ${serious.length - 20} more errors\n`);
  }
}
