/**
 * Text no stored column can hold, repaired where every non-RIS format passes (`read.ts`), as the
 * RIS lexer repairs it line by line: an unpaired UTF-16 surrogate (a JSON `\ud800` escape, a
 * CESU-8/WTF-8 byte triple the decoder keeps as that code unit, or half a character in a GraphQL
 * string) becomes U+FFFD, and U+0000 is removed. PostgreSQL (text and jsonb alike) refuses both, and
 * one bad character in one record must not fail the whole ingest.
 */

import type { MappedName } from '../citation/types.ts';
import { hasLoneSurrogate, replaceLoneSurrogates } from '../ris/normalize.ts';
import type { RisProblem } from '../ris/types.ts';
import type { FormatReadResult, SourceRecord } from './types.ts';

const SURROGATE =
  'held an unpaired UTF-16 surrogate (half a character, which no stored text can hold); replaced with U+FFFD';
const NUL = 'held NUL characters; they were removed';

function unstorable(s: string): boolean {
  return s.includes('\u0000') || hasLoneSurrogate(s);
}

function repair(s: string): string {
  return replaceLoneSurrogates(s.replaceAll('\u0000', ''));
}

/** What was wrong with `s`, as the end of a problem message; null when it can be stored. */
function defect(s: string): string | null {
  const surrogate = hasLoneSurrogate(s);
  const nul = s.includes('\u0000');
  if (surrogate && nul) return `${SURROGATE}, and NUL characters, which were removed`;
  return surrogate ? SURROGATE : nul ? NUL : null;
}

function repairName(n: MappedName): MappedName {
  const fix = (v: string | null) => (v === null ? null : repair(v));
  return { family: fix(n.family), given: fix(n.given), suffix: fix(n.suffix), literal: fix(n.literal) };
}

function repairRecord(record: SourceRecord, problems: RisProblem[]): SourceRecord {
  const bad = record.tags.filter((t) => unstorable(t.value));
  const badRaw = unstorable(record.raw);
  const badNames = record.names?.some((n) => Object.values(n).some((v) => v !== null && unstorable(v)));
  if (bad.length === 0 && !badRaw && !badNames && !(record.failure && unstorable(record.failure)))
    return record;
  for (const t of bad) {
    const field = t.written?.tag ?? t.tag;
    problems.push({
      record: record.index,
      line: t.line,
      severity: 'warning',
      message: `record ${record.index} (line ${t.line}): ${field} ${defect(t.value)}`,
    });
  }
  if (bad.length === 0) {
    // Only the source text (a field bibgraph does not map) held it: still said, once.
    problems.push({
      record: record.index,
      line: record.line,
      severity: 'warning',
      message: `record ${record.index} (line ${record.line}): the record's text ${defect(record.raw) ?? SURROGATE}`,
    });
  }
  return {
    ...record,
    tags: record.tags.map((t) =>
      unstorable(t.value)
        ? {
            ...t,
            value: repair(t.value),
            ...(t.written ? { written: { ...t.written, value: repair(t.written.value) } } : {}),
          }
        : t,
    ),
    raw: repair(record.raw),
    ...(record.names ? { names: record.names.map(repairName) } : {}),
    ...(record.failure ? { failure: repair(record.failure) } : {}),
  };
}

/** `result` with every record and problem storable, plus a warning for each field repaired. */
export function storableResult(result: FormatReadResult): FormatReadResult {
  const problems = result.problems.map((p) =>
    unstorable(p.message) ? { ...p, message: repair(p.message) } : p,
  );
  const records = result.records.map((r) => repairRecord(r, problems));
  return { records, problems };
}
