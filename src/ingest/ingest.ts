import { and, eq, inArray, or, sql } from 'drizzle-orm';
import { recordChange, subjectId } from '../audit/log.ts';
import { affiliationKey, authorKey, keywordKey } from '../citation/keys.ts';
import { type CitationPreview, previewCitation } from '../citation/preview.ts';
import type { MappedCitation } from '../citation/types.ts';
import { bulkInsert, bulkUpdate, RowEncoder, upsertKeyed } from '../db/bulk.ts';
import { changesOf, collectsChanges, noteChanges } from '../db/changes.ts';
import { type Database, groupBy, rowsOf } from '../db/client.ts';
import {
  affiliations,
  authorAffiliations,
  authors,
  citationAffiliations,
  citationAliases,
  citationKeywords,
  citations,
  contributions,
  ingestions,
  keywords,
  type NewCitation,
} from '../db/schema.ts';
import { mapInSlices, TimeSlice } from '../db/time-slice.ts';
import { WRITERS_LOCK, writeTransaction } from '../db/writers.ts';
import { BusyError } from '../errors.ts';
import type { FormatChoice } from '../formats/read.ts';
import type { InputFormat } from '../formats/types.ts';
import { refreshSearchDocuments, searchDocumentSql } from '../query/search.ts';
import { displayName, hasLoneSurrogate, replaceLoneSurrogates } from '../ris/normalize.ts';
import type { RisProblem } from '../ris/types.ts';
import { citationsMarkedDistinct, type Survivor, survivorsByKey } from './decisions.ts';
import { databaseIngestError, IngestError } from './errors.ts';
import { IdList, IdMap } from './id-lists.ts';
import { refreshKeywordTerms } from './keyword-terms.ts';
import { titlesClearlyDiffer } from './match.ts';
import { type Comparable, MERGEABLE_LISTS, MERGEABLE_SCALARS, mergeCitation } from './merge.ts';
import { recomputeAuthorLinks } from './organization-links.ts';
import {
  type AddressRow,
  refreshOrganizationNames,
  storeAddresses,
  unreadAffiliations,
} from './organizations.ts';
import { PlannerStatistics } from './planner-statistics.ts';
import { type PreparedEvent, type PreparedRecord, prepareStream } from './prepare.ts';
import { PrepareWorkerError, preparePool } from './prepare-pool.ts';

export type IngestInput = string | Uint8Array | AsyncIterable<Uint8Array | string>;
export type IngestAction = 'created' | 'updated' | 'unchanged' | 'failed';
export type MatchedBy = 'doi' | 'fingerprint' | 'raw';

export interface RecordOutcome {
  record: number;
  line: number;
  action: IngestAction;
  /** The stored citation; null for failed records and for records a dry run would create. */
  citationId: number | null;
  /** How an existing citation was recognised; null for new ones. */
  matchedBy: MatchedBy | null;
  title: string | null;
  /**
   * How a dry run read the record: the citation as it would be stored, before any merge with a
   * match. Only on dry runs, for the first `IngestOptions.previews` records (null when the record
   * could not be mapped); absent otherwise.
   */
  mapped?: CitationPreview | null;
}

export interface IngestProgress {
  bytes: number;
  records: number;
  /** Problems reported so far (errors, warnings and notes). */
  problems: number;
}

export interface IngestOptions {
  source?: string | null;
  dryRun?: boolean;
  /** Largest input accepted, in bytes; larger input fails with IngestError('PAYLOAD_TOO_LARGE'). */
  maxBytes?: number;
  /** Records written per round trip. */
  batchSize?: number;
  onProgress?: (progress: IngestProgress) => void;
  /**
   * Keep one outcome per record in the report (default true). The CLI turns it off: a 200 MB
   * file has ~150,000 records and it only prints counts.
   */
  keepOutcomes?: boolean;
  /**
   * How many records, from the first, a dry run reports as read (`RecordOutcome.mapped`), kept
   * even without `keepOutcomes`; default DRY_RUN_PREVIEWS. Real runs keep none.
   */
  previews?: number;
  /** Who to name in the audit log for a real (not dry) run; omitted, nothing is logged. */
  actor?: string;
  /** The audit log's action name (default `ingestRis`). */
  action?: string;
  /**
   * Parse and map in a worker thread (prepare-pool.ts), so that a server's event loop stays free
   * for reads while an ingest runs. Default: for streams and for inputs of 256 KB or more; a
   * smaller string is parsed faster than a worker would start.
   */
  offThread?: boolean;
  /** The input's format; `AUTO` (default) detects it from the first 8 KB (src/formats/read.ts). */
  format?: FormatChoice;
  /**
   * A row made beforehand for this ingest (a background ingestion, src/ingest/jobs.ts) instead of a
   * new one. It is finished (status, totals, outcomes) in the ingest's own transaction, so it turns
   * SUCCEEDED exactly when the records commit.
   */
  ingestionId?: number;
}

export interface IngestReport {
  ingestionId: number | null;
  dryRun: boolean;
  /** The format the input was read as; null when it was none bibgraph reads. */
  format: InputFormat | null;
  found: number;
  created: number;
  updated: number;
  unchanged: number;
  failed: number;
  bytes: number;
  /**
   * Addresses from which no organization could be read. They are stored all the same (raw, on
   * their citation); this only counts them.
   */
  unparsedAddresses: number;
  problems: RisProblem[];
  outcomes: RecordOutcome[];
}

/**
 * What a whole ingest touched, for the organization work done once at its end. The per-record
 * parts are typed arrays (id-lists.ts): they live until the end of a file of any size.
 */
