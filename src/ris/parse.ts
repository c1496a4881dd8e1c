import { cleanDecodedText, createRisDecoder, lineAtOffset } from './decode.js';
import { loneSurrogateOffsets } from './normalize.js';
import { SNIFF_HEAD_CHARS, sniffInput } from './sniff.js';
import { isKnownTagCodes } from './tags.js';
import type { InputKind, RisProblem, RisRecord, RisTag } from './types.js';

/**
 * The RIS lexer: text → records of tag/value pairs, nothing more (meaning is `map.ts`'s job).
 * It works line by line with `indexOf` and char codes, never with a backtracking regex over a
 * whole line, so a 1 MB line or 100,000 tags cost linear time. It never throws on any input.
 */

interface OpenRecord {
  index: number;
  line: number;
  type: string;
  tags: RisTag[];
  /** Finished pieces of the raw text (joined with "\n"). */
  raw: string[];
  /** The raw text still being extended: a run of consecutive lines of one source string. */
  runSrc: string | null;
  runId: number;
  runStart: number;
  runEnd: number;
  lastTag: RisTag | null;
  /** Source of the last tag's own line, while it may still be re-split (-1 id: not possible). */
  lastTagId: number;
  lastTagSrc: string;
  lastTagStart: number;
  lastTagEnd: number;
  /** Untagged lines that followed the last tag, untrimmed (only kept while a re-split may come). */
  lastConts: string[] | null;
  /** The "starts with XX, not TY" warning, so a re-split can withdraw it. */
  noTyProblem: RisProblem | null;
  /** Opened by a tag right after an ER-closed record: may turn out to be that record's trailer. */
  orphan: boolean;
  /** A blank line followed the orphan's last line: Ovid's "Link to …" text after it is junk. */
  orphanGap: boolean;
}

interface HeldRecord {
  rec: OpenRecord;
  /** `ER  - End of Reference`: an ER with a value is a suspicious record end. */
  erHadValue: boolean;
}

// Ovid writes `NL  - <journal>` after ER; a TY-less run this short that is ended by the next TY
// (not by its own ER) is a trailer of the record before it, not a record of its own — unless it
// holds what makes a record (a title, an author, a DOI): then it is a record that lost its TY.
const MAX_TRAILER_TAGS = 2;
/** The type a record without one (no TY line, or an empty one) is read as: RIS's generic type. */
const GENERIC_TYPE = 'GEN';
const NO_TYPE = `stored as ${GENERIC_TYPE} (generic)`;
const RECORD_TAGS = new Set(['TI', 'T1', 'CT', 'AU', 'A1', 'DO']);

export type RisStreamEvent =
  | { type: 'record'; record: RisRecord }
  | { type: 'problem'; problem: RisProblem }
  | { type: 'progress'; bytes: number; records: number };

export interface ParseRisResult {
  kind: InputKind;
  records: RisRecord[];
  problems: RisProblem[];
}

const SPACE = 32;
const TAB = 9;
const HYPHEN = 45;

function isTagHead(c: number): boolean {
  return c >= 65 && c <= 90;
}

function isTagTail(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 48 && c <= 57);
}

function isSpace(c: number): boolean {
  return (
    c === SPACE ||
    c === TAB ||
    c === 11 ||
    c === 12 ||
    c === 0xa0 ||
    c === 0x3000 ||
    c === 0x202f ||
    c === 0x205f ||
    c === 0x1680 ||
    (c >= 0x2000 && c <= 0x200a)
  );
}

/** `s.slice(a, b).trim()` without the intermediate string. */
function sliceTrim(s: string, a: number, b: number): string {
  let i = a;
  let j = b;
  while (i < j && isSpace(s.charCodeAt(i))) i++;
  while (j > i && isSpace(s.charCodeAt(j - 1))) j--;
  return i === a && j === b && a === 0 && b === s.length ? s : s.slice(i, j);
}

function isBlankAt(s: string, a: number, b: number): boolean {
  for (let i = a; i < b; i++) if (!isSpace(s.charCodeAt(i))) return false;
  return true;
}

// Tag strings are interned: 100,000 `AU` tags should share one string, not allocate each.
const TAG_CACHE: Array<string | undefined> = [];

function tagAt(s: string, a: number): string {
  const code = s.charCodeAt(a) * 128 + s.charCodeAt(a + 1);
  let t = TAG_CACHE[code];
  if (t === undefined) {
    t = s.slice(a, a + 2);
    TAG_CACHE[code] = t;
  }
  return t;
}

