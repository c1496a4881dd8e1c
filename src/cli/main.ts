import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { setFlagsFromString } from 'node:v8';
import { type Config, ConfigError, loadConfig } from '../config.ts';
import { type DatabaseHandle, openDatabase } from '../db/client.ts';
import { FolderLockedError } from '../db/folder-lock.ts';
import type { FormatChoice } from '../formats/read.ts';
import { INPUT_FORMATS } from '../formats/types.ts';
import { DRY_RUN_PREVIEWS, formatBytes } from '../ingest/ingest.ts';
import { documentsUsage, runDocumentsCommand } from './documents.ts';
import {
  ExportUsageError,
  exportUsage,
  parseExportArgs,
  runExport,
  runExportThroughServer,
} from './export.ts';
import { type FileResult, runIngest, runIngestThroughServer } from './ingest.ts';
import { reindexUsage, runReindex } from './reindex.ts';
import { ServerAccessError, ServerClient, ServerUsageError } from './server-client.ts';
import { runTokenCommand, tokenUsage } from './token.ts';

const ingestUsage = `  ingest <file|folder|->…   Ingest files, every file of folders (recursively), or stdin (-):
                           RIS, BibTeX, CSL-JSON, MEDLINE (.nbib) or Web of Science plain text
      --format FORMAT      auto (default: by content), ris, bibtex, csl-json, medline, wos
      --source NAME        Label stored with the ingestion (default: the file name)
      --dry-run            Parse, map and match; report what would happen; write nothing
      --verbose            Print every problem with its file, record and line
      --show-mapping       With --dry-run: print how each of the first ${DRY_RUN_PREVIEWS} records is read,
                           as it would be stored (fields, contributors, affiliations, keywords)
      --server URL         Upload to that bibgraph server instead of opening the database
      --token TOKEN        API token for the server (default: BIBGRAPH_TOKEN)
`;

/** Each command's own lines, printed by `bibgraph <command> --help`. */
const commandUsage: Record<string, string> = {
  ingest: ingestUsage,
  reindex: reindexUsage,
  export: exportUsage,
  token: tokenUsage,
  documents: documentsUsage,
};

const usage = `Usage: bibgraph <command> [options]

Commands:
${ingestUsage}${reindexUsage}${exportUsage}${tokenUsage}${documentsUsage}
The database is DATABASE_URL when set, else the embedded PGlite in BIBGRAPH_DATA_DIR (./data).
While a bibgraph server on this machine holds that PGlite folder, ingest and export go through it.
`;

/** `--format csl-json` → `CSL_JSON`; null for a name that is no format. */
function formatOption(raw: string | undefined): FormatChoice | null {
  if (raw === undefined) return 'AUTO';
  const name = raw.trim().toUpperCase().replace(/-/g, '_');
  return name === 'AUTO' || (INPUT_FORMATS as readonly string[]).includes(name)
    ? (name as FormatChoice)
    : null;
}

/** A progress bar only where a person watches: a terminal. */
function isTerminal(stream: NodeJS.WritableStream): boolean {
  return Boolean((stream as { isTTY?: boolean }).isTTY);
}

/** 1 when a record failed or a file was rejected. */
function ingestExitCode(results: FileResult[]): number {
  return results.some((r) => r.error !== null || (r.report?.failed ?? 0) > 0) ? 1 : 0;
}

/** The line above the summary when a server did the work, naming it and why it was used. */
function viaLine(client: ServerClient, held: FolderLockedError | null): string {
  return held
    ? `Through the bibgraph server at ${client.base} (${held.holder.what}, pid ${held.holder.pid}), which holds the PGlite folder ${held.folder}.`
    : `Through the bibgraph server at ${client.base}.`;
}

/**
 * The database, or — when a bibgraph server on this host holds the PGlite folder (one process per
 * folder) — that server, to do the work instead. Any other failure to open is thrown.
 */
async function openOrFindServer(
  config: Config,
  lockHolder: string,
): Promise<{ database: DatabaseHandle } | { held: FolderLockedError; url: string }> {
  try {
    return {
      database: await openDatabase({
        databaseUrl: config.databaseUrl,
        dataDir: config.dataDir,
        lockHolder,
        writeWaitMs: config.writeWaitMs,
      }),
    };
  } catch (error) {
    if (error instanceof FolderLockedError && error.serverUrl !== null)
      return { held: error, url: error.serverUrl };
    throw error;
  }
}

