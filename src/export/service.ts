/**
 * The export service shared by GraphQL, GET /export and the CLI: selects the filtered set,
 * loads it with its people, keywords and affiliations in batches, and hands each batch to a
 * formatter. Batches follow the citation ID (keyset pagination), so memory stays the size of one
 * batch however large the set is, and a set being added to while it streams is never read twice.
 */

import { and, asc, eq, gt, inArray, type SQL, sql } from 'drizzle-orm';
import { CITATION_FIELDS } from '../citation/fields.ts';
import type { ContributorRole } from '../citation/types.ts';
import { type Database, type DatabaseKind, groupBy } from '../db/client.ts';
import {
  affiliations,
  authorAffiliations,
  authors,
  citationAffiliations,
  citationKeywords,
  citations,
  contributions,
  keywords,
} from '../db/schema.ts';
import { Turns } from '../db/turns.ts';
import { type CitationFilter, citationFilterSql } from '../query/citation-filter.ts';
import { CitationKeys, formatBibtex } from './bibtex.ts';
import { type CslItem, toCslItem } from './csl-json.ts';
import { formatPool } from './format-pool.ts';
import type { ExportCitation, ExportContributor, ExportRecord } from './record.ts';
import { formatRis } from './ris.ts';
import {
  type RenderedBibliography,
  type RenderFormat,
  renderBibliography,
  resolveLocale,
  resolveStyle,
} from './styles.ts';

export type ExportFormat = 'ris' | 'bibtex' | 'csl_json';

export interface ExportFormatInfo {
  contentType: string;
  extension: string;
}

export const EXPORT_FORMATS: Readonly<Record<ExportFormat, ExportFormatInfo>> = {
  ris: { contentType: 'application/x-research-info-systems; charset=utf-8', extension: 'ris' },
  bibtex: { contentType: 'application/x-bibtex; charset=utf-8', extension: 'bib' },
  csl_json: { contentType: 'application/vnd.citationstyles.csl+json; charset=utf-8', extension: 'json' },
};

export const DEFAULT_BATCH_SIZE = 500;

/**
 * The embedded database runs each statement on the event loop (WebAssembly), so a batch there is
 * smaller: a 500-record batch held every other request, /health included, for seconds.
 */
export const EMBEDDED_BATCH_SIZE = 100;

export function exportBatchSize(kind: DatabaseKind): number {
  return kind === 'pglite' ? EMBEDDED_BATCH_SIZE : DEFAULT_BATCH_SIZE;
}

/**
 * One export batch is read at a time in this process: concurrent exports take turns batch by
 * batch, so a cheap query waits for at most one batch, not one from every export in flight.
 */
const batchTurns = new Turns();

/** The columns an export reads: the id and every bibliographic field (src/citation/fields.ts). */
export const EXPORT_CITATION_COLUMNS = {
  id: citations.id,
  ...Object.fromEntries(CITATION_FIELDS.map((f) => [f.name, citations[f.name]])),
} as { [K in keyof ExportCitation]: (typeof citations)[K] };