interface OrganizationWork {
  /** Citations the ingest created or changed (repeats allowed). */
  citationIds: IdList;
  organizationIds: Set<number>;
  /** Keywords the ingest put on citations: their most frequent spelling may have changed. */
  keywordIds: Set<number>;
  /** Citations this ingest created → the record each came from (for messages naming them). */
  createdBy: IdMap;
  statistics: PlannerStatistics;
}

interface Item {
  record: PreparedRecord;
  mapped: MappedCitation;
  doi: string | null;
  fingerprint: string | null;
  /** Set only when there is neither DOI nor fingerprint: the record's only identity. */
  rawHash: string | null;
  /**
   * The item's DOI when a clearly different work already holds it (decided while matching): the
   * item is stored, or merged, without it, and keeps it as conflictingDoi.
   */
  doiTakenBy: ExistingRow | null;
  outcome: RecordOutcome;
}

class DryRunRollback extends Error {}

/**
 * Records a dry run shows as read, from the first: enough to check how a file is read, while a
 * report stays far smaller than its input (a preview can be as long as its abstract).
 */
export const DRY_RUN_PREVIEWS = 100;

/** Records mapped between yields to the event loop while a batch is being written. */
const YIELD_EVERY = 32;

/** Inputs from this size up are parsed off the event loop unless told otherwise. */
const OFF_THREAD_BYTES = 256 * 1024;

/** Advisory lock held by every writer of the graph (ingests and curation), one at a time. */
export const INGEST_LOCK = WRITERS_LOCK;

async function* asChunks(input: IngestInput): AsyncIterable<Uint8Array | string> {
  if (typeof input === 'string' || input instanceof Uint8Array) {
    yield input;
    return;
  }
  yield* input;
}

async function* limitBytes(
  source: AsyncIterable<Uint8Array | string>,
  maxBytes: number,
  counter: { bytes: number },
): AsyncIterable<Uint8Array | string> {
  for await (const chunk of source) {
    counter.bytes += typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.byteLength;
    if (counter.bytes > maxBytes) {
      throw new IngestError(
        `Input exceeds the ingest size limit of ${formatBytes(maxBytes)} (BIBGRAPH_MAX_INGEST_SIZE); nothing was stored`,
        'PAYLOAD_TOO_LARGE',
      );
    }
    yield chunk;
  }
}

export function formatBytes(n: number): string {
  if (n >= 1024 ** 3) return `${(n / 1024 ** 3).toFixed(n % 1024 ** 3 ? 1 : 0)} GB`;
  if (n >= 1024 ** 2) return `${(n / 1024 ** 2).toFixed(n % 1024 ** 2 ? 1 : 0)} MB`;
  if (n >= 1024) return `${(n / 1024).toFixed(n % 1024 ? 1 : 0)} KB`;
  return `${n} bytes`;
}

/**
 * Parses, maps and stores RIS in one transaction. Records that cannot be mapped are reported and
 * skipped; a database failure rolls everything back. A dry run does all the same work and then
 * rolls back, so its counts are exactly what a real run would produce.
 */
