/**
 * GET /export?format=ris|bibtex|csl-json&<filter>: the filtered set as a download, streamed batch
 * by batch so a set of any size is sent without being held in memory. Query parameters mirror the
 * GraphQL `CitationFilter`; list parameters repeat (`type=JOUR&type=BOOK`) or take commas, up to
 * 100 values like the GraphQL lists; any other parameter is given once.
 */

import { STATUS_CODES } from 'node:http';
import { encodeGlobalID } from '@pothos/plugin-relay';
import type { Database } from '../db/client.ts';
import { EXPORT_FORMATS, type ExportFormat, streamExport } from '../export/service.ts';
import type { CitationFilter } from '../query/citation-filter.ts';
import { countryCodeOf } from '../schema/citation-filter.ts';
import { MAX_SEARCH_LENGTH } from '../schema/extensions.ts';
import { INPUT_DEFAULTS } from '../schema/input-limits.ts';
import { decodeRowGlobalID, rowIdOf } from '../schema/node-ids.ts';

export class ExportRequestError extends Error {}

const FORMAT_NAMES: Readonly<Record<string, ExportFormat>> = {
  ris: 'ris',
  bibtex: 'bibtex',
  bib: 'bibtex',
  'csl-json': 'csl_json',
  csl_json: 'csl_json',
  json: 'csl_json',
};

/** The query string as the parser reads it: a name it never asks for is an unknown parameter. */
class QueryString {
  readonly read = new Set<string>();
  constructor(private readonly params: URLSearchParams) {}
  /** A parameter that takes one value: given twice, which one was meant is not for the server to guess. */
  get(name: string): string | null {
    this.read.add(name);
    const all = this.params.getAll(name);
    if (all.length > 1) throw new ExportRequestError(`${name} is given ${all.length} times; give it once`);
    return all[0] ?? null;
  }
  getAll(name: string): string[] {
    this.read.add(name);
    return this.params.getAll(name);
  }
}

function list(params: QueryString, name: string): string[] | null {
  const values = params
    .getAll(name)
    .flatMap((v) => v.split(','))
    .map((v) => v.trim())
    .filter((v) => v !== '');
  return capped(values, name);
}

/** The values, or null for none; more than the GraphQL filter's lists take is refused. */
function capped(values: string[], name: string): string[] | null {
  if (values.length > INPUT_DEFAULTS.listItems) {
    throw new ExportRequestError(
      `${name} has ${values.length} values; at most ${INPUT_DEFAULTS.listItems} are allowed`,
    );
  }
  return values.length > 0 ? values : null;
}

const INT_MAX = 2_147_483_647;

function integer(params: QueryString, name: string): number | null {
  const v = params.get(name);
  if (v == null || v.trim() === '') return null;
  const n = Number(v);
  // Years and row ids are 32-bit integer columns; a larger number can match nothing.
  if (!Number.isSafeInteger(n) || Math.abs(n) > INT_MAX) {
    throw new ExportRequestError(`${name} must be an integer between -${INT_MAX} and ${INT_MAX}, got "${v}"`);
  }
  return n;
}

/** A row ID from a global ID (the form GraphQL hands out) or a bare number, through the one decoder. */
function rowId(value: string, typename: string, name: string): number {
  const gid = /^\d+$/.test(value)
    ? decodeRowGlobalID(encodeGlobalID(typename, value))
    : decodeRowGlobalID(value);
  let id: number;
  try {
    id = rowIdOf(gid, typename, name);
  } catch (error) {
    throw new ExportRequestError((error as Error).message);
  }
  // The decoder maps IDs past 32 bits to 0, which no row has; a download says so instead of
  // answering an empty file.
  if (id === 0) throw new ExportRequestError(`${name}: no ${typename} has the ID "${value}"`);
  return id;
}

function ids(params: QueryString, name: string, typename: string): number[] | null {
  return list(params, name)?.map((v) => rowId(v, typename, name)) ?? null;
}

/** A country code through the check GraphQL's `countries` filter makes, its message as a 400. */
function countryParameter(code: string): string {
  try {
    return countryCodeOf(code, 'country');
  } catch (error) {
    throw new ExportRequestError((error as Error).message);
  }
}

function bool(params: QueryString, name: string): boolean | null {
  const v = params.get(name);
  if (v == null || v === '') return null;
  if (v === 'true' || v === '1') return true;
  if (v === 'false' || v === '0') return false;
  throw new ExportRequestError(`${name} must be true or false, got "${v}"`);
}

export interface ExportRequest {
  format: ExportFormat;
  filter: CitationFilter;
  ids: number[] | null;
}

