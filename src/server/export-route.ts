/**
 * GET /export?format=ris|bibtex|csl-json&<filter>: the filtered set as a download, streamed batch
 * by batch so a set of any size is sent without being held in memory. Query parameters mirror the
 * GraphQL `CitationFilter`; list parameters repeat (`type=JOUR&type=BOOK`) or take commas.
 */

import type { Database } from '../db/client.ts';
import { EXPORT_FORMATS, type ExportFormat, streamExport } from '../export/service.ts';
import type { CitationFilter } from '../query/citation-filter.ts';

export class ExportRequestError extends Error {}

const FORMAT_NAMES: Readonly<Record<string, ExportFormat>> = {
  ris: 'ris',
  bibtex: 'bibtex',
  bib: 'bibtex',
  'csl-json': 'csl_json',
  csl_json: 'csl_json',
  json: 'csl_json',
};

function list(params: URLSearchParams, name: string): string[] | null {
  const values = params
    .getAll(name)
    .flatMap((v) => v.split(','))
    .map((v) => v.trim())
    .filter((v) => v !== '');
  return values.length > 0 ? values : null;
}

function integer(params: URLSearchParams, name: string): number | null {
  const v = params.get(name);
  if (v == null || v.trim() === '') return null;
  const n = Number(v);
  if (!Number.isSafeInteger(n)) throw new ExportRequestError(`${name} must be an integer, got "${v}"`);
  return n;
}

/** A row ID from a number or a GraphQL global ID (base64 of `Type:id`) of the expected type. */
function rowId(value: string, typename: string, name: string): number {
  if (/^\d+$/.test(value)) return Number(value);
  const decoded = Buffer.from(value, 'base64').toString('utf8');
  const m = /^(\w+):(\d+)$/.exec(decoded);
  if (!m || m[1] !== typename) throw new ExportRequestError(`${name} takes ${typename} IDs, got "${value}"`);
  return Number(m[2]);
}

function ids(params: URLSearchParams, name: string, typename: string): number[] | null {
  return list(params, name)?.map((v) => rowId(v, typename, name)) ?? null;
}

function bool(params: URLSearchParams, name: string): boolean | null {
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
export function parseExportRequest(params: URLSearchParams): ExportRequest {
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
    types: list(params, 'type') ?? list(params, 'types'),
    containerTitle: params.get('containerTitle'),
    doi: params.get('doi'),
    authorIds: ids(params, 'authorId', 'Author'),
    affiliationIds: ids(params, 'affiliationId', 'Affiliation'),
    keywords: params.getAll('keyword').length > 0 ? params.getAll('keyword') : null,
    keywordIds: ids(params, 'keywordId', 'Keyword'),
    hasDoi: bool(params, 'hasDoi'),
  };
  return { format, filter, ids: ids(params, 'id', 'Citation') };
}

function fileName(format: ExportFormat): string {
  const stamp = new Date().toISOString().slice(0, 10);
  return `bibgraph-${stamp}.${EXPORT_FORMATS[format].extension}`;
}

/** The response for one GET /export request: 400 with a plain-text reason, or a streamed download. */
export function exportResponse(db: Database, url: URL): Response {
  let request: ExportRequest;
  try {
    request = parseExportRequest(url.searchParams);
  } catch (error) {
    if (!(error instanceof ExportRequestError)) throw error;
    return new Response(`${error.message}\n`, {
      status: 400,
      headers: { 'content-type': 'text/plain; charset=utf-8' },
    });
  }
  const encoder = new TextEncoder();
  const chunks = streamExport(db, { filter: request.filter, ids: request.ids }, request.format);
  // Pull-based: the next batch is read only when the client has taken the previous one.
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        // Skip empty pieces: a pull that enqueues nothing is not always called again.
        for (;;) {
          const next = await chunks.next();
          if (next.done) return controller.close();
          if (next.value) return controller.enqueue(encoder.encode(next.value));
        }
      } catch (error) {
        controller.error(error);
      }
    },
    async cancel() {
      await chunks.return(undefined);
    },
  });
  return new Response(body, {
    status: 200,
    headers: {
      'content-type': EXPORT_FORMATS[request.format].contentType,
      'content-disposition': `attachment; filename="${fileName(request.format)}"`,
      'cache-control': 'no-store',
    },
  });
}