export async function ingestRis(
  db: Database,
  input: IngestInput,
  givenOptions: IngestOptions = {},
): Promise<IngestReport> {
  const { options, problem: sourceProblem } = withStorableSource(givenOptions);
  const dryRun = options.dryRun ?? false;
  const batchSize = options.batchSize ?? 500;
  const previews = dryRun ? (options.previews ?? DRY_RUN_PREVIEWS) : 0;
  const report: IngestReport = {
    ingestionId: null,
    dryRun,
    format: null,
    found: 0,
    created: 0,
    updated: 0,
    unchanged: 0,
    failed: 0,
    bytes: 0,
    unparsedAddresses: 0,
    problems: sourceProblem ? [sourceProblem] : [],
    outcomes: [],
  };
  const counter = { bytes: 0 };
  const source = limitBytes(asChunks(input), options.maxBytes ?? Number.POSITIVE_INFINITY, counter);
  const offThread = options.offThread ?? inputBytes(input) >= OFF_THREAD_BYTES;
  const format = options.format ?? 'AUTO';
  const prepared = (): AsyncIterable<PreparedEvent> =>
    offThread ? preparePool.prepare(source, format) : prepareStream(source, format);

  try {
    // One writer at a time. Unique keys and ON CONFLICT already keep duplicates out, but two long
    // transactions inserting overlapping keys in different orders wait on each other's uncommitted
    // rows and deadlock; queueing whole ingests avoids that, and readers never wait.
    const label = `${options.action ?? 'ingest'}${options.source ? ` "${options.source}"` : ''}`;
    await writeTransaction(db, label, async (tx) => {
      const ingestionId =
        options.ingestionId ??
        (
          await tx
            .insert(ingestions)
            .values({ source: options.source ?? null, dryRun })
            .returning({ id: ingestions.id })
        )[0]?.id ??
        null;
      let batch: Item[] = [];
      const work: OrganizationWork = {
        citationIds: new IdList(),
        organizationIds: new Set(),
        keywordIds: new Set(),
        createdBy: new IdMap(),
        statistics: new PlannerStatistics(),
      };
      let notRis: RisProblem | null = null;
      // Pipelined: while the database writes one batch, this thread parses and maps the next, so
      // the two halves of the work overlap instead of taking turns. Batches are still written one
      // after another (each one's dedup must see the rows of the one before).
      let inFlight: Promise<void> | null = null;
      const settle = async (): Promise<void> => {
        const p = inFlight;
        inFlight = null;
        if (p) await p;
      };

      try {
        for await (const event of prepared()) {
          if (event.type === 'format') {
            report.format = event.format;
          } else if (event.type === 'problem') {
            if (event.problem.record === 0 && event.problem.severity === 'error' && report.found === 0) {
              notRis = event.problem;
            }
            report.problems.push({ ...event.problem, message: detach(event.problem.message) });
          } else if (event.type === 'progress') {
            options.onProgress?.({
              bytes: event.bytes,
              records: event.records,
              problems: report.problems.length,
            });
          } else {
            report.found++;
            const item = toItem(event.record, report, options.keepOutcomes ?? true, previews);
            if (item) batch.push(item);
            if (batch.length >= batchSize) {
              await settle();
              // Input arrives in chunks of up to a megabyte (a thousand records); a batch is the
              // finer step, so a progress bar or subscriber moves every few hundred records.
              options.onProgress?.({
                bytes: counter.bytes,
                records: report.found,
                problems: report.problems.length,
              });
              inFlight = storeBatch(tx, batch, ingestionId, report, work);
              // Observed by settle(); without this a failure would surface as an unhandled
              // rejection while the next batch is still being parsed.
              inFlight.catch(() => {});
              batch = [];
            } else if (!offThread && inFlight !== null && report.found % YIELD_EVERY === 0) {
              // Parsing a decoded chunk is synchronous; let the driver read the database's answer
              // and send the batch's next statement. (From the worker, records arrive in messages,
              // each its own turn of the event loop.)
              await new Promise((done) => setImmediate(done));
            }
          }
        }
      } catch (error) {
        // Let the batch in flight finish (or fail) before the transaction rolls back under it.
        await inFlight?.catch(() => {});
        throw error;
      }
      await settle();
      if (notRis && report.found === 0) {
        const hint =
          format === 'RIS' && report.format === 'RIS'
            ? '; ingestCitations (format: AUTO) and the CLI also read BibTeX, CSL-JSON, MEDLINE and Web of Science'
            : '';
        throw new IngestError(`${notRis.message}${hint}`, 'UNSUPPORTED_FORMAT');
      }
      await storeBatch(tx, batch, ingestionId, report, work);
      // Inference looks at all of an author's citations, so it runs once, after every batch, for
      // the authors of the citations this ingest changed. A dry run skips it: it changes no count.
      if (!dryRun) {
        await linkOrganizations(tx, work);
        noteChanges(tx, changesOf('Keyword', 'updated', await refreshKeywordTerms(tx, work.keywordIds)));
        // Their people, citations or spellings changed; announced once the ingest commits.
        noteChanges(tx, changesOf('Organization', 'updated', work.organizationIds));
      }
      report.bytes = counter.bytes;
      options.onProgress?.({ bytes: counter.bytes, records: report.found, problems: report.problems.length });
      report.outcomes.sort((a, b) => a.record - b.record);

      if (ingestionId !== null) {
        await tx
          .update(ingestions)
          .set({
            finishedAt: new Date(),
            ...totals(report),
            problems: report.problems,
            ...(options.ingestionId === undefined
              ? {}
              : { status: 'succeeded' as const, outcomes: report.outcomes, recordsDone: report.found }),
          })
          .where(eq(ingestions.id, ingestionId));
      }
      report.ingestionId = ingestionId;
      if (dryRun) throw new DryRunRollback();
      if (options.actor && ingestionId !== null) {
        const touched = report.outcomes.filter((o) => o.action === 'created' || o.action === 'updated');
        await recordChange(tx, {
          actor: options.actor,
          action: options.action ?? 'ingestRis',
          subjects: [
            subjectId('Ingestion', ingestionId),
            ...touched.flatMap((o) => (o.citationId === null ? [] : [subjectId('Citation', o.citationId)])),
          ],
          before: null,
          after: { source: options.source ?? null, ...totals(report) },
        });
      }
    });
  } catch (error) {
    if (error instanceof DryRunRollback) {
      report.ingestionId = null;
      // Citations a dry run would create do not exist; only matches with stored rows keep their id.
      for (const o of report.outcomes) if (o.action === 'created') o.citationId = null;
      return report;
    }
    if (error instanceof IngestError || error instanceof BusyError || error instanceof PrepareWorkerError)
      throw error;
    throw databaseIngestError(error);
  }
  return report;
}

/**
 * The source label is stored as text and in the audit log's jsonb, neither of which can hold half
 * a surrogate pair; the label is only a label, so it is repaired with a warning rather than refused.
 */
function withStorableSource(options: IngestOptions): { options: IngestOptions; problem: RisProblem | null } {
  if (!options.source || !hasLoneSurrogate(options.source)) return { options, problem: null };
  return {
    options: { ...options, source: replaceLoneSurrogates(options.source) },
    problem: {
      record: 0,
      line: null,
      severity: 'warning',
      message:
        'The source label held an unpaired UTF-16 surrogate (half a character, which no stored text can hold); replaced with U+FFFD',
    },
  };
}

/** The counts an ingestion row and its audit entry record. */
function totals(r: IngestReport) {
  const { found, created, updated, unchanged, failed, bytes, unparsedAddresses, format } = r;
  return { found, created, updated, unchanged, failed, bytes, unparsedAddresses, format };
}

/** A string with its own storage (V8 slices and concatenations keep their source alive). */
function detach(s: string): string {
  return Buffer.from(s, 'utf8').toString('utf8');
}

/** Bytes of an input given whole; streams count as large (their size is not known up front). */
function inputBytes(input: IngestInput): number {
  if (typeof input === 'string') return input.length;
  if (input instanceof Uint8Array) return input.byteLength;
  return Number.POSITIVE_INFINITY;
}