/** Joins people, keywords and affiliations onto citation rows: four queries per batch. */
export async function loadExportRecords(db: Database, rows: ExportCitation[]): Promise<ExportRecord[]> {
  if (rows.length === 0) return [];
  const ids = rows.map((r) => r.id);
  const [people, terms, places, links] = await Promise.all([
    db
      .select({
        citationId: contributions.citationId,
        authorId: contributions.authorId,
        role: contributions.role,
        position: contributions.position,
        nameAsWritten: contributions.nameAsWritten,
        family: authors.family,
        given: authors.given,
        suffix: authors.suffix,
        literal: authors.literal,
      })
      .from(contributions)
      .innerJoin(authors, eq(authors.id, contributions.authorId))
      .where(inArray(contributions.citationId, ids))
      .orderBy(asc(contributions.citationId), asc(contributions.role), asc(contributions.position)),
    db
      .select({ citationId: citationKeywords.citationId, term: keywords.term })
      .from(citationKeywords)
      .innerJoin(keywords, eq(keywords.id, citationKeywords.keywordId))
      .where(inArray(citationKeywords.citationId, ids))
      .orderBy(asc(citationKeywords.citationId), asc(citationKeywords.position)),
    db
      .select({
        citationId: citationAffiliations.citationId,
        affiliationId: citationAffiliations.affiliationId,
        name: affiliations.name,
        country: affiliations.country,
      })
      .from(citationAffiliations)
      .innerJoin(affiliations, eq(affiliations.id, citationAffiliations.affiliationId))
      .where(inArray(citationAffiliations.citationId, ids))
      .orderBy(asc(citationAffiliations.citationId), asc(citationAffiliations.position)),
    db
      .select({
        citationId: authorAffiliations.citationId,
        authorId: authorAffiliations.authorId,
        affiliationId: authorAffiliations.affiliationId,
      })
      .from(authorAffiliations)
      .where(inArray(authorAffiliations.citationId, ids)),
  ]);
  const peopleOf = groupBy(people, (r) => r.citationId);
  const termsOf = groupBy(terms, (r) => r.citationId);
  const placesOf = groupBy(places, (r) => r.citationId);
  const linksOf = groupBy(links, (r) => r.citationId);
  return rows.map((citation) => {
    const affs = placesOf.get(citation.id) ?? [];
    const affIndex = new Map(affs.map((a, i) => [a.affiliationId, i]));
    const linked = new Map<number, number[]>();
    for (const l of linksOf.get(citation.id) ?? []) {
      const i = affIndex.get(l.affiliationId);
      if (i === undefined) continue;
      const list = linked.get(l.authorId) ?? [];
      list.push(i);
      linked.set(l.authorId, list);
    }
    const contributors: ExportContributor[] = (peopleOf.get(citation.id) ?? []).map((p) => ({
      role: p.role as ContributorRole,
      position: p.position,
      nameAsWritten: p.nameAsWritten,
      family: p.family,
      given: p.given,
      suffix: p.suffix,
      literal: p.literal,
      affiliations: [...(linked.get(p.authorId) ?? [])].sort((a, b) => a - b),
    }));
    return {
      citation,
      contributors,
      keywords: (termsOf.get(citation.id) ?? []).map((t) => t.term),
      affiliations: affs.map((a) => ({ name: a.name, country: a.country })),
    };
  });
}

export interface ExportSelection {
  filter?: CitationFilter;
  /** Restrict to these citation IDs (in addition to the filter). */
  ids?: number[] | null;
}

function selectionSql(selection: ExportSelection): SQL | undefined {
  const filter: CitationFilter = { ...(selection.filter ?? {}) };
  const parts: SQL[] = [];
  const fromFilter = citationFilterSql(filter, citations);
  if (fromFilter) parts.push(fromFilter);
  // An explicit empty list selects nothing, unlike an absent one.
  if (selection.ids) parts.push(selection.ids.length > 0 ? inArray(citations.id, selection.ids) : sql`false`);
  return parts.length === 0 ? undefined : parts.length === 1 ? parts[0] : and(...parts);
}

/** The selected records in citation-ID order, one batch at a time. */
export async function* exportRecordBatches(
  db: Database,
  selection: ExportSelection,
  batchSize = DEFAULT_BATCH_SIZE,
): AsyncGenerator<ExportRecord[]> {
  const where = selectionSql(selection);
  let after = 0;
  for (;;) {
    const { rows, records } = await batchTurns.run(async () => {
      const rows = await db
        .select(EXPORT_CITATION_COLUMNS)
        .from(citations)
        .where(where ? and(where, gt(citations.id, after)) : gt(citations.id, after))
        .orderBy(asc(citations.id))
        .limit(batchSize);
      return {
        rows,
        records: rows.length === 0 ? [] : await loadExportRecords(db, rows as ExportCitation[]),
      };
    });
    if (rows.length === 0) return;
    yield records;
    // Let waiting requests (and I/O) run before the next batch is read and formatted.
    await new Promise((resolve) => setImmediate(resolve));
    if (rows.length < batchSize) return;
    after = (rows[rows.length - 1] as { id: number }).id;
  }
}

/** Records of specific citations, in the order the IDs are given; unknown IDs are skipped. */
export async function exportRecordsByIds(db: Database, ids: number[]): Promise<ExportRecord[]> {
  if (ids.length === 0) return [];
  const rows = await db.select(EXPORT_CITATION_COLUMNS).from(citations).where(inArray(citations.id, ids));
  const byId = new Map(
    (await loadExportRecords(db, rows as ExportCitation[])).map((r) => [r.citation.id, r]),
  );
  return ids.flatMap((id) => byId.get(id) ?? []);
}

/**
 * Turns records into document pieces. Holds what must span the whole document: BibTeX keys
 * (unique per file) and the CSL-JSON array brackets.
 */
export class ExportWriter {
  private readonly keys = new CitationKeys();
  private count = 0;

  constructor(readonly format: ExportFormat) {}

  start(): string {
    return this.format === 'csl_json' ? '[' : '';
  }