/** Reads format and filter from the query string; throws ExportRequestError on bad input. */
export function parseExportRequest(query: URLSearchParams): ExportRequest {
  for (const [name, value] of query) {
    if (value.includes('\u0000')) throw new ExportRequestError(`${name} contains a NUL character`);
    // The same bounds as the GraphQL arguments these parameters mirror (src/schema/input-limits.ts).
    const max = name === 'search' ? MAX_SEARCH_LENGTH : INPUT_DEFAULTS.queryText;
    if (value.length > max) {
      throw new ExportRequestError(`${name} is ${value.length} characters long; at most ${max} are allowed`);
    }
  }
  const params = new QueryString(query);
  const name = (params.get('format') ?? '').trim().toLowerCase();
  const format = FORMAT_NAMES[name];
  if (!format) {
    throw new ExportRequestError(
      name
        ? `Unknown format "${name}". Use format=ris, bibtex or csl-json.`
        : 'format is required: ris, bibtex or csl-json.',
    );
  }
  const filter: CitationFilter = {
    search: params.get('search'),
    yearFrom: integer(params, 'yearFrom'),
    yearTo: integer(params, 'yearTo'),
    types: mergeLists(list(params, 'type'), list(params, 'types')),
    containerTitle: params.get('containerTitle'),
    doi: params.get('doi'),
    authorIds: ids(params, 'authorId', 'Author'),
    affiliationIds: ids(params, 'affiliationId', 'Affiliation'),
    // Repeated only: a keyword may hold a comma ("Cells, Cultured").
    keywords: capped(params.getAll('keyword'), 'keyword'),
    keywordIds: ids(params, 'keywordId', 'Keyword'),
    organizationIds: ids(params, 'organizationId', 'Organization'),
    countries: list(params, 'country')?.map((code) => countryParameter(code)) ?? null,
    hasDoi: bool(params, 'hasDoi'),
  };
  const citationIds = ids(params, 'id', 'Citation');
  // A misspelt filter would otherwise export everything.
  for (const name of query.keys()) {
    if (!params.read.has(name)) {
      throw new ExportRequestError(`Unknown parameter "${name}"; known: ${[...params.read].join(', ')}`);
    }
  }
  return { format, filter, ids: citationIds };
}

function mergeLists(a: string[] | null, b: string[] | null): string[] | null {
  return a && b ? [...a, ...b] : (a ?? b);
}

function fileName(format: ExportFormat): string {
  const stamp = new Date().toISOString().slice(0, 10);
  return `bibgraph-${stamp}.${EXPORT_FORMATS[format].extension}`;
}

/**
 * The status line's reason phrase: Node's own Response leaves it empty ("HTTP/1.1 400 "), where
 * Yoga's answers say "400 Bad Request".
 */
function statusText(status: number): string {
  return STATUS_CODES[status] ?? '';
}

function plain(status: number, text: string): Response {
  return new Response(`${text}\n`, {
    status,
    statusText: statusText(status),
    headers: { 'content-type': 'text/plain; charset=utf-8' },
  });
}

/**
 * The response for one GET /export request: 400 with a plain-text reason, or a streamed download.
 * The first batch is read before answering, so a failing query is a 500 with a reason instead of
 * a download that breaks off; a failure in a later batch ends the transfer early.
 */
export async function exportResponse(db: Database, url: URL, batchSize?: number): Promise<Response> {
  let request: ExportRequest;
  try {
    request = parseExportRequest(url.searchParams);
  } catch (error) {
    if (!(error instanceof ExportRequestError)) throw error;
    return plain(400, error.message);
  }
  const encoder = new TextEncoder();
  const chunks = streamExport(db, { filter: request.filter, ids: request.ids }, request.format, batchSize);
  let first: IteratorResult<string>;
  try {
    first = await chunks.next();
  } catch (error) {
    console.error('GET /export failed:', error);
    return plain(500, 'The export failed while reading the database; nothing was sent.');
  }
  // Pull-based: the next batch is read only when the client has taken the previous one.
  let cancelled = false;
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        if (first.value) {
          const value = first.value;
          first = { done: false, value: '' };
          return controller.enqueue(encoder.encode(value));
        }
        if (first.done) return controller.close();
        // Skip empty pieces: a pull that enqueues nothing is not always called again.
        for (;;) {
          const next = await chunks.next();
          // The client went away while the batch was read: the stream is closed already.
          if (cancelled) return;
          if (next.done) return controller.close();
          if (next.value) return controller.enqueue(encoder.encode(next.value));
        }
      } catch (error) {
        if (cancelled) return;
        console.error('GET /export failed mid-stream:', error);
        controller.error(new Error('export failed'));
      }
    },
    async cancel() {
      cancelled = true;
      await chunks.return(undefined);
    },
  });
  return new Response(body, {
    status: 200,
    statusText: statusText(200),
    headers: {
      'content-type': EXPORT_FORMATS[request.format].contentType,
      'content-disposition': `attachment; filename="${fileName(request.format)}"`,
      'cache-control': 'no-store',
    },
  });
}