function toItem(
  record: PreparedRecord,
  report: IngestReport,
  keepOutcome: boolean,
  previews: number,
): Item | null {
  const { citation, problems, fingerprint, rawHash } = record;
  for (const p of problems) report.problems.push({ ...p, message: detach(p.message) });
  const outcome: RecordOutcome = {
    record: record.index,
    line: record.line,
    action: 'failed',
    citationId: null,
    matchedBy: null,
    // A copy: the mapped title may be a slice of a whole decoded chunk, and outcomes live until the
    // end of the ingest, which would keep every chunk of a large file in memory.
    title: citation?.title ? detach(citation.title) : null,
  };
  const previewed = record.index <= previews;
  if (previewed) outcome.mapped = citation ? previewCitation(citation) : null;
  if (keepOutcome || previewed) report.outcomes.push(outcome);
  if (!citation) {
    report.failed++;
    return null;
  }
  report.unparsedAddresses += citation.affiliations.filter(
    (a) => a.address.organizations.length === 0,
  ).length;
  return {
    record,
    mapped: citation,
    doi: citation.doi,
    fingerprint,
    rawHash,
    doiTakenBy: null,
    outcome,
  };
}

function citationRow(item: Item, ingestionId: number | null): NewCitation {
  // Every mapped field but the linked lists is a column; the raw text is stored as raw_record.
  const {
    contributors: _contributors,
    affiliations: _affiliations,
    keywords: _keywords,
    raw,
    ...columns
  } = item.mapped;
  const taken = item.doiTakenBy !== null;
  return {
    ...columns,
    doi: taken ? null : item.doi,
    conflictingDoi: taken ? item.doi : null,
    rawRecord: raw,
    fingerprint: item.fingerprint,
    rawHash: item.rawHash,
    ingestionId,
  };
}

type ExistingRow = Comparable & {
  id: number;
  fingerprint: string | null;
  conflictingDoi: string | null;
  rawHash: string | null;
  clearedFields: string[];
};

const comparableColumns = Object.fromEntries(
  [
    ...MERGEABLE_SCALARS,
    ...MERGEABLE_LISTS,
    'rawTags',
    'id',
    'fingerprint',
    'conflictingDoi',
    'rawHash',
    'clearedFields',
  ].map((k) => [k, citations[k as keyof typeof citations.$inferSelect]]),
) as Record<string, (typeof citations)['id']>;

/** Encoder of merged known citations: the compared columns plus what every update sets. */
const updateEncoder = new RowEncoder(citations, [
  ...Object.keys(comparableColumns).filter((k) => k !== 'fingerprint'),
  'ingestionId',
  'updatedAt',
]);

function fileKeys(item: Item): string[] {
  const keys: string[] = [];
  if (item.doi) keys.push(`doi:${item.doi}`);
  if (item.fingerprint) keys.push(`fp:${item.fingerprint}`);
  if (item.rawHash) keys.push(`raw:${item.rawHash}`);
  return keys;
}

/** Writes one batch; repeats of a record earlier in the same batch go in a follow-up pass. */
async function storeBatch(
  tx: Database,
  batch: Item[],
  ingestionId: number | null,
  report: IngestReport,
  work: OrganizationWork,
): Promise<void> {
  let pending = batch;
  while (pending.length > 0) {
    const seen = new Set<string>();
    const first: Item[] = [];
    const repeats: Item[] = [];
    for (const item of pending) {
      const keys = fileKeys(item);
      if (keys.some((k) => seen.has(k))) repeats.push(item);
      else {
        for (const k of keys) seen.add(k);
        first.push(item);
      }
    }
    const retry = await storeDistinct(tx, first, ingestionId, report, work);
    pending = [...retry, ...repeats];
  }
  await work.statistics.afterBatch(tx, report.created);
}

/** Stored citations a batch may match: by DOI (held, conflicting or former), fingerprint (current or former), raw hash. */
interface Candidates {
  byDoi: Map<string, ExistingRow>;
  byConflictingDoi: Map<string, ExistingRow[]>;
  byFormerDoi: Map<string, ExistingRow>;
  byFp: Map<string, ExistingRow[]>;
  byFormerFp: Map<string, ExistingRow>;
  byRawHash: Map<string, ExistingRow>;
  all: ExistingRow[];
}

async function loadCandidates(tx: Database, items: Item[]): Promise<Candidates> {
  const dois = [...new Set(items.flatMap((i) => (i.doi ? [i.doi] : [])))];
  const fps = [...new Set(items.flatMap((i) => (i.fingerprint ? [i.fingerprint] : [])))];
  const hashes = [...new Set(items.flatMap((i) => (i.rawHash ? [i.rawHash] : [])))];
  // The DOIs and fingerprints curators corrected away, so the original file still finds its citation.
  const formerKeys = [
    ...(dois.length ? [and(eq(citationAliases.kind, 'doi'), inArray(citationAliases.key, dois))] : []),
    ...(fps.length ? [and(eq(citationAliases.kind, 'fingerprint'), inArray(citationAliases.key, fps))] : []),
  ];
  const former = formerKeys.length
    ? await tx
        .select({
          kind: citationAliases.kind,
          key: citationAliases.key,
          citationId: citationAliases.citationId,
        })
        .from(citationAliases)
        .where(or(...formerKeys))
    : [];
  const conditions = [];
  if (dois.length) conditions.push(inArray(citations.doi, dois), inArray(citations.conflictingDoi, dois));
  if (fps.length) conditions.push(inArray(citations.fingerprint, fps));
  if (hashes.length) conditions.push(inArray(citations.rawHash, hashes));
  if (former.length) conditions.push(inArray(citations.id, [...new Set(former.map((f) => f.citationId))]));
  const all: ExistingRow[] = conditions.length
    ? ((await tx
        .select(comparableColumns)
        .from(citations)
        .where(or(...conditions))) as unknown as ExistingRow[])
    : [];
  const c: Candidates = {
    byDoi: new Map(),
    byConflictingDoi: new Map(),
    byFormerDoi: new Map(),
    byFp: new Map(),
    byFormerFp: new Map(),
    byRawHash: new Map(),
    all,
  };
  const push = (m: Map<string, ExistingRow[]>, k: string, row: ExistingRow) => {
    const list = m.get(k) ?? [];
    list.push(row);
    m.set(k, list);
  };
  const byId = new Map(all.map((r) => [r.id, r]));
  for (const row of all) {
    if (row.doi) c.byDoi.set(row.doi, row);
    if (row.conflictingDoi) push(c.byConflictingDoi, row.conflictingDoi, row);
    if (row.fingerprint) push(c.byFp, row.fingerprint, row);
    if (row.rawHash) c.byRawHash.set(row.rawHash, row);
  }
  for (const f of former) {
    const row = byId.get(f.citationId);
    if (row) (f.kind === 'doi' ? c.byFormerDoi : c.byFormerFp).set(f.key, row);
  }
  return c;
}