  write(records: ExportRecord[]): string {
    let out = '';
    for (const record of records) {
      // A blank line between RIS records, as EndNote, Zotero and the databases write them: some
      // readers split a file on it, and people reading the file do.
      if (this.format === 'ris') out += (this.count > 0 ? '\n' : '') + formatRis(record);
      else if (this.format === 'bibtex') out += formatBibtex(record, this.keys.next(record));
      else {
        const item = toCslItem(record, this.keys.next(record));
        out += `${this.count === 0 ? '\n' : ',\n'}  ${JSON.stringify(item)}`;
      }
      this.count++;
    }
    return out;
  }

  end(): string {
    return this.format === 'csl_json' ? (this.count === 0 ? ']\n' : '\n]\n') : '';
  }

  get written(): number {
    return this.count;
  }
}

/** The whole export as text chunks, one per batch; nothing beyond a batch is held. */
export async function* streamExport(
  db: Database,
  selection: ExportSelection,
  format: ExportFormat,
  batchSize = DEFAULT_BATCH_SIZE,
): AsyncGenerator<string> {
  const writer = new ExportWriter(format);
  const head = writer.start();
  if (head) yield head;
  for await (const batch of exportRecordBatches(db, selection, batchSize)) yield writer.write(batch);
  yield writer.end();
}

/** One export document for one record (a single RIS record, BibTeX entry or CSL-JSON item). */
export function exportOne(record: ExportRecord, format: ExportFormat): string {
  if (format === 'csl_json')
    return `${JSON.stringify(toCslItem(record, new CitationKeys().next(record)), null, 2)}\n`;
  const writer = new ExportWriter(format);
  return writer.start() + writer.write([record]) + writer.end();
}

export class ExportTooLargeError extends Error {
  constructor(
    readonly count: number,
    readonly limit: number,
  ) {
    super(
      `The selection holds more than ${limit} citations; narrow the filter or use GET /export, which streams.`,
    );
    this.name = 'ExportTooLargeError';
  }
}

/** Loads a whole selection, refusing more than `limit` records (for answers that are built whole). */
export async function loadSelection(
  db: Database,
  selection: ExportSelection,
  limit: number,
  batchSize = DEFAULT_BATCH_SIZE,
): Promise<ExportRecord[]> {
  const out: ExportRecord[] = [];
  for await (const batch of exportRecordBatches(db, selection, Math.min(batchSize, limit + 1))) {
    out.push(...batch);
    if (out.length > limit) throw new ExportTooLargeError(out.length, limit);
  }
  return out;
}

/** The whole selection as one document, refusing more than `limit` records. */
export async function exportDocument(
  db: Database,
  selection: ExportSelection,
  format: ExportFormat,
  limit: number,
  batchSize = DEFAULT_BATCH_SIZE,
): Promise<{ content: string; count: number }> {
  const writer = new ExportWriter(format);
  const parts = [writer.start()];
  for await (const batch of exportRecordBatches(db, selection, Math.min(batchSize, limit + 1))) {
    if (writer.written + batch.length > limit)
      throw new ExportTooLargeError(writer.written + batch.length, limit);
    parts.push(writer.write(batch));
  }
  parts.push(writer.end());
  return { content: parts.join(''), count: writer.written };
}

/**
 * Bibliographies up to this size are formatted in place (a few milliseconds an entry); larger
 * ones go to a worker thread so the event loop keeps serving other requests.
 */
export const INLINE_BIBLIOGRAPHY = 50;

/**
 * `bibliographyOf` for the server: large sets are formatted in a worker thread, and the work
 * stops (the worker is terminated) when `signal` aborts.
 */
export async function formatBibliography(
  records: ExportRecord[],
  options: { style: string; locale: string; format: RenderFormat },
  signal?: AbortSignal,
): Promise<RenderedBibliography> {
  if (records.length <= INLINE_BIBLIOGRAPHY) return bibliographyOf(records, options);
  // Unknown names fail here, with the error the caller maps, before any worker is involved.
  resolveStyle(options.style);
  resolveLocale(options.locale);
  const items: CslItem[] = records.map((r) => toCslItem(r, String(r.citation.id)));
  return formatPool.render(items, options, signal);
}

/**
 * A formatted bibliography. Item IDs are the citation IDs as strings so entries can be matched
 * back to citations; the order is the style's (numeric styles keep the order given).
 */
export function bibliographyOf(
  records: ExportRecord[],
  options: { style: string; locale: string; format: RenderFormat },
): RenderedBibliography {
  const items: CslItem[] = records.map((r) => toCslItem(r, String(r.citation.id)));
  return renderBibliography(items, options);
}
