import type { InputKind } from './types.js';

/**
 * What is this input? Users upload whatever their database gave them, and several formats
 * resemble RIS closely enough to lex into empty records: MEDLINE/nbib uses the same `AU  - `
 * lines (with `PMID- `), Web of Science plain text uses two-letter tags without the hyphen and
 * is often saved as `.ris`. Saying "this is BibTeX" beats importing nothing.
 */

export interface SniffResult {
  kind: InputKind;
  /** Why the input is not RIS, in words a user understands; null for RIS. */
  message: string | null;
}

/** How much of the input the sniffer looks at (it reads the rest only when all of it is blank). */
export const SNIFF_HEAD_CHARS = 8192;
const HEAD_CHARS = SNIFF_HEAD_CHARS;
const MAX_LINES = 400;

// `TY  - JOUR`, `TY - JOUR`, `TY  -JOUR`, `TY  -` (empty type).
// asreview's exports separate with a tab (`TY\t- JOUR`), which the lexer takes too.
const TY_LINE = /^TY(?: {1,3}|\t)-(?: |$)|^TY {2}-/;
const RIS_LINE = /^[A-Z][A-Z0-9](?: {2}|\t)-(?: |$)/;
const ER_LINE = /^ER {1,2}-? *$/;
const MEDLINE_LINE = /^PMID- ?\d/;
const WOS_LINE = /^(?:FN (?:Clarivate|Thomson|ISI)|VR \d|PT [A-Z]\s*$)/;
const BIBTEX_LINE = /^\s*@([A-Za-z]{2,30})\s*[{(]/;
const ENDNOTE_LINE = /^%[0-9A-Z@!#$&*+><~?|]\s/;

function reason(kind: InputKind, detail: string): SniffResult {
  return { kind, message: detail };
}

function isBinary(head: string): string | null {
  if (head.startsWith('%PDF-')) return 'a PDF file';
  if (head.startsWith('PK\u0003\u0004')) return 'a ZIP archive (e.g. .docx, .xlsx)';
  if (head.startsWith('\u001f\u008b') || head.startsWith('\u001f\u2039')) return 'a gzip archive';
  if (head.startsWith('\u00d0\u00cf\u0011\u00e0')) return 'an old Microsoft Office file';
  let control = 0;
  let nul = 0;
  const n = Math.min(head.length, HEAD_CHARS);
  for (let i = 0; i < n; i++) {
    const c = head.charCodeAt(i);
    if (c === 0) nul++;
    if (c < 32 && c !== 9 && c !== 10 && c !== 13 && c !== 12) control++;
    else if (c === 0xfffd) control++;
  }
  // A stray NUL in a text export is removed by the lexer (with a warning); binary data and
  // UTF-16 without a BOM are full of them.
  if (n > 0 && nul / n > 0.01) return 'binary data (NUL bytes)';
  if (n > 0 && control / n > 0.05) return 'binary data (many control characters)';
  return null;
}

function looksLikeCsv(lines: string[]): string | null {
  const sample = lines.filter((l) => l.trim() !== '').slice(0, 5);
  if (sample.length < 2) return null;
  for (const sep of [',', '\t', ';']) {
    const counts = sample.map((l) => l.split(sep).length - 1);
    const first = counts[0] ?? 0;
    if (first >= 2 && counts.every((c) => c >= Math.min(first, 2))) {
      return sep === '\t' ? 'tab-separated values' : 'CSV';
    }
  }
  return null;
}

export function sniffInput(text: string): SniffResult {
  let head = text.length > HEAD_CHARS ? text.slice(0, HEAD_CHARS) : text;
  if (head.indexOf('\uFEFF') !== -1) head = head.replaceAll('\uFEFF', '');
  if (head.trim() === '') {
    // Only the head is looked at; a long run of blank lines before real content is not "empty".
    if (text.length <= HEAD_CHARS || text.trim() === '') return reason('empty', 'Input is empty');
  }
  const bin = isBinary(head);
  if (bin) return reason('binary', `Input looks like ${bin}, not RIS text`);

  const first = head.trimStart();
  const firstChar = first.charAt(0);
  if (firstChar === '{' || (firstChar === '[' && /^\[\s*[{"\d\]]/.test(first))) {
    return reason('json', 'Input looks like JSON (CSL-JSON or similar), not RIS');
  }
  if (firstChar === '<') {
    return reason('xml', 'Input looks like XML (EndNote XML, MODS or HTML), not RIS');
  }

  const lines = head.split(/\r\n|\r|\n|\u2028|\u2029/, MAX_LINES);
  let risLines = 0;
  let erLines = 0;
  for (const raw of lines) {
    const line = raw.trimEnd();
    if (line === '') continue;
    if (TY_LINE.test(line)) return { kind: 'ris', message: null };
    if (MEDLINE_LINE.test(line)) {
      return reason('medline', 'Input looks like MEDLINE/PubMed (.nbib) format (PMID- …), not RIS');
    }
    if (WOS_LINE.test(line)) {
      return reason(
        'wos',
        `Input looks like Web of Science plain text ("${line.slice(0, 40)}", tags without " - "), not RIS; export as RIS or "Other file formats → RefMan"`,
      );
    }
    const bib = BIBTEX_LINE.exec(line);
    if (bib) return reason('bibtex', `Input looks like BibTeX (@${bib[1]}{…), not RIS`);
    if (ENDNOTE_LINE.test(line)) {
      return reason(
        'endnote-tagged',
        `Input looks like EndNote tagged/Refer format (${line.slice(0, 3)} …), not RIS`,
      );
    }
    if (RIS_LINE.test(line)) risLines++;
    else if (ER_LINE.test(line)) erLines++;
  }
  // RIS without any TY (JabRef's corrupted fixture, hand-made files): the lexer copes.
  if (risLines >= 2 || (risLines >= 1 && erLines >= 1)) return { kind: 'ris', message: null };
  const csv = looksLikeCsv(lines);
  if (csv) return reason('csv', `Input looks like ${csv} (spreadsheet rows), not RIS`);
  if (/ {1,2}- /.test(head) && /^[A-Z][A-Z0-9] +-/m.test(head)) return { kind: 'ris', message: null };
  return reason('unknown', 'Input does not look like RIS: no "TY  - " line in the first 8 KB');
}