/**
 * Finds the stored citation an item is, or null for a new one; sets `item.doiTakenBy` when the
 * item's DOI belongs to a clearly different work.
 */
function matchItem(
  item: Item,
  c: Candidates,
  marked: Set<number>,
): { row: ExistingRow; how: MatchedBy } | null {
  const title = item.mapped.title;
  if (item.doi) {
    const holder = c.byDoi.get(item.doi);
    // The DOI's holder, then works kept apart with the same DOI, then a citation a curator moved
    // off this DOI: the first whose title does not say it is another work.
    const candidates = [holder, ...(c.byConflictingDoi.get(item.doi) ?? []), c.byFormerDoi.get(item.doi)];
    const row = candidates.find((r) => r !== undefined && !titlesClearlyDiffer(r.title, title));
    if (holder && holder !== row) item.doiTakenBy = holder;
    if (row) return { row, how: 'doi' };
  }
  // A DOI that belongs to another work does not speak for or against a fingerprint match.
  const doi = item.doiTakenBy ? null : item.doi;
  if (item.fingerprint) {
    // Same title, year and first author is the same work unless both sides carry different DOIs.
    // A citation a curator told apart from a look-alike (markNotDuplicate) matches only when the
    // DOIs agree exactly, both absent included, so a re-ingest cannot fold them together again.
    const former = c.byFormerFp.get(item.fingerprint);
    const row = [...(c.byFp.get(item.fingerprint) ?? []), ...(former ? [former] : [])].find((r) =>
      marked.has(r.id) ? (r.doi ?? null) === (doi ?? null) : !r.doi || !doi || r.doi === doi,
    );
    if (row) return { row, how: 'fingerprint' };
  }
  const row = item.rawHash ? c.byRawHash.get(item.rawHash) : undefined;
  return row ? { row, how: 'raw' } : null;
}

const shortTitle = (t: string | null | undefined) =>
  !t ? '(untitled)' : `"${t.length > 100 ? `${t.slice(0, 100)}…` : t}"`;

/**
 * A citation in words: one this ingest created is named by its record (a dry run's IDs never
 * exist, and a record number is what the user can find in their file).
 */
function citationName(id: number, work: OrganizationWork): string {
  const record = work.createdBy.get(id);
  return record === undefined ? `Citation:${id}` : `record ${record} of this input`;
}

function doiConflictProblem(
  item: Item,
  holder: ExistingRow,
  keptIn: number | null,
  work: OrganizationWork,
): RisProblem {
  const where = keptIn === null ? 'stored as a citation of its own' : `kept on ${citationName(keptIn, work)}`;
  return {
    record: item.record.index,
    line: item.record.line,
    severity: 'warning',
    message: detach(
      `Record ${item.record.index} (line ${item.record.line}), ${shortTitle(item.mapped.title)}, has DOI ${item.doi}, which ${citationName(holder.id, work)} ${shortTitle(holder.title)} already has; the titles are clearly different works, so the record is ${where} with the DOI as its conflictingDoi`,
    ),
  };
}

