/**
 * CSL-JSON (what Zotero, Mendeley, citation-js and most citation processors exchange): an array of
 * items, or one item. Dates are `{"date-parts": [[2020, 3, 15]]}` (or `raw`/`literal`), names are
 * structured (`family`, `given`, `suffix`, particles, or `literal`).
 */
import type { MappedName } from '../citation/types.ts';
import type { RisProblem, RisTag } from '../ris/types.ts';
import { lineCounter } from './bibtex.ts';
import { creatorTags, literalName, person, tagAppender } from './names.ts';
import type { FormatReadResult, SourceRecord } from './types.ts';

const TYPES: Record<string, string> = {
  'article-journal': 'JOUR',
  article: 'JOUR',
  review: 'JOUR',
  'article-magazine': 'MGZN',
  'article-newspaper': 'NEWS',
  book: 'BOOK',
  chapter: 'CHAP',
  'entry-encyclopedia': 'ENCYC',
  'entry-dictionary': 'DICT',
  'paper-conference': 'CPAPER',
  thesis: 'THES',
  report: 'RPRT',
  webpage: 'ELEC',
  'post-weblog': 'BLOG',
  dataset: 'DATA',
  software: 'COMP',
  patent: 'PAT',
  manuscript: 'UNPB',
  legislation: 'STAT',
  legal_case: 'CASE',
  map: 'MAP',
  motion_picture: 'MPCT',
  song: 'SOUND',
  speech: 'GEN',
};

type Item = Record<string, unknown>;
interface CslName {
  family?: string;
  given?: string;
  suffix?: string;
  literal?: string;
  'non-dropping-particle'?: string;
  'dropping-particle'?: string;
}

function cslName(n: CslName): MappedName | null {
  if (n.literal?.trim()) return literalName(n.literal.trim());
  const family = [n['non-dropping-particle'], n.family].filter(Boolean).join(' ').trim();
  const given = [n.given, n['dropping-particle']].filter(Boolean).join(' ').trim();
  if (!family && !given) return null;
  return person(family || null, given || null, n.suffix?.trim() || null);
}

/** What a JSON value is, for messages. */
function kindOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  return typeof v === 'object' ? 'an object' : `a ${typeof v}`;
}

/** Says that field `field` of the item is not what CSL-JSON puts there. */
type Warn = (field: string, message: string) => void;

/**
 * CSL variables that may be numbers (`"volume": 12`); any other variable is text, and a number
 * there is read as text with a warning.
 */
const NUMBER_VARIABLES = new Set([
  'volume',
  'issue',
  'number',
  'page',
  'edition',
  'article-number',
  'collection-number',
  'chapter-number',
  'number-of-pages',
  'number-of-volumes',
]);

/**
 * `{"date-parts": [[2020, 3, 15]]}` → `2020/03/15`; `raw`/`literal` dates are left to the mapper.
 * A date written some other way (`{"date-parts": "2020"}`, `"issued": "2020"`) is read as a raw
 * date, with a warning.
 */
function cslDate(value: unknown, field: string, warn: Warn): { da: string | null; year: string | null } {
  const rawDate = (raw: string | null) => ({
    da: raw,
    year: raw ? (/\d{4}/.exec(raw)?.[0] ?? null) : null,
  });
  if (value === undefined || value === null) return { da: null, year: null };
  if (typeof value === 'string' || typeof value === 'number') {
    warn(
      field,
      `is ${kindOf(value)}, not a CSL date object ({"date-parts": [[year, month, day]]}); read as the date '${value}'`,
    );
    return rawDate(String(value));
  }
  if (typeof value !== 'object' || Array.isArray(value)) {
    warn(field, `is ${kindOf(value)}, not a CSL date object; ignored`);
    return { da: null, year: null };
  }
  const d = value as { 'date-parts'?: unknown; raw?: unknown; literal?: unknown };
  const dateParts = d['date-parts'];
  const parts = Array.isArray(dateParts) ? dateParts[0] : undefined;
  if (Array.isArray(parts) && parts.length > 0 && /^\d{4}$/.test(String(parts[0]))) {
    const [y, m, day] = parts.map((p) => String(p));
    const da = [y, m?.padStart(2, '0'), day?.padStart(2, '0')].filter(Boolean).join('/');
    return { da, year: y ?? null };
  }
  if (dateParts !== undefined) {
    const usable = typeof dateParts === 'string' || typeof dateParts === 'number';
    warn(
      `${field}.date-parts`,
      usable
        ? `is ${kindOf(dateParts)}, not a list of [year, month, day] lists; read as the date '${dateParts}'`
        : `is not a list of [year, month, day] lists starting with a 4-digit year; ignored`,
    );
    if (usable && d.raw === undefined && d.literal === undefined) return rawDate(String(dateParts));
  }
  const raw = d.raw ?? d.literal;
  if (raw !== undefined && typeof raw !== 'string') {
    warn(`${field}.${d.raw !== undefined ? 'raw' : 'literal'}`, `is ${kindOf(raw)}, not text; ignored`);
    return { da: null, year: null };
  }
  return rawDate(raw ?? null);
}

