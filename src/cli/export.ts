import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { parseArgs } from 'node:util';
import type { Database } from '../db/client.ts';
import {
  bibliographyOf,
  type ExportFormat,
  ExportWriter,
  exportRecordBatches,
  loadSelection,
} from '../export/service.ts';
import type { CitationFilter } from '../query/citation-filter.ts';
import { type ServerClient, ServerUsageError } from './server-client.ts';

export const exportUsage = `  export                   Write citations as RIS, BibTeX, CSL-JSON or a formatted bibliography
      --format FORMAT      ris | bibtex | csl-json | text | html (text/html: a bibliography in --style)
      --style NAME         CSL style for text/html (default apa; see the styles query)
      --locale LOCALE      CSL locale for text/html (default en-US)
      --out FILE           Write to FILE instead of stdout
      --search TEXT        Full-text filter (web-search syntax)
      --year-from N        Published in or after year N
      --year-to N          Published in or before year N
      --type CODE          RIS type (JOUR, BOOK …); repeat for several
      --container TITLE    Exact journal, book or proceedings title
      --doi DOI            One DOI, in any common form
      --keyword TERM       Keyword; repeat for several
      --has-doi | --no-doi Only citations with / without a DOI
      --id N               Citation row ID; repeat for several
      --server URL         Download from that bibgraph server's GET /export (ris, bibtex, csl-json)
      --token TOKEN        API token for --server (default: BIBGRAPH_TOKEN)
`;

/** A formatted bibliography is built whole (styles sort the full list); exports stream. */
const MAX_BIBLIOGRAPHY = 20_000;

const FORMATS: Readonly<Record<string, ExportFormat | 'text' | 'html'>> = {
  ris: 'ris',
  bibtex: 'bibtex',
  bib: 'bibtex',
  'csl-json': 'csl_json',
  json: 'csl_json',
  text: 'text',
  html: 'html',
};

export class ExportUsageError extends Error {}

function int(value: string | undefined, name: string): number | null {
  if (value === undefined) return null;
  if (!/^-?\d+$/.test(value)) throw new ExportUsageError(`--${name} must be a whole number, got "${value}"`);
  return Number(value);
}

export interface ExportCommand {
  format: ExportFormat | 'text' | 'html';
  style: string;
  locale: string;
  out: string | null;
  filter: CitationFilter;
  ids: number[] | null;
  /** --server: export through that server instead of opening the database. */
  server: string | null;
  token: string | null;
}

/** Parses `bibgraph export …` arguments; throws ExportUsageError with a message for the user. */
export function parseExportArgs(args: string[]): ExportCommand {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      format: { type: 'string' },
      style: { type: 'string', default: 'apa' },
      locale: { type: 'string', default: 'en-US' },
      out: { type: 'string', short: 'o' },
      search: { type: 'string' },
      'year-from': { type: 'string' },
      'year-to': { type: 'string' },
      type: { type: 'string', multiple: true },
      container: { type: 'string' },
      doi: { type: 'string' },
      keyword: { type: 'string', multiple: true },
      'has-doi': { type: 'boolean' },
      'no-doi': { type: 'boolean' },
      id: { type: 'string', multiple: true },
      server: { type: 'string' },
      token: { type: 'string' },
    },
  });
  if (positionals.length > 0) throw new ExportUsageError(`unexpected argument "${positionals[0]}"`);
  const format = FORMATS[(values.format ?? '').toLowerCase()];
  if (!format) {
    throw new ExportUsageError(
      values.format
        ? `unknown format "${values.format}"`
        : '--format is required (ris, bibtex, csl-json, text, html)',
    );
  }
  if (values['has-doi'] && values['no-doi'])
    throw new ExportUsageError('--has-doi and --no-doi exclude each other');
  return {
    format,
    style: values.style ?? 'apa',
    locale: values.locale ?? 'en-US',
    out: values.out ?? null,
    filter: {
      search: values.search ?? null,
      yearFrom: int(values['year-from'], 'year-from'),
      yearTo: int(values['year-to'], 'year-to'),
      types: values.type ?? null,
      containerTitle: values.container ?? null,
      doi: values.doi ?? null,
      keywords: values.keyword ?? null,
      hasDoi: values['has-doi'] ? true : values['no-doi'] ? false : null,
    },
    ids: values.id ? values.id.map((v) => int(v, 'id') as number) : null,
    server: values.server ?? null,
    token: values.token ?? null,
  };
}

/** Runs the export; returns the number of citations written. */
export async function runExport(
  db: Database,
  command: ExportCommand,
  stdout: NodeJS.WritableStream,
): Promise<number> {
  const out = command.out ? createWriteStream(command.out) : stdout;
  const write = async (chunk: string): Promise<void> => {
    if (!out.write(chunk)) await once(out, 'drain');
  };
  let count = 0;
  try {
    const selection = { filter: command.filter, ids: command.ids };
    if (command.format === 'text' || command.format === 'html') {
      const records = await loadSelection(db, selection, MAX_BIBLIOGRAPHY);
      const rendered = bibliographyOf(records, {
        style: command.style,
        locale: command.locale,
        format: command.format,
      });
      await write(rendered.document);
      count = records.length;
    } else {
      const writer = new ExportWriter(command.format);
      await write(writer.start());
      for await (const batch of exportRecordBatches(db, selection)) await write(writer.write(batch));
      await write(writer.end());
      count = writer.written;
    }
  } finally {
    if (command.out) {
      out.end();
      await once(out, 'finish');
    }
  }
  return count;
}

/** The `GET /export` query string for a command: the route's parameter names for the CLI's flags. */
function exportParams(command: ExportCommand): URLSearchParams {
  const { filter } = command;
  const params = new URLSearchParams();
  const format = command.format === 'csl_json' ? 'csl-json' : command.format;
  params.set('format', format);
  const one = (name: string, value: string | number | boolean | null | undefined) => {
    if (value !== null && value !== undefined) params.set(name, String(value));
  };
  const many = (name: string, values: ReadonlyArray<string | number> | null | undefined) => {
    for (const value of values ?? []) params.append(name, String(value));
  };
  one('search', filter.search);
  one('yearFrom', filter.yearFrom);
  one('yearTo', filter.yearTo);
  many('type', filter.types);
  one('containerTitle', filter.containerTitle);
  one('doi', filter.doi);
  many('keyword', filter.keywords);
  one('hasDoi', filter.hasDoi);
  many('id', command.ids);
  return params;
}

/** Runs the export through a server's `GET /export`; returns the number of bytes written. */
export async function runExportThroughServer(
  client: ServerClient,
  command: ExportCommand,
  stdout: NodeJS.WritableStream,
): Promise<number> {
  if (command.format === 'text' || command.format === 'html') {
    throw new ServerUsageError(
      `--format ${command.format} cannot go through the server (GET /export serves ris, bibtex and csl-json); use the bibliography GraphQL query at ${client.base}/graphql, or stop the server`,
    );
  }
  const response = await client.download(exportParams(command));
  // The DOM typings lack ReadableStream's async iterator, which Node has.
  const body = response.body as unknown as AsyncIterable<Uint8Array>;
  const out = command.out ? createWriteStream(command.out) : stdout;
  let bytes = 0;
  try {
    for await (const chunk of body) {
      bytes += chunk.byteLength;
      if (!out.write(chunk)) await once(out, 'drain');
    }
  } catch (error) {
    throw new Error(
      `the download from ${client.base}/export broke off after ${bytes} bytes (${(error as Error).message}); the output is incomplete`,
    );
  } finally {
    if (command.out) {
      out.end();
      await once(out, 'finish');
    }
  }
  return bytes;
}