/** Stores items whose DOIs and fingerprints are distinct; returns items lost to a concurrent insert. */
async function storeDistinct(
  tx: Database,
  items: Item[],
  ingestionId: number | null,
  report: IngestReport,
  work: OrganizationWork,
): Promise<Item[]> {
  if (items.length === 0) return [];
  const candidates = await loadCandidates(tx, items);
  const [marked, aliases] = await Promise.all([
    citationsMarkedDistinct(
      tx,
      candidates.all.filter((r) => r.fingerprint !== null).map((r) => r.id),
    ),
    mergedAliases(tx, items),
  ]);

  const fresh: Item[] = [];
  const matched: Array<{ item: Item; row: ExistingRow }> = [];
  for (const item of items) {
    item.doiTakenBy = null;
    const match = matchItem(item, candidates, marked);
    if (match) {
      item.outcome.matchedBy = match.how;
      item.outcome.citationId = match.row.id;
      matched.push({ item, row: match.row });
    } else fresh.push(item);
  }

  // New citations. ON CONFLICT DO NOTHING: a concurrent ingest may have stored the same DOI,
  // fingerprint or raw hash since our select; those items come back to be matched on the next pass.
  const lost: Item[] = [];
  const linkJobs: LinkJob[] = [];
  if (fresh.length > 0) {
    // The search document is computed in the same statement: a follow-up UPDATE would write every
    // new row and all its index entries a second time.
    const inserted = await bulkInsert<{
      id: number;
      doi: string | null;
      fingerprint: string | null;
      rawHash: string | null;
    }>(
      tx,
      citations,
      await mapInSlices(fresh, (i) => ({
        ...citationRow(i, ingestionId),
        keywords_text: i.mapped.keywords.join(' '),
      })),
      {
        returning: ['id', 'doi', 'fingerprint', 'rawHash'],
        extra: { keywords_text: 'text' },
        computed: {
          search_vector: searchDocumentSql(
            sql`r.title`,
            sql`r.keywords_text`,
            sql`r.container_title`,
            sql`r.abstract`,
          ),
        },
      },
    );
    const idByDoi = new Map<string, number>();
    const idByFp = new Map<string, number>();
    const idByRaw = new Map<string, number>();
    for (const r of inserted) {
      if (r.doi) idByDoi.set(r.doi, r.id);
      else if (r.fingerprint) idByFp.set(r.fingerprint, r.id);
      else if (r.rawHash) idByRaw.set(r.rawHash, r.id);
    }
    for (const item of fresh) {
      // Every fresh item has one of these keys, unique in this pass (storeBatch saw to that).
      const storedDoi = item.doiTakenBy ? null : item.doi;
      const id = storedDoi
        ? idByDoi.get(storedDoi)
        : item.fingerprint
          ? idByFp.get(item.fingerprint)
          : idByRaw.get(item.rawHash ?? '');
      if (id === undefined) {
        lost.push(item);
        continue;
      }
      if (item.doiTakenBy) report.problems.push(doiConflictProblem(item, item.doiTakenBy, null, work));
      item.outcome.action = 'created';
      item.outcome.citationId = id;
      work.createdBy.set(id, item.record.index);
      report.created++;
      linkJobs.push({ item, citationId: id, roles: null, keywordKeys: null, affiliationKeys: null });
    }
  }

  // Known citations: fill what they lack, add links they do not have.
  const updates: Array<Record<string, unknown>> = [];
  if (matched.length > 0) {
    const ids = matched.map((m) => m.row.id);
    const [roleCounts, keywordKeys, affiliationKeys] = await Promise.all([
      tx
        .select({
          citationId: contributions.citationId,
          role: contributions.role,
          n: sql<number>`count(*)::int`,
        })
        .from(contributions)
        .where(inArray(contributions.citationId, ids))
        .groupBy(contributions.citationId, contributions.role),
      tx
        .select({ citationId: citationKeywords.citationId, key: keywords.termKey })
        .from(citationKeywords)
        .innerJoin(keywords, eq(keywords.id, citationKeywords.keywordId))
        .where(inArray(citationKeywords.citationId, ids)),
      tx
        .select({ citationId: citationAffiliations.citationId, key: affiliations.nameKey })
        .from(citationAffiliations)
        .innerJoin(affiliations, eq(affiliations.id, citationAffiliations.affiliationId))
        .where(inArray(citationAffiliations.citationId, ids)),
    ]);
    const rolesOf = groupBy(roleCounts, (r) => r.citationId);
    const kwOf = groupBy(keywordKeys, (r) => r.citationId);
    const affOf = groupBy(affiliationKeys, (r) => r.citationId);

    const slice = new TimeSlice();
    for (const { item, row } of matched) {
      await slice.tick();
      const incoming = citationRow(item, ingestionId) as unknown as Comparable;
      const patch: Partial<Comparable> & { conflictingDoi?: string | null } = mergeCitation(row, incoming);
      // The DOI's holder is gone (deleted): the citation kept apart with it now holds it itself.
      if (patch.doi && patch.doi === row.conflictingDoi) patch.conflictingDoi = null;
      const holder = item.doiTakenBy;
      if (
        holder &&
        item.doi &&
        holder.id !== row.id &&
        !row.doi &&
        !row.conflictingDoi &&
        !row.clearedFields.includes('doi')
      ) {
        // Matched by fingerprint while its DOI belongs to another work: keep the DOI beside it.
        patch.conflictingDoi = item.doi;
        report.problems.push(doiConflictProblem(item, holder, row.id, work));
      }
      const storedRoles = new Map((rolesOf.get(row.id) ?? []).map((r) => [r.role, r.n]));
      const incomingRoles = countRoles(item.mapped, aliases.authors);
      // A role is rewritten only when the incoming record credits more people in it.
      const replaceRoles = [...incomingRoles]
        .filter(([role, n]) => n > (storedRoles.get(role) ?? 0))
        .map(([r]) => r);
      const haveKw = new Set((kwOf.get(row.id) ?? []).map((r) => r.key));
      const newKw = item.mapped.keywords.filter(
        (k) => !haveKw.has(canonicalKey(aliases.keywords, keywordKey(k))),
      );
      const haveAff = new Set((affOf.get(row.id) ?? []).map((r) => r.key));
      const newAff = item.mapped.affiliations.filter(
        (a) => !haveAff.has(canonicalKey(aliases.affiliations, affiliationKey(a.name))),
      );
      const changed =
        Object.keys(patch).length > 0 || replaceRoles.length > 0 || newKw.length > 0 || newAff.length > 0;
      if (!changed) {
        item.outcome.action = 'unchanged';
        report.unchanged++;
        continue;
      }
      item.outcome.action = 'updated';
      report.updated++;
      if (Object.keys(patch).length > 0 || replaceRoles.length > 0) {
        // The whole merged row, not the patch: one statement updates the batch, each row to its own
        // values. The raw record stays the text first stored; what later copies add is in rawTags.
        const { fingerprint: _fingerprint, ...stored } = row;
        updates.push({ ...stored, ...patch, ingestionId, updatedAt: new Date() });
      }
      linkJobs.push({
        item,
        citationId: row.id,
        roles: new Set(replaceRoles),
        keywordKeys: new Set(newKw.map(keywordKey)),
        affiliationKeys: new Set(newAff.map((a) => affiliationKey(a.name))),
        keywordOffset: haveKw.size,
        affiliationOffset: haveAff.size,
      });
    }
  }

  await bulkUpdate(tx, updateEncoder, 'id', updates);
  await writeLinks(tx, linkJobs, aliases, work);
  // Announced once the ingest commits (src/db/changes.ts); a dry run never does.
  if (collectsChanges(tx))
    noteChanges(tx, [
      ...changesOf(
        'Citation',
        'created',
        linkJobs.filter((job) => job.roles === null).map((job) => job.citationId),
      ),
      ...changesOf(
        'Citation',
        'updated',
        linkJobs.filter((job) => job.roles !== null).map((job) => job.citationId),
      ),
    ]);
  // New citations got their search document on insert; updated ones may have new keywords or text.
  await refreshSearchDocuments(
    tx,
    linkJobs.filter((job) => job.roles !== null).map((job) => job.citationId),
  );
  return lost;
}