/**
 * Index where the value of the tag line `s[a, b)` starts, or -1 when it is not a tag line.
 * Spec form `XX  - v`; also `XX - v`, `XX   - v`, `XX\t- v` (Ovid, colrev, bolognese
 * "TY -  BOOK", asreview's tab) but only for known tags, and `XX  -v` (Rayyan's "A1  -Bergel")
 * only with the spec's two spaces. Zero spaces before the hyphen is never a tag: `NF-kappa B`
 * and `ER-20 ETY Plugs` are prose that wrapped onto a new line.
 */
function tagValueStartAt(s: string, a: number, b: number): number {
  if (b - a < 4) return -1;
  const c0 = s.charCodeAt(a);
  const c1 = s.charCodeAt(a + 1);
  if (!isTagHead(c0) || !isTagTail(c1)) return -1;
  let i = a + 2;
  let tab = false;
  for (; i < b; i++) {
    const c = s.charCodeAt(i);
    if (c === TAB) tab = true;
    else if (c !== SPACE) break;
  }
  const spaces = i - a - 2;
  if (spaces === 0 || i >= b || s.charCodeAt(i) !== HYPHEN) return -1;
  const after = i + 1;
  if (spaces === 2 && !tab) return after;
  if (!isKnownTagCodes(c0, c1)) return -1;
  if (after >= b) return after;
  const c = s.charCodeAt(after);
  return c === SPACE || c === TAB ? after : -1;
}

/** Value start of a whole-string tag line, or -1 (see `tagValueStartAt`). */
export function tagValueStart(line: string): number {
  return tagValueStartAt(line, 0, line.length);
}

/** A bare `ER` line (Rayyan, hand-edited files) closes a record like `ER  - ` does. */
function isBareErAt(s: string, a: number, b: number): boolean {
  if (b - a < 2 || s.charCodeAt(a) !== 69 || s.charCodeAt(a + 1) !== 82) return false;
  for (let i = a + 2; i < b; i++) {
    const c = s.charCodeAt(i);
    if (c !== SPACE && c !== TAB) return false;
  }
  return true;
}

interface Boundary {
  /** Index of the tag's first character. */
  start: number;
  /** Index right after the hyphen. */
  valueStart: number;
  tag: string;
}

/**
 * Finds the next `-` with `indexOf` (native, fast on 64 MB chunks) and remembers the answer:
 * `indexOf` runs past the end of the line being checked, so without the memo a stretch of
 * hyphen-free lines would rescan the same text once per line. With it every character is scanned
 * at most once per forward pass over a string.
 */
class DashFinder {
  private src: string | null = null;
  private from = 0;
  private at = -1;

  next(s: string, from: number): number {
    if (s === this.src && from >= this.from && (this.at === -1 || from <= this.at)) return this.at;
    const at = s.indexOf('-', from);
    this.src = s;
    this.from = from;
    this.at = at;
    return at;
  }

  /** Drop the reference to the last searched string (it may be a whole 64 MB input). */
  reset(): void {
    this.src = null;
  }
}

/**
 * Next ` XX - ` / ` XX  - ` (known tag, hyphen followed by a space or the end) in `s[from, to)`.
 * This is how tags are found again in records whose newlines became single spaces.
 */
function nextBoundary(s: string, from: number, to: number, dash: DashFinder): Boundary | null {
  for (let h = dash.next(s, from); h !== -1 && h < to; h = dash.next(s, h + 1)) {
    if ((h + 1 >= to || s.charCodeAt(h + 1) === SPACE) && h >= 4 && s.charCodeAt(h - 1) === SPACE) {
      const a = s.charCodeAt(h - 3);
      const b = s.charCodeAt(h - 2);
      if (s.charCodeAt(h - 4) === SPACE && isTagHead(a) && isTagTail(b) && isKnownTagCodes(a, b)) {
        return { start: h - 3, valueStart: h + 1, tag: tagAt(s, h - 3) };
      }
      if (h >= 5 && b === SPACE && s.charCodeAt(h - 5) === SPACE) {
        const a2 = s.charCodeAt(h - 4);
        if (isTagHead(a2) && isTagTail(a) && isKnownTagCodes(a2, a)) {
          return { start: h - 4, valueStart: h + 1, tag: tagAt(s, h - 4) };
        }
      }
    }
  }
  return null;
}

/**
 * Does `s[from, to)` (a tag line's value, or a continuation line) hold a flattened record? Two
 * or more known tags in ` XX - ` position, or an ` ER -` at the very end. One tag-like run alone
 * (`TI  - History of the CDC PY - 1999`) stays part of the value.
 */
function looksFlattened(s: string, from: number, to: number, dash: DashFinder): boolean {
  // Fast exit: most values have no " - " at all.
  const first = nextBoundary(s, from, to, dash);
  if (!first) return false;
  const second = nextBoundary(s, first.valueStart, to, dash);
  if (second) return true;
  return first.tag === 'ER' && isBlankAt(s, first.valueStart, to);
}