/** What a CLI run reads and writes: the process's own streams and environment, or a test's. */
export interface CliIO {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  /** Read by `ingest -`. */
  stdin: NodeJS.ReadableStream;
  env: Record<string, string | undefined>;
}

/**
 * Runs one `bibgraph` command to its end and returns its exit code: 0 done, 1 some records or
 * files failed (or an unexpected error), 2 usage, configuration, a held PGlite folder or a server
 * that cannot be reached or refuses. Never exits the process, so tests call it in-process;
 * bin/bibgraph.mjs passes the process's streams and exits with the code.
 */
export async function run(argv: string[], io: CliIO): Promise<number> {
  try {
    return await dispatch(argv, io);
  } catch (error) {
    const message =
      error instanceof ConfigError ? `configuration error: ${error.message}` : (error as Error).message;
    io.stderr.write(`bibgraph: ${message}\n`);
    // A held PGlite folder, or a server that cannot be reached or refuses the caller, is a usage
    // error like a bad setting: the command could not do its work at all.
    const usageLike =
      error instanceof ConfigError ||
      error instanceof FolderLockedError ||
      error instanceof ServerAccessError ||
      error instanceof ServerUsageError;
    return usageLike ? 2 : 1;
  }
}

async function dispatch(argv: string[], io: CliIO): Promise<number> {
  const { stdout, stderr } = io;
  const [command, ...rest] = argv;
  if (!command || command === '--help' || command === '-h' || command === 'help') {
    stdout.write(usage);
    return command ? 0 : 1;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    const own = commandUsage[command];
    stdout.write(own ? `Usage: bibgraph ${command} [options]\n\n${own}` : usage);
    return own || command === 'help' ? 0 : 2;
  }
  const config = loadConfig(io.env);
  if (command === 'ingest') {
    let parsed: {
      values: {
        source?: string;
        'dry-run'?: boolean;
        verbose?: boolean;
        'show-mapping'?: boolean;
        server?: string;
        token?: string;
        format?: string;
      };
      positionals: string[];
    };
    try {
      parsed = parseArgs({
        args: rest,
        allowPositionals: true,
        options: {
          source: { type: 'string' },
          'dry-run': { type: 'boolean', default: false },
          verbose: { type: 'boolean', default: false },
          'show-mapping': { type: 'boolean', default: false },
          format: { type: 'string' },
          server: { type: 'string' },
          token: { type: 'string' },
        },
      });
    } catch (error) {
      // node:util's own wording ("To specify a positional argument starting with a '-' …") is
      // about its API, not this command; one line in ours instead.
      const option = /'(-[^']*)'/.exec((error as Error).message)?.[1];
      stderr.write(
        `bibgraph ingest: ${option ? `unknown option ${option}` : (error as Error).message}; see bibgraph ingest --help\n`,
      );
      return 2;
    }
    const { values, positionals } = parsed;
    const format = formatOption(values.format);
    if (format === null) {
      stderr.write(
        `bibgraph ingest: unknown --format "${values.format}"; use auto, ris, bibtex, csl-json, medline or wos\n`,
      );
      return 2;
    }
    if (values['show-mapping'] && !values['dry-run']) {
      process.stderr.write(
        'bibgraph ingest: --show-mapping goes with --dry-run; see bibgraph ingest --help\n',
      );
      return 2;
    }
    const targets = positionals;
    if (targets.length === 0) {
      stderr.write('bibgraph ingest: expected a file, folder or -; see bibgraph ingest --help\n');
      return 2;
    }
    if (targets.includes('-') && targets.length > 1) {
      stderr.write('bibgraph ingest: - (stdin) cannot be combined with files; see bibgraph ingest --help\n');
      return 2;
    }
    const missing = targets.filter((t) => t !== '-' && !existsSync(t));
    if (missing.length > 0) {
      stderr.write(`bibgraph ingest: no such file or folder: ${missing.join(', ')}\n`);
      return 2;
    }
    const options = {
      source: values.source,
      dryRun: values['dry-run'] ?? false,
      verbose: values.verbose ?? false,
      showMapping: values['show-mapping'] ?? false,
      format,
      maxBytes: config.maxIngestBytes,
      progress: isTerminal(stderr),
      out: stdout,
      err: stderr,
      stdin: io.stdin,
    };
    const token = values.token ?? config.clientToken;
    const throughServer = async (url: string, held: FolderLockedError | null) => {
      const client = new ServerClient(url, token, stderr);
      const via = viaLine(client, held);
      return ingestExitCode(await runIngestThroughServer(client, targets, { ...options, via }));
    };
    if (values.server) return throughServer(values.server, null);
    const opened = await openOrFindServer(config, 'bibgraph ingest');
    if ('held' in opened) return throughServer(opened.url, opened.held);
    const { database } = opened;
    // A local ingest keeps little alive (the batches in flight, bounded caches) but allocates fast,
    // and V8 lets each heap grow to up to 4× what survived its last full collection before it
    // collects again: that slack was most of the command's RSS (~610 MB at 100k records, ~390 MB
    // with 1.5×, for ~2 s more garbage collection per 100k records while the database is the
    // bottleneck). Process-wide, so the parsing worker's heap too; the command's process does
    // nothing else.
    setFlagsFromString('--heap-growing-percent=50');
    // Named above the summary, as the server is when one does the work: a server started with
    // another folder (BIBGRAPH_DATA_DIR) is not found, and its library is not this one.
    const into =
      config.databaseUrl === null
        ? `Into embedded PGlite at ${config.dataDir} (no bibgraph server holds it).`
        : 'Into PostgreSQL (DATABASE_URL).';
    try {
      return ingestExitCode(await runIngest(database.db, targets, { ...options, via: into }));
    } finally {
      await database.close();
    }
  }
  if (command === 'reindex') {
    let batch: number | undefined;
    try {
      const { values } = parseArgs({ args: rest, options: { batch: { type: 'string' } } });
      batch = values.batch === undefined ? undefined : Number(values.batch);
      if (batch !== undefined && !(Number.isInteger(batch) && batch > 0))
        throw new Error('--batch takes a whole number above 0');
    } catch (error) {
      stderr.write(`bibgraph reindex: ${(error as Error).message}; see bibgraph reindex --help\n`);
      return 2;
    }
    // Not offered through a running server: it rewrites every organization, a job for the
    // database's own process. A held PGlite folder is the usual FolderLockedError (stop it first).
    const database = await openDatabase({
      databaseUrl: config.databaseUrl,
      dataDir: config.dataDir,
      lockHolder: 'bibgraph reindex',
      writeWaitMs: config.writeWaitMs,
    });
    try {
      return await runReindex(database.db, {
        batchSize: batch,
        progress: isTerminal(stderr),
        out: stdout,
        err: stderr,
      });
    } finally {
      await database.close();
    }
  }
  if (command === 'token') return runTokenCommand(rest, config, stdout, stderr);
  if (command === 'documents') return runDocumentsCommand(rest, config, stdout, stderr);
  if (command === 'export') {
    let parsed: ReturnType<typeof parseExportArgs>;
    try {
      parsed = parseExportArgs(rest);
    } catch (error) {
      if (
        !(
          error instanceof ExportUsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')
        )
      )
        throw error;
      stderr.write(`bibgraph export: ${(error as Error).message}\n\n${usage}`);
      return 2;
    }
    const token = parsed.token ?? config.clientToken;
    const throughServer = async (url: string, held: FolderLockedError | null) => {
      const client = new ServerClient(url, token, stderr);
      const bytes = await runExportThroughServer(client, parsed, stdout);
      const via = viaLine(client, held).replace(/^Through/, 'through');
      stderr.write(
        `bibgraph export: ${formatBytes(bytes)}${parsed.out ? ` written to ${parsed.out}` : ''} ${via}\n`,
      );
      return 0;
    };
    if (parsed.server) return throughServer(parsed.server, null);
    const opened = await openOrFindServer(config, 'bibgraph export');
    if ('held' in opened) return throughServer(opened.url, opened.held);
    const { database } = opened;
    try {
      const count = await runExport(database.db, parsed, stdout);
      stderr.write(
        `bibgraph export: ${count} citation${count === 1 ? '' : 's'}${parsed.out ? ` written to ${parsed.out}` : ''}\n`,
      );
      return 0;
    } finally {
      await database.close();
    }
  }
  stderr.write(`bibgraph: unknown command "${command}"\n\n${usage}`);
  return 2;
}