interface Aliases {
  authors: Map<string, Survivor>;
  affiliations: Map<string, Survivor>;
  keywords: Map<string, Survivor>;
}

/** Dedup keys in the batch that belong to rows merged into another (mergeAuthors and friends). */
async function mergedAliases(tx: Database, items: Item[]): Promise<Aliases> {
  const keys = await mapInSlices(items, (i) => ({
    authors: i.mapped.contributors.map((c) => authorKey(c.name)),
    affiliations: i.mapped.affiliations.map((a) => affiliationKey(a.name)),
    keywords: i.mapped.keywords.map(keywordKey),
  }));
  const authorKeys = keys.flatMap((k) => k.authors);
  const affiliationKeys = keys.flatMap((k) => k.affiliations);
  const keywordKeys = keys.flatMap((k) => k.keywords);
  const [a, f, k] = await Promise.all([
    survivorsByKey(tx, 'Author', authorKeys),
    survivorsByKey(tx, 'Affiliation', affiliationKeys),
    survivorsByKey(tx, 'Keyword', keywordKeys),
  ]);
  return { authors: a, affiliations: f, keywords: k };
}

function canonicalKey(aliases: Map<string, Survivor>, key: string): string {
  return aliases.get(key)?.key ?? key;
}

interface LinkJob {
  item: Item;
  citationId: number;
  /** null = write everything (new citation); otherwise only these roles / keys are new. */
  roles: Set<string> | null;
  keywordKeys: Set<string> | null;
  affiliationKeys: Set<string> | null;
  keywordOffset?: number;
  affiliationOffset?: number;
}

/** People credited per role, each once: two spellings a curator merged are one person. */
function countRoles(m: MappedCitation, authorAliases: Map<string, Survivor>): Map<string, number> {
  const people = new Map<string, Set<string>>();
  for (const c of m.contributors) {
    const set = people.get(c.role) ?? new Set<string>();
    set.add(canonicalKey(authorAliases, authorKey(c.name)));
    people.set(c.role, set);
  }
  return new Map([...people].map(([role, set]) => [role, set.size]));
}