function toRisTags(item: Item, line: number, warn: Warn): { tags: RisTag[]; names: MappedName[] } {
  const tags: RisTag[] = [];
  const append = tagAppender(tags);
  const str = (key: string): string | null => {
    const v = item[key];
    if (typeof v === 'string') return v.trim() || null;
    if (typeof v === 'number') {
      if (!NUMBER_VARIABLES.has(key)) warn(key, `is a number, not text; read as '${v}'`);
      return String(v);
    }
    if (v !== undefined && v !== null) warn(key, `is ${kindOf(v)}, not text; ignored`);
    return null;
  };
  // `key`: the CSL variable the value came from, which problems name instead of the RIS tag.
  const push = (tag: string, value: string | null, key?: string) =>
    append(tag, value, line, key && value ? { tag: key, value } : undefined);
  const put = (tag: string, ...keys: string[]) => {
    for (const key of keys) {
      const value = str(key);
      if (value) return push(tag, value, key);
    }
  };
  if (item.type !== undefined && typeof item.type !== 'string')
    warn('type', `is ${kindOf(item.type)}, not text; ignored`);
  push('TY', TYPES[String(item.type ?? '')] ?? 'GEN');
  for (const key of ['author', 'editor', 'translator']) {
    const list = item[key];
    if (list === undefined || list === null) continue;
    if (!Array.isArray(list)) {
      warn(key, `is ${kindOf(list)}, not a list of names; ignored`);
      continue;
    }
    list.forEach((n, i) => {
      if (!n || typeof n !== 'object' || Array.isArray(n))
        warn(`${key}[${i}]`, `is ${kindOf(n)}, not a name object; ignored`);
      else if (!cslName(n as CslName)) warn(`${key}[${i}]`, 'has no family, given or literal name; ignored');
    });
  }
  const names = creatorTags(
    item,
    (n) => (n && typeof n === 'object' && !Array.isArray(n) ? cslName(n as CslName) : null),
    append,
    line,
  );
  put('TI', 'title');
  put('ST', 'title-short', 'shortTitle');
  put('T2', 'container-title');
  put('J2', 'container-title-short', 'journalAbbreviation');
  put('T3', 'collection-title');
  const { da, year } = cslDate(item.issued, 'issued', warn);
  push('DA', da, 'issued');
  push('PY', year, 'issued');
  put('VL', 'volume');
  put('IS', 'issue', 'number');
  const page = str('page');
  if (page) {
    const [start, end] = page.split(/\s*[-–—]+\s*/);
    push('SP', start ?? null, 'page');
    push('EP', end ?? null, 'page');
  } else put('C7', 'article-number');
  put('DO', 'DOI');
  for (const key of ['ISSN', 'ISBN']) {
    const v = item[key];
    for (const s of Array.isArray(v) ? v : [v]) {
      if (typeof s === 'string') push('SN', s, key);
      else if (s !== undefined && s !== null) warn(key, `holds ${kindOf(s)}, not text; ignored`);
    }
  }
  put('UR', 'URL');
  put('PB', 'publisher');
  put('CY', 'publisher-place');
  put('ET', 'edition');
  put('LA', 'language');
  put('AB', 'abstract');
  const keyword = item.keyword ?? item.keywords;
  if (typeof keyword === 'string') for (const k of keyword.split(/\s*[,;]\s*/)) push('KW', k);
  else if (Array.isArray(keyword))
    for (const k of keyword)
      if (typeof k === 'string') push('KW', k);
      else if (keyword !== undefined && keyword !== null)
        warn(item.keyword !== undefined ? 'keyword' : 'keywords', `is ${kindOf(keyword)}, not text; ignored`);
  put('N1', 'note');
  return { tags, names };
}

