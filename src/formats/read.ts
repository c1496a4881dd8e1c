/**
 * One door for every input format: detect (or take) the format, then stream the same events the
 * RIS reader gives — records with their line, problems, progress — so ingestion, dry runs and
 * reports work alike for all of them.
 */
import { createRisDecoder } from '../ris/decode.ts';
import { mapRecord } from '../ris/map.ts';
import { replaceLoneSurrogates } from '../ris/normalize.ts';
import { parseRisStream, type RisStreamEvent } from '../ris/parse.ts';
import { SNIFF_HEAD_CHARS, sniffInput } from '../ris/sniff.ts';
import type { InputKind, MapResult, RisProblem, RisRecord } from '../ris/types.ts';
import { readBibtex } from './bibtex.ts';
import { readCslJson } from './csl-json.ts';
import { readMedline } from './medline.ts';
import { storableResult } from './storable.ts';
import { FORMAT_LABELS, type FormatReadResult, type InputFormat, type SourceRecord } from './types.ts';
import { readWebOfScience } from './wos.ts';

export type FormatChoice = InputFormat | 'AUTO';

export type CitationStreamEvent = RisStreamEvent | { type: 'format'; format: InputFormat };

const READERS: Record<Exclude<InputFormat, 'RIS'>, (text: string) => FormatReadResult> = {
  BIBTEX: readBibtex,
  CSL_JSON: readCslJson,
  MEDLINE: readMedline,
  WOS: readWebOfScience,
};

const BY_KIND: Partial<Record<InputKind, InputFormat>> = {
  ris: 'RIS',
  bibtex: 'BIBTEX',
  json: 'CSL_JSON',
  medline: 'MEDLINE',
  wos: 'WOS',
};

const SUPPORTED =
  'bibgraph reads RIS, BibTeX/BibLaTeX, CSL-JSON, MEDLINE/PubMed (.nbib) and Web of Science plain text';

/** The format of an input's start, or why none of them reads it. */
export function detectFormat(head: string): { format: InputFormat } | { problem: string } {
  const sniff = sniffInput(head);
  const format = BY_KIND[sniff.kind];
  if (format) return { format };
  const looks = (sniff.message ?? 'Input is not in a known format').replace(/,? not RIS(?: text)?/, '');
  return { problem: `${looks}; ${SUPPORTED}` };
}

/** Problems that mean "this input is in no format bibgraph reads" (record 0, before any record). */
export function unsupportedProblem(message: string): RisProblem {
  return { record: 0, line: null, severity: 'error', message };
}

async function* replay(
  head: readonly (Uint8Array | string)[],
  rest: AsyncIterator<Uint8Array | string>,
): AsyncGenerator<Uint8Array | string> {
  yield* head;
  for (let next = await rest.next(); !next.done; next = await rest.next()) yield next.value;
}

const PROGRESS_EVERY = 64 * 1024;

/**
 * Reads `source` as `format` (AUTO: detected from its first 8 KB). RIS streams record by record;
 * the other formats are read whole (their parsers need the whole text; the caller's byte limit
 * bounds it) and then given out record by record.
 */
export async function* parseCitationStream(
  source: AsyncIterable<Uint8Array | string>,
  format: FormatChoice = 'AUTO',
): AsyncGenerator<CitationStreamEvent> {
  const it = source[Symbol.asyncIterator]();
  const head: Array<Uint8Array | string> = [];
  let headBytes = 0;
  let ended = false;
  while (headBytes < SNIFF_HEAD_CHARS) {
    const next = await it.next();
    if (next.done) {
      ended = true;
      break;
    }
    head.push(next.value);
    headBytes += typeof next.value === 'string' ? next.value.length : next.value.length;
  }
  let chosen: InputFormat;
  if (format !== 'AUTO') chosen = format;
  else {
    const peek = createRisDecoder();
    const text = head.map((c) => (typeof c === 'string' ? c : peek.write(c))).join('') + peek.end();
    const detected = detectFormat(text);
    if ('problem' in detected) {
      yield { type: 'problem', problem: unsupportedProblem(detected.problem) };
      return;
    }
    chosen = detected.format;
  }
  yield { type: 'format', format: chosen };
  const all = ended ? replay(head, emptyIterator()) : replay(head, it);
  if (chosen === 'RIS') {
    yield* parseRisStream(all);
    return;
  }
  const decoder = createRisDecoder();
  const parts: string[] = [];
  let bytes = 0;
  let lastProgress = 0;
  for await (const chunk of all) {
    if (typeof chunk === 'string') {
      bytes += Buffer.byteLength(chunk);
      parts.push(chunk);
    } else {
      bytes += chunk.length;
      parts.push(decoder.write(chunk));
    }
    if (bytes - lastProgress >= PROGRESS_EVERY) {
      lastProgress = bytes;
      yield { type: 'progress', bytes, records: 0 };
    }
  }
  parts.push(decoder.end());
  for (const p of decoder.problems) yield { type: 'problem', problem: p };
  const text = parts.join('').replace(/^\uFEFF/, '');
  let read: FormatReadResult;
  try {
    read = READERS[chosen](text);
  } catch (error) {
    // A parser that throws on some input throws on it every time: the input's fault, said as such
    // (a background job is not retried for it).
    yield {
      type: 'problem',
      problem: unsupportedProblem(
        replaceLoneSurrogates(`${FORMAT_LABELS[chosen]} could not be read: ${(error as Error).message}`),
      ),
    };
    return;
  }
  const { records, problems } = storableResult(read);
  if (records.length === 0 && problems.length === 0 && text.trim() !== '') {
    yield {
      type: 'problem',
      problem: unsupportedProblem(`Input was read as ${FORMAT_LABELS[chosen]} but holds no records`),
    };
  }
  for (const p of problems) yield { type: 'problem', problem: p };
  for (const record of records) yield { type: 'record', record };
  yield { type: 'progress', bytes, records: records.length };
}

function emptyIterator(): AsyncIterator<Uint8Array | string> {
  return { next: async () => ({ done: true, value: undefined }) };
}

/** Formats that write each author's addresses right after that author (`MapOptions`). */
const ADDRESSES_FOLLOW_AUTHORS: ReadonlySet<InputFormat> = new Set<InputFormat>(['MEDLINE']);

/**
 * Maps a record of any format. Structured names (BibTeX, CSL-JSON) replace the RIS name parser's
 * reading of the flattened `Family, Given` when they line up one to one; a MEDLINE record's
 * addresses belong to the author they follow.
 */
export function mapSourceRecord(record: RisRecord | SourceRecord): MapResult {
  if ('failure' in record && record.failure) {
    const where = `record ${record.index} (line ${record.line})`;
    return {
      citation: null,
      problems: [
        {
          record: record.index,
          line: record.line,
          severity: 'error',
          message: `${where}: ${record.failure}`,
        },
      ],
    };
  }
  const format = 'format' in record ? record.format : undefined;
  const result = mapRecord(record, {
    addressesFollowAuthors: format !== undefined && ADDRESSES_FOLLOW_AUTHORS.has(format),
  });
  const names = 'names' in record ? record.names : undefined;
  const contributors = result.citation?.contributors;
  if (names && contributors && contributors.length === names.length) {
    contributors.forEach((c, i) => {
      c.name = names[i] as (typeof c)['name'];
    });
  }
  return result;
}