/** Upserts authors, affiliations and keywords of the batch and writes the link rows. */
async function writeLinks(
  tx: Database,
  jobs: LinkJob[],
  aliases: Aliases,
  work: OrganizationWork,
): Promise<void> {
  if (jobs.length === 0) return;
  for (const job of jobs) work.citationIds.push(job.citationId);
  const authorRows = new Map<string, typeof authors.$inferInsert>();
  const affiliationRows = new Map<string, typeof affiliations.$inferInsert>();
  const keywordRows = new Map<string, typeof keywords.$inferInsert>();
  const slice = new TimeSlice();

  for (const job of jobs) {
    await slice.tick();
    const m = job.item.mapped;
    for (const c of m.contributors) {
      if (job.roles && !job.roles.has(c.role)) continue;
      const key = authorKey(c.name);
      if (!authorRows.has(key) && !aliases.authors.has(key)) {
        authorRows.set(key, {
          family: c.name.family,
          given: c.name.given,
          suffix: c.name.suffix,
          literal: c.name.literal,
          name: displayName(c.name),
          nameKey: key,
        });
      }
    }
    for (const a of m.affiliations) {
      const key = affiliationKey(a.name);
      if (job.affiliationKeys && !job.affiliationKeys.has(key) && !(job.roles && job.roles.size > 0))
        continue;
      if (!affiliationRows.has(key) && !aliases.affiliations.has(key))
        affiliationRows.set(key, { name: a.name, nameKey: key, country: a.country });
    }
    for (const k of m.keywords) {
      const key = keywordKey(k);
      if (job.keywordKeys && !job.keywordKeys.has(key)) continue;
      if (!keywordRows.has(key) && !aliases.keywords.has(key))
        keywordRows.set(key, { term: k, termKey: key });
    }
  }

  const fresh = { authors: [] as number[], affiliations: [] as number[], keywords: [] as number[] };
  const [authorIds, affiliationIds, keywordIds] = await Promise.all([
    upsertKeyed(tx, authors, authors.nameKey, authors.id, [...authorRows.values()], fresh.authors),
    upsertKeyed(
      tx,
      affiliations,
      affiliations.nameKey,
      affiliations.id,
      [...affiliationRows.values()],
      fresh.affiliations,
    ),
    upsertKeyed(tx, keywords, keywords.termKey, keywords.id, [...keywordRows.values()], fresh.keywords),
  ]);
  if (collectsChanges(tx))
    noteChanges(tx, [
      ...changesOf('Author', 'created', fresh.authors),
      ...changesOf('Affiliation', 'created', fresh.affiliations),
      ...changesOf('Keyword', 'created', fresh.keywords),
    ]);
  // Names merged away by a curator lead to the survivor instead of coming back as new rows.
  for (const [key, s] of aliases.authors) authorIds.set(key, s.id);
  for (const [key, s] of aliases.affiliations) affiliationIds.set(key, s.id);
  for (const [key, s] of aliases.keywords) keywordIds.set(key, s.id);

  const contributionRows: Array<typeof contributions.$inferInsert> = [];
  const citationAffRows: Array<typeof citationAffiliations.$inferInsert> = [];
  const citationKwRows: Array<typeof citationKeywords.$inferInsert> = [];
  const authorAffRows: Array<typeof authorAffiliations.$inferInsert> = [];
  const replaced: Array<{ citationId: number; roles: string[] }> = [];

  for (const job of jobs) {
    await slice.tick();
    const m = job.item.mapped;
    const citationId = job.citationId;
    if (job.roles && job.roles.size > 0) replaced.push({ citationId, roles: [...job.roles] });
    const positions = new Map<string, number>();
    const credited = new Set<string>();
    const affIdsByIndex = m.affiliations.map((a) => affiliationIds.get(affiliationKey(a.name)));
    for (const c of m.contributors) {
      if (job.roles && !job.roles.has(c.role)) continue;
      const authorId = authorIds.get(authorKey(c.name));
      if (authorId === undefined) continue;
      // One person once per role: a record may name them twice (two spellings a curator merged,
      // or one name written twice); the first mention keeps its place.
      const seen = credited.has(`${c.role}\u0000${authorId}`);
      if (!seen) {
        credited.add(`${c.role}\u0000${authorId}`);
        const position = (positions.get(c.role) ?? 0) + 1;
        positions.set(c.role, position);
        contributionRows.push({ citationId, authorId, role: c.role, position, nameAsWritten: c.asWritten });
      }
      c.affiliations.forEach((index, i) => {
        const affiliationId = affIdsByIndex[index];
        const rule = c.affiliationRules[i] ?? null;
        if (affiliationId !== undefined) authorAffRows.push({ authorId, affiliationId, citationId, rule });
      });
    }
    const seenAff = new Set<number>();
    let affPosition = job.affiliationOffset ?? 0;
    for (const a of m.affiliations) {
      const key = affiliationKey(a.name);
      if (job.affiliationKeys && !job.affiliationKeys.has(key)) continue;
      const id = affiliationIds.get(key);
      if (id === undefined || seenAff.has(id)) continue;
      seenAff.add(id);
      citationAffRows.push({ citationId, affiliationId: id, position: ++affPosition });
    }
    const seenKw = new Set<number>();
    let kwPosition = job.keywordOffset ?? 0;
    for (const k of m.keywords) {
      const key = keywordKey(k);
      if (job.keywordKeys && !job.keywordKeys.has(key)) continue;
      const id = keywordIds.get(key);
      if (id === undefined || seenKw.has(id)) continue;
      seenKw.add(id);
      work.keywordIds.add(id);
      citationKwRows.push({ citationId, keywordId: id, position: ++kwPosition, spelling: k });
    }
  }

  if (replaced.length > 0) {
    const removed = await tx
      .delete(contributions)
      .where(
        or(
          ...replaced.map((r) =>
            and(eq(contributions.citationId, r.citationId), inArray(contributions.role, r.roles)),
          ),
        ),
      )
      .returning({ authorId: contributions.authorId });
    const candidates = [...new Set(removed.map((r) => r.authorId))];
    await bulkInsert(tx, contributions, contributionRows);
    if (candidates.length > 0) {
      // Authors only credited through the rewritten roles would be left orphaned.
      await tx.execute(
        sql`delete from ${authors} where ${inArray(authors.id, candidates)} and not exists (select 1 from ${contributions} where ${contributions.authorId} = ${authors.id})`,
      );
    }
  } else {
    await bulkInsert(tx, contributions, contributionRows);
  }
  await Promise.all([
    bulkInsert(tx, citationAffiliations, citationAffRows),
    bulkInsert(tx, citationKeywords, citationKwRows),
  ]);
  await bulkInsert(tx, authorAffiliations, authorAffRows);

  // Addresses are read into organizations once per string: only rows never read before.
  const unread = await unreadAffiliations(tx, [...new Set(affiliationIds.values())]);
  if (unread.size > 0) {
    const rows: AddressRow[] = [];
    for (const job of jobs) {
      for (const a of job.item.mapped.affiliations) {
        const affiliationId = affiliationIds.get(affiliationKey(a.name));
        if (affiliationId === undefined || !unread.has(affiliationId)) continue;
        unread.delete(affiliationId);
        rows.push({ affiliationId, address: a.address });
      }
    }
    for (const id of await storeAddresses(tx, rows)) work.organizationIds.add(id);
  }
}

/** Citations whose authors one statement reads at the end of an ingest. */
const CITATIONS_PER_AUTHOR_READ = 20_000;

/** Organization names and author links for what the ingest changed. */
async function linkOrganizations(tx: Database, work: OrganizationWork): Promise<void> {
  if (work.citationIds.length === 0) return;
  await work.statistics.beforeLinks(tx, work.createdBy.size);
  await refreshOrganizationNames(tx, work.organizationIds);
  // In slices: at a million records one statement's id list and its rows (an object per author)
  // were tens of MB held at once.
  const citationIds = work.citationIds.distinct();
  const authorIds = new IdList();
  for (let i = 0; i < citationIds.length; i += CITATIONS_PER_AUTHOR_READ) {
    const slice = citationIds.subarray(i, i + CITATIONS_PER_AUTHOR_READ);
    const rows = rowsOf<{ author_id: number }>(
      await tx.execute(
        sql`select distinct author_id from ${contributions} where citation_id = any(${`{${slice.join(',')}}`}::int[])`,
      ),
    );
    for (const r of rows) authorIds.push(r.author_id);
  }
  await recomputeAuthorLinks(tx, authorIds.distinct());
}
