import { createReadStream, openAsBlob } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { SingleBar } from 'cli-progress';
import type { Database } from '../db/client.ts';
import { BusyError } from '../errors.ts';
import type { FormatChoice } from '../formats/read.ts';
import { IngestError } from '../ingest/errors.ts';
import { formatBytes, type IngestReport, ingestRis, type RecordOutcome } from '../ingest/ingest.ts';
import { printMapping } from './mapping.ts';
import type { ServerClient } from './server-client.ts';
import { formatTable } from './table.ts';

export interface IngestCommandOptions {
  /** The line above the summary naming where the records went: the server, or the database. */
  via?: string;
  source?: string;
  dryRun: boolean;
  /** The input's format; AUTO (default) detects it per file. */
  format?: FormatChoice;
  /** Print every problem (file, record, line), not only errors and the most frequent kinds. */
  verbose?: boolean;
  /** With dryRun: print how the first records were read (DRY_RUN_PREVIEWS of them). */
  showMapping?: boolean;
  maxBytes: number;
  /** Draw a progress bar (on a TTY). */
  progress: boolean;
  out: NodeJS.WritableStream;
  err: NodeJS.WritableStream;
  /** What `-` reads. */
  stdin: NodeJS.ReadableStream;
}

/**
 * The part of an ingest report the summary prints: what the local service and the server both give.
 * `outcomes` holds the records a dry run shows as read, when asked for (--show-mapping).
 */
export type IngestSummary = Pick<
  IngestReport,
  'found' | 'created' | 'updated' | 'unchanged' | 'failed' | 'problems'
> & { outcomes?: RecordOutcome[] };

export interface FileResult {
  file: string;
  report: IngestSummary | null;
  error: string | null;
}

/** The label stored with an ingestion when --source is not given: the file name, or "stdin". */
function sourceOf(file: string, options: IngestCommandOptions): string {
  return options.source ?? (file === '-' ? 'stdin' : basename(file));
}

