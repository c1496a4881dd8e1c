import { citationFingerprint, rawRecordHash } from '../citation/keys.ts';
import type { MappedCitation } from '../citation/types.ts';
import { type FormatChoice, mapSourceRecord, parseCitationStream } from '../formats/read.ts';
import type { InputFormat, SourceRecord } from '../formats/types.ts';
import type { RisProblem, RisRecord } from '../ris/types.ts';

/*
 * The part of ingestion that needs no database: text → parsed, mapped records with their match
 * keys. Pure, so it can run in a worker thread (prepare-worker.mjs) as well as inline; both give
 * the same events in the same order.
 */

/** One record, mapped, with what matching it against stored citations needs. */
export interface PreparedRecord {
  /** The record's number in the input (1-based) and the line it starts on. */
  index: number;
  line: number;
  /** null when the record could not be mapped (its problems say why). */
  citation: MappedCitation | null;
  /** The mapper's problems for this record. */
  problems: RisProblem[];
  fingerprint: string | null;
  /** Set only when there is neither DOI nor fingerprint: the record's only identity. */
  rawHash: string | null;
}

export type PreparedEvent =
  | { type: 'format'; format: InputFormat }
  | { type: 'record'; record: PreparedRecord }
  | { type: 'problem'; problem: RisProblem }
  | { type: 'progress'; bytes: number; records: number };

export function prepareRecord(record: RisRecord | SourceRecord): PreparedRecord {
  const { citation, problems } = mapSourceRecord(record);
  const fingerprint = citation ? citationFingerprint(citation) : null;
  return {
    index: record.index,
    line: record.line,
    citation,
    problems,
    fingerprint,
    // Without DOI and title the raw record is all a re-ingest can recognise.
    rawHash: citation && !citation.doi && !fingerprint ? rawRecordHash(citation.rawTags) : null,
  };
}

/** Parses (as `format`, or the format detected) and maps a stream of chunks on the calling thread. */
export async function* prepareStream(
  source: AsyncIterable<Uint8Array | string> | Iterable<Uint8Array | string>,
  format: FormatChoice = 'AUTO',
): AsyncGenerator<PreparedEvent> {
  for await (const event of parseCitationStream(asAsync(source), format)) {
    if (event.type === 'record') yield { type: 'record', record: prepareRecord(event.record) };
    else yield event;
  }
}

async function* asAsync(
  source: AsyncIterable<Uint8Array | string> | Iterable<Uint8Array | string>,
): AsyncGenerator<Uint8Array | string> {
  yield* source;
}