/** Offsets where each top-level array element starts (for line numbers; JSON.parse gives none). */
function itemOffsets(text: string): number[] {
  const out: number[] = [];
  let depth = 0;
  let inString = false;
  // At depth 1, after `[` or `,`: the next non-blank character starts an element.
  let expecting = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
      continue;
    }
    if (depth === 1 && expecting && !/\s/.test(c) && c !== ']') {
      out.push(i);
      expecting = false;
    }
    if (c === '"') inString = true;
    else if (c === '{' || c === '[') {
      depth++;
      if (depth === 1) expecting = true;
    } else if (c === '}' || c === ']') depth--;
    else if (c === ',' && depth === 1) expecting = true;
  }
  return out;
}

/** True when `prefix` is valid JSON or could still become valid JSON: the error is at its end. */
function viablePrefix(prefix: string): boolean {
  try {
    JSON.parse(prefix);
    return true;
  } catch (error) {
    const message = (error as Error).message;
    if (/end of JSON input/.test(message)) return true;
    const at = / at position (\d+)/.exec(message);
    return at !== null && Number(at[1]) >= prefix.length;
  }
}

/**
 * Offset of the first character that makes `text` invalid JSON. V8 names it in most messages
 * (`at position 306`) but not all (`Unexpected token ',', "…" is not valid JSON`); then it is the
 * end of the longest prefix that could still be completed, found by bisection.
 */
function syntaxErrorOffset(text: string, message: string): number {
  const at = / at position (\d+)/.exec(message);
  if (at) return Math.min(Number(at[1]), text.length);
  let lo = 0;
  let hi = text.length;
  while (hi - lo > 1) {
    const mid = (lo + hi) >>> 1;
    if (viablePrefix(text.slice(0, mid))) lo = mid;
    else hi = mid;
  }
  return lo;
}

/**
 * A JSON syntax error where a person finds it: V8 gives at most a character offset; this names
 * the line, the column and the array item it is in.
 */
function syntaxProblem(text: string, detail: string): RisProblem {
  const position = syntaxErrorOffset(text, detail);
  const before = text.slice(0, position);
  const line = before.split(/\r\n|\r|\n/).length;
  const column = position - Math.max(before.lastIndexOf('\n'), before.lastIndexOf('\r'));
  // Items that start before the error; the last of them holds it (when the text is an array).
  const started = text.trimStart().startsWith('[') ? itemOffsets(before).length : 0;
  const where = `line ${line}, column ${column}${started > 0 ? ` (in item ${started})` : ''}`;
  const reason = detail
    .replace(/ in JSON at position \d+(?: \(line \d+ column \d+\))?/, '')
    .replace(/, \S*".*"\S* is not valid JSON$/s, '');
  return {
    record: 0,
    line,
    severity: 'error',
    message: `CSL-JSON could not be read: ${reason} at ${where}; nothing was stored`,
  };
}

export function readCslJson(text: string): FormatReadResult {
  const problems: RisProblem[] = [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    problems.push(syntaxProblem(text, (error as Error).message));
    return { records: [], problems };
  }
  const single = !Array.isArray(parsed);
  const items = (single ? [parsed] : parsed) as unknown[];
  const offsets = single ? [text.indexOf('{')] : itemOffsets(text);
  const lineAt = lineCounter(text);
  const records: SourceRecord[] = [];
  items.forEach((item, i) => {
    const line = lineAt(Math.max(0, offsets[i] ?? 0));
    if (!item || typeof item !== 'object' || Array.isArray(item)) {
      // Still a record, so it is counted (and fails) instead of vanishing from the report.
      problems.push({
        record: i + 1,
        line,
        severity: 'warning',
        message: `item ${i + 1} is not a CSL-JSON object`,
      });
      records.push({
        format: 'CSL_JSON',
        index: i + 1,
        line,
        type: 'GEN',
        tags: [],
        raw: JSON.stringify(item) ?? '',
      });
      return;
    }
    const warn: Warn = (field, message) =>
      problems.push({
        record: i + 1,
        line,
        severity: 'warning',
        message: `record ${i + 1} (line ${line}): item ${i + 1}, field '${field}' ${message}`,
      });
    const { tags, names } = toRisTags(item as Item, line, warn);
    records.push({
      format: 'CSL_JSON',
      index: i + 1,
      line,
      type: tags[0]?.value ?? 'GEN',
      tags,
      raw: JSON.stringify(item, null, 2),
      names,
    });
  });
  return { records, problems };
}