/** The files the targets name: `-` alone, or each file and every file of each folder, in order. */
async function listTargets(targets: readonly string[]): Promise<string[]> {
  if (targets.length === 1 && targets[0] === '-') return ['-'];
  const files: string[] = [];
  for (const t of targets) for (const f of await listFiles(t)) if (!files.includes(f)) files.push(f);
  return files;
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
  targets: readonly string[],
  options: IngestCommandOptions,
): Promise<FileResult[]> {
  const files = await listTargets(targets);
  const results: FileResult[] = [];
  for (const file of files) {
    const size = file === '-' ? 0 : (await stat(file)).size;
    const bar = progressBar(file, size, options);
    const started = performance.now();
    const stream = file === '-' ? options.stdin : createReadStream(file, { highWaterMark: 1024 * 1024 });
    try {
      const report = await ingestRis(db, stream as AsyncIterable<Uint8Array>, {
        source: sourceOf(file, options),
        // Named in the audit log like the server's writers; with outcomes not kept (a file may
        // hold a million records), the entry names the ingestion, whose report lists them.
        actor: 'cli',
        dryRun: options.dryRun,
        format: options.format,
        maxBytes: options.maxBytes,
        keepOutcomes: false,
        previews: options.showMapping ? undefined : 0,
        onProgress: ({ bytes, records }) => {
          const seconds = (performance.now() - started) / 1000;
          bar?.show(bytes, records, seconds > 0 ? Math.round(records / seconds) : 0);
        },
      });
      bar?.show(size, report.found, null);
      bar?.stop();
      if (options.showMapping) printMapping(file, report.outcomes, options);
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

/** The progress bar of one file (on a terminal): records, bytes and records per second. */
function progressBar(file: string, size: number, options: IngestCommandOptions) {
  if (!options.progress || size <= 0) return null;
  const bar = new SingleBar({
    format: `${basename(file).slice(0, 30).padEnd(30)} {bar} {percentage}% | {records} records | {done}/{size} | {rate} rec/s`,
    hideCursor: true,
    clearOnComplete: false,
    stream: options.err,
  });
  bar.start(size, 0, { records: 0, done: '0 B', size: formatBytes(size), rate: 0 });
  let rate = 0;
  return {
    /** `perSecond` null keeps the last rate shown. */
    show(bytes: number, records: number, perSecond: number | null) {
      rate = perSecond ?? rate;
      bar.update(Math.min(bytes, size), { records, done: formatBytes(bytes), rate });
    },
    stop: () => bar.stop(),
  };
}

async function readStdin(stdin: NodeJS.ReadableStream): Promise<Blob> {
  const chunks: Buffer[] = [];
  for await (const chunk of stdin) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  return new Blob([Buffer.concat(chunks)]);
}

/**
 * The same command through a running server: each file is one `ingestRisFile` upload (one
 * transaction on the server), and the summary is the one the local path prints. `via` says which
 * server, for the line above the table. A ServerAccessError (unreachable, refused) stops the run;
 * the files sent before it are summarised first.
 */
export async function runIngestThroughServer(
  client: ServerClient,
  targets: readonly string[],
  options: IngestCommandOptions & { via: string },
): Promise<FileResult[]> {
  const files = await listTargets(targets);
  const results: FileResult[] = [];
  try {
    for (const file of files) {
      // A file on disk is streamed into the upload, not read into memory first.
      const body = file === '-' ? await readStdin(options.stdin) : await openAsBlob(file);
      if (options.progress)
        options.err.write(`${file}: sending ${formatBytes(body.size)} to ${client.base} …\n`);
      const name = file === '-' ? 'stdin' : basename(file);
      // A background ingestion on the server, followed over its ingestionProgress subscription:
      // the same bar as a local ingest, and no request held open for the whole file.
      const bar = progressBar(file, body.size, options);
      try {
        const outcome = await client.ingestInBackground(
          body,
          name,
          sourceOf(file, options),
          options.dryRun,
          (p) => bar?.show(p.bytes, p.records, p.recordsPerSecond),
          options.format,
          options.showMapping ?? false,
        );
        bar?.stop();
        if (options.showMapping && outcome.report) printMapping(file, outcome.report.outcomes ?? [], options);
        results.push({ file, ...outcome });
      } finally {
        bar?.stop();
      }
    }
  } catch (error) {
    if (results.length > 0) printSummary(results, options);
    throw error;
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
    `${options.via ? `${options.via}\n` : ''}${options.dryRun ? 'Dry run: nothing was written.\n' : ''}${formatTable(headers, rows)}\n`,
  );
  for (const r of results) {
    const shown =
      r.report?.problems.filter((p) => (options.verbose ? p.severity !== 'info' : p.severity === 'error')) ??
      [];
    const limit = options.verbose ? shown.length : 20;
    for (const p of shown.slice(0, limit)) options.err.write(`${r.file}: ${problemLine(p)}\n`);
    if (shown.length > limit)
      options.err.write(`${r.file}: … and ${shown.length - limit} more errors (--verbose prints all)\n`);
  }
  const frequent = mostFrequentProblems(results.flatMap((r) => r.report?.problems ?? []));
  if (frequent.length > 0) {
    options.err.write('Most frequent problems:\n');
    for (const f of frequent)
      options.err.write(`  ${String(f.count).padStart(6)} × ${f.severity}: ${f.example}\n`);
  }
}

type Problem = IngestSummary['problems'][number];

/** One problem with where it is: mapper messages already start with "record N (line L)". */
function problemLine(p: Problem): string {
  const where = /^record \d+/.test(p.message)
    ? ''
    : `record ${p.record}${p.line ? `, line ${p.line}` : ''}: `;
  return `${p.severity === 'error' ? '' : `${p.severity}: `}${where}${p.message}`;
}

/**
 * The five most frequent kinds of problem: messages grouped once their record/line prefix, quoted
 * values and numbers are taken out, so "unknown tag XY" in 300 records is one line with a count.
 */
export function mostFrequentProblems(
  problems: readonly Problem[],
  top = 5,
): Array<{ count: number; severity: string; example: string }> {
  const groups = new Map<string, { count: number; severity: string; example: string }>();
  for (const p of problems) {
    if (p.severity === 'info') continue;
    const message = p.message.replace(/^record \d+(?: \(line \d+\))?:\s*/, '');
    const shape = `${p.severity}|${message.replace(/"[^"]*"|“[^”]*”|'[^']*'|\d+/g, '#')}`;
    const g = groups.get(shape);
    if (g) g.count++;
    else groups.set(shape, { count: 1, severity: p.severity, example: message });
  }
  return [...groups.values()].sort((a, b) => b.count - a.count).slice(0, top);
}
