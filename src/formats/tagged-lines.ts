/**
 * Lexing shared by the line-tagged formats other than RIS (MEDLINE, Web of Science): a tag at the
 * start of a line, its value after it, continuation lines indented. Each format says how a tag
 * line looks and where records end; this turns the text into records of `{tag, value, line}`.
 */
import type { RisProblem, RisTag } from '../ris/types.ts';
import type { InputFormat, SourceRecord } from './types.ts';

export interface TaggedRecord {
  /** 1-based line of the record's first tag. */
  line: number;
  tags: RisTag[];
  raw: string;
}

export interface TaggedSyntax {
  /** Group 1 the tag, group 2 the value; null for a line that is not a tag line. */
  tagLine: RegExp;
  /** A continuation line (indented); its text after the indent extends the previous value. */
  continuation: RegExp;
  /** How a continuation joins the value: MEDLINE wraps words (space); WoS lists items (newline). */
  joinContinuation: (tag: string) => string;
  /** Tags that start a new record even without a blank line before them (`PMID`, `PT`). */
  startsRecord: (tag: string) => boolean;
  /** Lines that end a record (`ER`), or that carry nothing (`FN …`, `EF`). */
  endsRecord?: (line: string) => boolean;
  ignoreLine?: (line: string) => boolean;
  formatName: string;
}

export function readTaggedLines(
  text: string,
  syntax: TaggedSyntax,
): { records: TaggedRecord[]; problems: RisProblem[] } {
  const lines = text.split(/\r\n|\r|\n/);
  const records: TaggedRecord[] = [];
  const problems: RisProblem[] = [];
  let current: TaggedRecord | null = null;
  let rawLines: string[] = [];
  const close = () => {
    if (current && current.tags.length > 0) {
      current.raw = rawLines.join('\n').trimEnd();
      records.push(current);
    }
    current = null;
    rawLines = [];
  };
  for (let i = 0; i < lines.length; i++) {
    const line = (lines[i] as string).replaceAll('\0', '');
    const lineNo = i + 1;
    if (line.trim() === '') {
      close();
      continue;
    }
    if (syntax.ignoreLine?.(line)) continue;
    if (syntax.endsRecord?.(line)) {
      if (current) rawLines.push(line);
      close();
      continue;
    }
    const cont = syntax.continuation.exec(line);
    const last: RisTag | undefined = (current as TaggedRecord | null)?.tags.at(-1);
    if (cont && last) {
      const more = (cont[1] ?? '').trim();
      if (more) last.value = last.value ? `${last.value}${syntax.joinContinuation(last.tag)}${more}` : more;
      rawLines.push(line);
      continue;
    }
    const m = syntax.tagLine.exec(line);
    if (!m) {
      problems.push({
        record: records.length + (current ? 1 : 0),
        line: lineNo,
        severity: 'warning',
        message: `line is not a ${syntax.formatName} tag line and follows no tag; skipped: '${line.slice(0, 60)}'`,
      });
      continue;
    }
    const tag = m[1] as string;
    if (current && syntax.startsRecord(tag) && current.tags.length > 0) close();
    if (!current) current = { line: lineNo, tags: [], raw: '' };
    current.tags.push({ tag, value: (m[2] ?? '').trim(), line: lineNo });
    rawLines.push(line);
  }
  close();
  return { records, problems };
}

/** Tag values by tag, in order. */
export function valuesOf(tags: readonly RisTag[], tag: string): RisTag[] {
  return tags.filter((t) => t.tag === tag);
}

/** Lexed records as the pipeline's records: numbered, typed and with their tags in RIS terms. */
export function toSourceRecords(
  format: InputFormat,
  records: readonly TaggedRecord[],
  risType: (tags: readonly RisTag[]) => string,
  toRisTags: (tags: readonly RisTag[]) => RisTag[],
): SourceRecord[] {
  return records.map((r, i) => ({
    format,
    index: i + 1,
    line: r.line,
    type: risType(r.tags),
    tags: toRisTags(r.tags),
    raw: r.raw,
  }));
}