/**
 * A flattened record, not prose that happens to hold tag-like runs (`measured at T1 - before
 * surgery and T2 - after`, `Groups: A1 - placebo; A2 - drug`): besides looking flattened, the run
 * opens a record (the line's own tag, or one inside it, is TY) or closes one (` ER -` at the end).
 */
function flattenedRecordAt(
  s: string,
  from: number,
  to: number,
  dash: DashFinder,
  lineStart: number,
): boolean {
  if (!looksFlattened(s, from, to, dash)) return false;
  // The line's own tag (lineStart -1: a continuation line has none).
  if (lineStart !== -1 && s.charCodeAt(lineStart) === 84 && s.charCodeAt(lineStart + 1) === 89) return true;
  for (let b = nextBoundary(s, from, to, dash); b; b = nextBoundary(s, b.valueStart, to, dash)) {
    if (b.tag === 'TY' || (b.tag === 'ER' && isBlankAt(s, b.valueStart, to))) return true;
  }
  return false;
}

// Lines before/between records that exporters always write; not worth an info problem each.
const HEADER_LINE =
  /^(?:\d{1,6}\.?|Record\s*#?\s*\d+(?:\s+of\s+\d+)?.*|[A-Za-z][A-Za-z ]{0,30}:.*|[%#].*|"[^"]{0,40}"?.*)$/i;

const MAX_JUNK_REPORTS = 50;

export class RisParser {
  /** Problems not yet taken with `drainProblems()` (all of them, for one-shot use). */
  readonly problems: RisProblem[] = [];
  private pendingParts: string[] = [];
  private carryCR = false;
  /** A high surrogate ending a text chunk: its low half may start the next chunk. */
  private carryHigh = '';
  /** Lines that held NUL characters (removed before lexing), still to be reported. */
  private readonly nulLines = new Set<number>();
  /** Lines that held unpaired surrogates (replaced before lexing), still to be reported. */
  private readonly surrogateLines = new Set<number>();
  private lineNo = 0;
  private srcId = 0;
  private out: RisRecord[] = [];
  private cur: OpenRecord | null = null;
  private held: HeldRecord | null = null;
  private recordCount = 0;
  private flatParts: string[] | null = null;
  private flatLine = 0;
  private junkReports = 0;
  private inJunkBlock = false;
  private ended = false;
  private readonly dash = new DashFinder();

  /** Number of complete lines read so far. */
  get linesRead(): number {
    return this.lineNo;
  }

  drainProblems(): RisProblem[] {
    return this.problems.splice(0, this.problems.length);
  }

  push(text: string): RisRecord[] {
    return this.pushText(text, false);
  }

  /**
   * `push` for text that already went through `cleanDecodedText` (decoder output): skips the
   * three whole-chunk scans for BOM / U+2028 / U+2029 that could not find anything.
   * @internal
   */
  pushDecoded(text: string): RisRecord[] {
    return this.pushText(text, true);
  }

  private pushText(text: string, cleaned: boolean): RisRecord[] {
    if (this.ended || text.length === 0) return this.take();
    let t = text;
    if (this.carryCR) {
      t = `\r${t}`;
      this.carryCR = false;
    } else if (this.carryHigh) {
      t = this.carryHigh + t;
      this.carryHigh = '';
    }
    const last = t.charCodeAt(t.length - 1);
    // A CR at the end of a chunk may be the first half of a CRLF split across chunks, and a high
    // surrogate the first half of a character whose low half starts the next chunk.
    if (last === 13) {
      this.carryCR = true;
      t = t.slice(0, -1);
    } else if (last >= 0xd800 && last <= 0xdbff) {
      this.carryHigh = t.slice(-1);
      t = t.slice(0, -1);
    }
    if (t.indexOf('\r') !== -1) t = t.replace(/\r\n?/g, '\n');
    if (!cleaned) t = cleanDecodedText(t);
    if (t.indexOf('\u0000') !== -1) t = this.stripNul(t);
    t = this.replaceSurrogates(t);
    let start = 0;
    let nl = t.indexOf('\n');
    if (nl === -1) {
      if (t.length > 0) this.pendingParts.push(t);
      return this.take();
    }
    if (this.pendingParts.length > 0) {
      this.pendingParts.push(t.slice(0, nl));
      const line = this.pendingParts.join('');
      this.pendingParts = [];
      this.srcId++;
      this.line(line, 0, line.length);
      if (this.nulLines.size !== 0 || this.surrogateLines.size !== 0) this.reportRepairs();
      start = nl + 1;
      nl = t.indexOf('\n', start);
    }
    this.srcId++;
    while (nl !== -1) {
      this.line(t, start, nl);
      if (this.nulLines.size !== 0 || this.surrogateLines.size !== 0) this.reportRepairs();
      start = nl + 1;
      nl = t.indexOf('\n', start);
    }
    if (start < t.length) this.pendingParts.push(t.slice(start));
    return this.take();
  }

  end(): RisRecord[] {
    if (this.ended) return this.take();
    this.ended = true;
    if (this.carryHigh) {
      // Input ended after the first half of a character.
      this.pendingParts.push(this.replaceSurrogates(this.carryHigh));
      this.carryHigh = '';
    }
    if (this.carryCR || this.pendingParts.length > 0) {
      // A lone CR at the very end still ends its line; text without a final newline is a line.
      this.carryCR = false;
      const last = this.pendingParts.join('');
      this.pendingParts = [];
      this.srcId++;
      this.line(last, 0, last.length);
      if (this.nulLines.size !== 0 || this.surrogateLines.size !== 0) this.reportRepairs();
    }
    this.finishFlat();
    this.dash.reset();
    const cur = this.cur;
    if (cur && !this.settleOrphan(cur)) {
      this.problem(
        cur.index,
        this.lineNo,
        'warning',
        `Record ${cur.index} (line ${cur.line}) has no ER line; closed at the end of the input`,
      );
      this.close(false, false);
    }
    this.flushHeld();
    return this.take();
  }

  private take(): RisRecord[] {
    if (this.out.length === 0) return [];
    const out = this.out;
    this.out = [];
    return out;
  }

  private problem(
    record: number,
    line: number | null,
    severity: RisProblem['severity'],
    message: string,
  ): RisProblem {
    const p: RisProblem = { record, line, severity, message };
    this.problems.push(p);
    return p;
  }

  /**
   * Removes U+0000, which no PostgreSQL text can hold (a stray one in a broken export must not fail
   * the whole ingest), remembering the lines it was on. `t` starts on line `lineNo + 1`.
   */
  private stripNul(t: string): string {
    let line = this.lineNo + 1;
    let scanned = 0;
    for (let i = t.indexOf('\u0000'); i !== -1; i = t.indexOf('\u0000', i + 1)) {
      for (let j = t.indexOf('\n', scanned); j !== -1 && j < i; j = t.indexOf('\n', j + 1)) {
        line++;
        scanned = j + 1;
      }
      this.nulLines.add(line);
    }
    return t.replaceAll('\u0000', '');
  }

  /**
   * Replaces unpaired surrogates with U+FFFD (half a character cannot be stored; one in a broken
   * export must not fail the whole ingest), remembering their lines. `t` starts on line `lineNo + 1`.
   */
  private replaceSurrogates(t: string): string {
    const offsets = loneSurrogateOffsets(t);
    if (offsets.length === 0) return t;
    let line = this.lineNo + 1;
    let scanned = 0;
    const parts: string[] = [];
    let from = 0;
    for (const i of offsets) {
      for (let j = t.indexOf('\n', scanned); j !== -1 && j < i; j = t.indexOf('\n', j + 1)) {
        line++;
        scanned = j + 1;
      }
      this.surrogateLines.add(line);
      parts.push(t.slice(from, i), '\ufffd');
      from = i + 1;
    }
    parts.push(t.slice(from));
    return parts.join('');
  }

  /** Reports the line just lexed if it held NULs or surrogates; called only while some are pending. */
  private reportRepairs(): void {
    if (this.nulLines.delete(this.lineNo)) {
      this.problem(
        this.cur?.index ?? 0,
        this.lineNo,
        'warning',
        `Line ${this.lineNo} held NUL characters; they were removed`,
      );
    }
    if (this.surrogateLines.delete(this.lineNo)) {
      this.problem(
        this.cur?.index ?? 0,
        this.lineNo,
        'warning',
        `Line ${this.lineNo} held an unpaired UTF-16 surrogate (half a character, which no stored text can hold); replaced with U+FFFD`,
      );
    }
  }

  private line(s: string, a: number, b: number): void {
    const lineNo = ++this.lineNo;
    if (this.flatParts) {
      if (isBlankAt(s, a, b) || tagValueStartAt(s, a, b) !== -1 || isBareErAt(s, a, b)) {
        this.finishFlat();
      } else {
        // A flattened record that was then folded at a fixed width: the fold removed nothing,
        // so the pieces join back without a separator ("Sipi" + "ng", "https://" + "doi.org").
        this.flatParts.push(s.slice(a, b));
        return;
      }
    }
    const vs = tagValueStartAt(s, a, b);
    if (vs !== -1) {
      if (flattenedRecordAt(s, vs, b, this.dash, a)) {
        this.flatParts = [s.slice(a, b)];
        this.flatLine = lineNo;
        return;
      }
      this.inJunkBlock = false;
      this.tag(tagAt(s, a), sliceTrim(s, vs, b), lineNo, s, a, b);
      return;
    }
    if (isBlankAt(s, a, b)) {
      if (this.cur?.orphan) this.cur.orphanGap = true;
      return;
    }
    if (isBareErAt(s, a, b)) {
      this.inJunkBlock = false;
      this.tag('ER', '', lineNo, s, a, b);
      return;
    }
    const cur = this.cur;
    const last = cur?.lastTag;
    if (cur && last && !cur.orphanGap) {
      if (cur.lastTagId !== -1 && flattenedRecordAt(s, a, b, this.dash, -1)) {
        this.refold(cur, last, s.slice(a, b));
        return;
      }
      const cont = sliceTrim(s, a, b);
      last.value = last.value === '' ? cont : `${last.value}\n${cont}`;
      if (cur.lastTagId !== -1) {
        if (cur.lastConts) cur.lastConts.push(s.slice(a, b));
        else cur.lastConts = [s.slice(a, b)];
      }
      this.rawAdd(cur, s, a, b);
      return;
    }
    this.junk(sliceTrim(s, a, b), lineNo);
  }

  private rawAdd(rec: OpenRecord, s: string, a: number, b: number): void {
    if (rec.runSrc !== null && rec.runId === this.srcId) {
      rec.runEnd = b;
      return;
    }
    this.rawFlush(rec);
    rec.runSrc = s;
    rec.runId = this.srcId;
    rec.runStart = a;
    rec.runEnd = b;
  }

  private rawFlush(rec: OpenRecord): void {
    if (rec.runSrc === null) return;
    rec.raw.push(rec.runSrc.slice(rec.runStart, rec.runEnd));
    rec.runSrc = null;
  }

  private rawText(rec: OpenRecord, text: string): void {
    this.rawFlush(rec);
    if (text !== '') rec.raw.push(text);
  }

  /**
   * A continuation line turned out to carry a flattened record: the previous tag line was the
   * start of it, folded before its second tag. Take that tag back and split the whole run.
   */
  private refold(cur: OpenRecord, last: RisTag, line: string): void {
    const parts: string[] = [cur.lastTagSrc.slice(cur.lastTagStart, cur.lastTagEnd)];
    if (cur.lastConts) for (const c of cur.lastConts) parts.push(c);
    parts.push(line);
    // Drop the tag line and its continuations from the raw text when they are still in the open
    // run (always, unless the fold straddled two pushed chunks; then raw keeps both forms).
    if (cur.runSrc !== null && cur.runId === cur.lastTagId && cur.lastTagStart >= cur.runStart) {
      if (cur.lastTagStart === cur.runStart) cur.runSrc = null;
      else cur.runEnd = cur.lastTagStart - 1;
    }
    cur.tags.pop();
    if (cur.tags.length === 0) {
      // The record consisted of that tag only: drop it, the split will open it again.
      if (cur.noTyProblem) {
        const at = this.problems.lastIndexOf(cur.noTyProblem);
        if (at !== -1) this.problems.splice(at, 1);
      }
      this.cur = null;
      this.recordCount--;
    } else {
      cur.lastTag = cur.tags[cur.tags.length - 1] ?? null;
      cur.lastTagId = -1;
      cur.lastConts = null;
    }
    this.flatParts = parts;
    this.flatLine = last.line;
  }

  private finishFlat(): void {
    const parts = this.flatParts;
    if (!parts) return;
    this.flatParts = null;
    const text = parts.length === 1 ? (parts[0] as string) : parts.join('');
    const n = text.length;
    const lineNo = this.flatLine;
    const vs = tagValueStartAt(text, 0, n);
    if (vs === -1) return;
    let tag = tagAt(text, 0);
    let segStart = 0;
    let valueStart = vs;
    let rawFrom = 0;
    let count = 0;
    let firstRecord = 0;
    for (;;) {
      const b = nextBoundary(text, valueStart, n, this.dash);
      const segEnd = b ? b.start - 1 : n;
      const value = sliceTrim(text, valueStart, Math.max(valueStart, segEnd));
      count++;
      if (tag === 'TY') {
        const cur = this.cur;
        if (cur && segStart > rawFrom) this.rawText(cur, sliceTrim(text, rawFrom, segStart));
        rawFrom = segStart;
        this.tag('TY', value, lineNo, null, 0, 0);
      } else if (tag === 'ER') {
        const cur = this.cur;
        if (cur) this.rawText(cur, sliceTrim(text, rawFrom, segEnd));
        rawFrom = b ? b.start : n;
        this.tag('ER', value, lineNo, null, 0, 0);
      } else {
        if (!this.cur) rawFrom = segStart;
        this.tag(tag, value, lineNo, null, 0, 0);
      }
      if (firstRecord === 0 && this.cur) firstRecord = this.cur.index;
      if (!b) break;
      tag = b.tag;
      segStart = b.start;
      valueStart = b.valueStart;
    }
    const cur = this.cur;
    if (cur && rawFrom < n) this.rawText(cur, sliceTrim(text, rawFrom, n));
    this.problem(
      firstRecord,
      lineNo,
      'info',
      `Line ${lineNo} holds a flattened record (newlines replaced by spaces); split into ${count} tags`,
    );
  }

  /** `src` is null for tags cut out of a flattened line (the caller keeps the raw text then). */
  private tag(tag: string, value: string, lineNo: number, src: string | null, a: number, b: number): void {
    if (tag === 'TY') {
      this.ty(value, lineNo, src, a, b);
      return;
    }
    if (tag === 'ER') {
      const cur = this.cur;
      if (!cur) {
        this.problem(0, lineNo, 'info', `ER on line ${lineNo} outside any record ignored`);
        return;
      }
      if (src !== null) this.rawAdd(cur, src, a, b);
      const held = this.held;
      if (cur.orphan && held?.erHadValue) {
        // `ER  - End of Reference … UK  - x … ER  -`: the first ER was data, not the end.
        this.merge(
          held.rec,
          cur,
          `An ER with a value did not end record ${held.rec.index}; the tags after it (line ${cur.line}) were kept with it`,
        );
        held.erHadValue = value !== '';
        return;
      }
      if (cur.orphan) this.reportNoTy(cur);
      this.close(true, value !== '');
      return;
    }
    let cur = this.cur;
    if (!cur) {
      cur = this.open(lineNo, '');
      if (this.held) cur.orphan = true;
      else this.reportNoTy(cur, tag);
    }
    this.addTag(cur, { tag, value, line: lineNo }, src, a, b);
  }

  private addTag(rec: OpenRecord, t: RisTag, src: string | null, a: number, b: number): void {
    rec.tags.push(t);
    rec.lastTag = t;
    rec.lastConts = null;
    rec.orphanGap = false;
    if (src !== null) {
      this.rawAdd(rec, src, a, b);
      rec.lastTagId = this.srcId;
      rec.lastTagSrc = src;
      rec.lastTagStart = a;
      rec.lastTagEnd = b;
    } else {
      rec.lastTagId = -1;
    }
  }

  private ty(value: string, lineNo: number, src: string | null, a: number, b: number): void {
    const type = value.toUpperCase().trim();
    const prev = this.cur;
    const t: RisTag = { tag: 'TY', value, line: lineNo };
    if (prev && prev.tags.length > 0 && prev.tags.every((x) => x.tag === 'TY')) {
      // `TY  - BOOK` `TY  - JOUR` … with nothing between (JabRef's corrupt fixture): one record
      // whose type is the TY closest to its data, not a string of empty records.
      this.problem(
        prev.index,
        lineNo,
        'warning',
        `Record ${prev.index} has several TY lines in a row; using the last one ("${type}")`,
      );
      prev.type = type;
      this.addTag(prev, t, src, a, b);
      return;
    }
    if (prev && !this.settleOrphan(prev)) {
      this.problem(
        prev.index,
        lineNo,
        'warning',
        `Record ${prev.index} (line ${prev.line}) has no ER line; closed by the TY on line ${lineNo}`,
      );
      this.close(false, false);
    }
    this.flushHeld();
    const rec = this.open(lineNo, type);
    if (value === '') {
      this.problem(rec.index, lineNo, 'warning', `Record ${rec.index} has an empty TY; ${NO_TYPE}`);
    }
    this.addTag(rec, t, src, a, b);
  }

  /** An orphan ended without its own ER: a short one is the held record's trailer. */
  private settleOrphan(cur: OpenRecord): boolean {
    const held = this.held;
    if (!cur.orphan || !held) return false;
    if (cur.tags.length <= MAX_TRAILER_TAGS && !cur.tags.some((t) => RECORD_TAGS.has(t.tag))) {
      const tags = cur.tags.map((x) => x.tag).join(', ');
      this.merge(
        held.rec,
        cur,
        `${tags} after the ER of record ${held.rec.index} (line ${cur.line}) kept with that record`,
      );
      return true;
    }
    this.reportNoTy(cur);
    return false;
  }

  private merge(into: OpenRecord, from: OpenRecord, message: string): void {
    for (const t of from.tags) into.tags.push(t);
    this.rawFlush(into);
    this.rawFlush(from);
    for (const r of from.raw) into.raw.push(r);
    this.cur = null;
    this.recordCount--;
    this.problem(into.index, from.line, 'info', message);
  }

  private reportNoTy(cur: OpenRecord, first?: string): void {
    cur.orphanGap = false;
    const tag = first ?? cur.tags[0]?.tag ?? '?';
    cur.noTyProblem = this.problem(
      cur.index,
      cur.line,
      'warning',
      `Record ${cur.index} has no TY line (starts with ${tag} on line ${cur.line}); ${NO_TYPE}`,
    );
    cur.orphan = false;
  }

  private open(lineNo: number, type: string): OpenRecord {
    this.inJunkBlock = false;
    const rec: OpenRecord = {
      index: ++this.recordCount,
      line: lineNo,
      type,
      tags: [],
      raw: [],
      runSrc: null,
      runId: -1,
      runStart: 0,
      runEnd: 0,
      lastTag: null,
      lastTagId: -1,
      lastTagSrc: '',
      lastTagStart: 0,
      lastTagEnd: 0,
      lastConts: null,
      noTyProblem: null,
      orphan: false,
      orphanGap: false,
    };
    this.cur = rec;
    return rec;
  }

  /** Records closed by ER wait for the next TY before they are emitted: a trailer may follow. */
  private close(byEr: boolean, erHadValue: boolean): void {
    const cur = this.cur;
    if (!cur) return;
    this.cur = null;
    this.flushHeld();
    if (byEr) this.held = { rec: cur, erHadValue };
    else this.emit(cur);
  }

  private flushHeld(): void {
    const held = this.held;
    if (!held) return;
    this.held = null;
    this.emit(held.rec);
  }

  private emit(rec: OpenRecord): void {
    this.rawFlush(rec);
    const raw = rec.raw.length === 1 ? (rec.raw[0] as string) : rec.raw.join('\n');
    // A record without a type is generic: said here, with the line, once (the mapping would
    // otherwise say it again).
    this.out.push({ index: rec.index, line: rec.line, type: rec.type || GENERIC_TYPE, tags: rec.tags, raw });
  }

  private junk(t: string, lineNo: number): void {
    if (this.inJunkBlock) return;
    this.inJunkBlock = true;
    if (t.length <= 200 && HEADER_LINE.test(t)) return;
    if (this.junkReports >= MAX_JUNK_REPORTS) return;
    this.junkReports++;
    const shown = t.length > 60 ? `${t.slice(0, 60)}…` : t;
    const more = this.junkReports === MAX_JUNK_REPORTS ? ' (further ignored text is not reported)' : '';
    this.problem(0, lineNo, 'info', `Text outside any record ignored on line ${lineNo}: "${shown}"${more}`);
  }
}

function notRisProblem(message: string | null): RisProblem {
  return { record: 0, line: null, severity: 'error', message: message ?? 'Input is not RIS' };
}

/** One-shot parse of a whole input; non-RIS input gives no records and one error problem. */
export function parseRis(input: string | Uint8Array): ParseRisResult {
  let text: string;
  const problems: RisProblem[] = [];
  if (typeof input === 'string') {
    text = input;
  } else {
    const fast = parseUtf8InPieces(input);
    if (fast) return fast;
    const decoder = createRisDecoder();
    text = decoder.write(input) + decoder.end();
    const at = decoder.switchedAt;
    for (const p of decoder.problems) {
      problems.push({ ...p, line: at ? lineAtOffset(text, at.charOffset) : null });
    }
  }
  const sniff = sniffInput(text);
  if (sniff.kind !== 'ris')
    return { kind: sniff.kind, records: [], problems: [notRisProblem(sniff.message)] };
  const parser = new RisParser();
  const records = parser.push(text);
  for (const r of parser.end()) records.push(r);
  for (const p of parser.problems) problems.push(p);
  return { kind: 'ris', records, problems };
}

/**
 * Pieces of about this many bytes: a decoded piece (two bytes a char at worst) stays below V8's
 * 128 KB large-object threshold; large-object strings are slow to allocate and to collect.
 */
const PIECE_BYTES = 32 * 1024;
const ER_LINE_BYTES = new Uint8Array([10, 69, 82, 32, 32, 45]); // "\nER  -"

/**
 * End (exclusive) of the first line `ER  -` (only spaces / CR after the hyphen) that starts at or
 * after `from`, or -1. After such a line no record is open, so cutting there changes nothing.
 */
function pieceEnd(buf: Buffer, from: number): number {
  const n = buf.length;
  let at = buf.indexOf(ER_LINE_BYTES, from);
  while (at !== -1) {
    let i = at + ER_LINE_BYTES.length;
    while (i < n && (buf[i] === SPACE || buf[i] === 13)) i++;
    if (i < n && buf[i] === 10) return i + 1;
    at = buf.indexOf(ER_LINE_BYTES, i);
  }
  return -1;
}

/**
 * `parseRis` on UTF-8 bytes, decoded and lexed in ~64 KB pieces cut right after `ER  - ` lines:
 * decoding 64 MB into one string costs more than lexing it. Gives exactly what the one-shot
 * path gives, or null when that path must run (small input, UTF-16, bytes that are not UTF-8,
 * a blank head that the sniffer judges by the whole text).
 */
function parseUtf8InPieces(input: Uint8Array): ParseRisResult | null {
  const n = input.length;
  if (n <= 2 * PIECE_BYTES) return null;
  if ((input[0] === 0xff && input[1] === 0xfe) || (input[0] === 0xfe && input[1] === 0xff)) return null;
  const buf = Buffer.from(input.buffer, input.byteOffset, input.byteLength);
  const decoder = createRisDecoder();
  const pieces: string[] = [];
  for (let pos = 0; pos < n; ) {
    let end = n - pos > 2 * PIECE_BYTES ? pieceEnd(buf, pos + PIECE_BYTES) : -1;
    if (end === -1) end = n;
    pieces.push(decoder.write(input.subarray(pos, end)));
    if (decoder.switchedAt) return null;
    pos = end;
  }
  pieces.push(decoder.end());
  if (decoder.switchedAt || decoder.encoding !== 'utf-8' || decoder.problems.length > 0) return null;
  const first = pieces[0] as string;
  if (first.length <= SNIFF_HEAD_CHARS || first.slice(0, SNIFF_HEAD_CHARS).trim() === '') return null;
  const sniff = sniffInput(first);
  if (sniff.kind !== 'ris')
    return { kind: sniff.kind, records: [], problems: [notRisProblem(sniff.message)] };
  const parser = new RisParser();
  const records: RisRecord[] = [];
  for (const piece of pieces) for (const r of parser.pushDecoded(piece)) records.push(r);
  for (const r of parser.end()) records.push(r);
  return { kind: 'ris', records, problems: parser.problems };
}

const SNIFF_BYTES = 8192;
const PROGRESS_EVERY = 64 * 1024;

/**
 * Streaming parse over bytes (or already decoded text): decodes, sniffs the first 8 KB, then
 * lexes chunk by chunk, keeping only the current line and record in memory.
 */
export async function* parseRisStream(
  source: AsyncIterable<Uint8Array | string> | Iterable<Uint8Array | string>,
): AsyncGenerator<RisStreamEvent> {
  const decoder = createRisDecoder();
  const parser = new RisParser();
  let bytes = 0;
  let lastProgress = 0;
  let records = 0;
  let head: string[] | null = [];
  let headLength = 0;
  let decoderReported = 0;

  let fedChars = 0;
  const feed = function* (text: string): Generator<RisStreamEvent> {
    const before = parser.linesRead;
    const fedBefore = fedChars;
    fedChars += text.length;
    const got = parser.pushDecoded(text);
    for (; decoderReported < decoder.problems.length; decoderReported++) {
      const p = decoder.problems[decoderReported] as RisProblem;
      const at = decoder.switchedAt;
      // The switch happened inside `text`: lines read before it, plus the breaks up to it.
      const line = at ? before + lineAtOffset(text, Math.max(0, at.charOffset - fedBefore)) : null;
      yield { type: 'problem', problem: { ...p, line } };
    }
    for (const p of parser.drainProblems()) yield { type: 'problem', problem: p };
    for (const record of got) {
      records++;
      yield { type: 'record', record };
    }
  };

  const sniffed = function* (): Generator<RisStreamEvent, boolean> {
    const text = (head as string[]).join('');
    head = null;
    const sniff = sniffInput(text);
    if (sniff.kind !== 'ris') {
      yield { type: 'problem', problem: notRisProblem(sniff.message) };
      return false;
    }
    yield* feed(text);
    return true;
  };

  for await (const chunk of source) {
    let text: string;
    if (typeof chunk === 'string') {
      bytes += Buffer.byteLength(chunk);
      text = cleanDecodedText(chunk);
    } else {
      bytes += chunk.length;
      text = decoder.write(chunk);
    }
    if (head) {
      head.push(text);
      headLength += text.length;
      if (headLength < SNIFF_BYTES) continue;
      if (!(yield* sniffed())) return;
    } else if (text.length > 0) {
      yield* feed(text);
    }
    if (bytes - lastProgress >= PROGRESS_EVERY) {
      lastProgress = bytes;
      yield { type: 'progress', bytes, records };
    }
  }
  const tail = decoder.end();
  if (head) {
    head.push(tail);
    if (!(yield* sniffed())) return;
  } else if (tail.length > 0) {
    yield* feed(tail);
  }
  const last = parser.end();
  for (const p of parser.drainProblems()) yield { type: 'problem', problem: p };
  for (const record of last) {
    records++;
    yield { type: 'record', record };
  }
  yield { type: 'progress', bytes, records };
}
