import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from '../config.ts';
import { openDatabase } from '../db/client.ts';
import { FolderLockedError } from '../db/folder-lock.ts';
import { documentsUsage, runDocumentsCommand } from './documents.ts';
import { ExportUsageError, exportUsage, parseExportArgs, runExport } from './export.ts';
import { runIngest } from './ingest.ts';
import { runTokenCommand, tokenUsage } from './token.ts';

const usage = `Usage: bibgraph <command> [options]

Commands:
  ingest <file|folder|->   Ingest RIS from a file, every file of a folder, or stdin (-)
      --source NAME        Label stored with the ingestion (default: the file name)
      --dry-run            Parse, map and match; report what would happen; write nothing
${exportUsage}${tokenUsage}${documentsUsage}
The database is DATABASE_URL when set, else the embedded PGlite in BIBGRAPH_DATA_DIR (./data).
`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(usage);
    return command ? 0 : 1;
  }
  const config = loadConfig();
  if (command === 'ingest') {
    const { values, positionals } = parseArgs({
      args: rest,
      allowPositionals: true,
      options: { source: { type: 'string' }, 'dry-run': { type: 'boolean', default: false } },
    });
    const target = positionals[0];
    if (!target || positionals.length > 1) {
      process.stderr.write(`bibgraph ingest: expected one file, folder or -\n\n${usage}`);
      return 2;
    }
    const database = await openDatabase({
      databaseUrl: config.databaseUrl,
      dataDir: config.dataDir,
      lockHolder: 'bibgraph ingest',
      writeWaitMs: config.writeWaitMs,
    });
    try {
      const results = await runIngest(database.db, target, {
        source: values.source,
        dryRun: values['dry-run'] ?? false,
        maxBytes: config.maxIngestBytes,
        progress: Boolean(process.stderr.isTTY),
        out: process.stdout,
        err: process.stderr,
      });
      const bad = results.some((r) => r.error !== null || (r.report?.failed ?? 0) > 0);
      return bad ? 1 : 0;
    } finally {
      await database.close();
    }
  }
  if (command === 'token') return runTokenCommand(rest, config, process.stdout, process.stderr);
  if (command === 'documents') return runDocumentsCommand(rest, config, process.stdout, process.stderr);
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
      process.stderr.write(`bibgraph export: ${(error as Error).message}\n\n${usage}`);
      return 2;
    }
    const database = await openDatabase({
      databaseUrl: config.databaseUrl,
      dataDir: config.dataDir,
      lockHolder: 'bibgraph export',
    });
    try {
      const count = await runExport(database.db, parsed, process.stdout);
      process.stderr.write(
        `bibgraph export: ${count} citation${count === 1 ? '' : 's'}${parsed.out ? ` written to ${parsed.out}` : ''}\n`,
      );
      return 0;
    } finally {
      await database.close();
    }
  }
  process.stderr.write(`bibgraph: unknown command "${command}"\n\n${usage}`);
  return 2;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error) => {
    const message =
      error instanceof ConfigError ? `configuration error: ${error.message}` : (error as Error).message;
    process.stderr.write(`bibgraph: ${message}\n`);
    // A held PGlite folder is a usage error like a bad setting: nothing was read or written.
    process.exit(error instanceof ConfigError || error instanceof FolderLockedError ? 2 : 1);
  },
);
