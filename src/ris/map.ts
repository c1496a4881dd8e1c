/**
 * RIS record → `MappedCitation`. Tag meanings depend on the type (`types-map.ts`); where the 2011
 * tag and a legacy tag both exist the modern one wins and the legacy one is a fallback, and within
 * a tag the first non-empty value wins (Zotero's pass order; citation-js' "mixed" spec). Every
 * tag stays in `rawTags`, so whatever is not mapped here is not lost.
 *
 * Runs in the ingestion hot path: all regexes and tables are module-level, and the per-record
 * work is linear in the record's size.
 */

import { parseAffiliationValue } from '../address/parse.js';
import { countryOf, INSTITUTION_WORD } from '../address/split.js';
import type { ParsedAddress } from '../address/types.js';
import { affiliationKey, keywordKey } from '../citation/keys.ts';
import type {
  AffiliationLinkRule,
  ContributorRole,
  DatePrecision,
  MappedAffiliation,
  MappedCitation,
  MappedContributor,
} from '../citation/types.ts';
import { parseName, splitNameList } from './names.js';
import { foldOnce, foldText, normalizeDoi, normalizeIsbn, normalizeIssn } from './normalize.js';
import { rewriteLabelledNotes } from './procite.js';
import type { MapResult, RisProblem, RisRecord, RisSeverity, RisTag } from './types.js';
import { isKnownRisType, type RisTypeInfo, risTypeInfo } from './types-map.js';

// ---------------------------------------------------------------------------------------------
// Small helpers

const WS_RUN = /\s+/g;

// Tests and scripts read a country off an address string the way the mapper does.
export { countryOf };

function oneLine(v: string): string {
  return v.replace(WS_RUN, ' ').trim();
}

type TagIndex = Map<string, RisTag[]>;

function indexTags(tags: readonly RisTag[]): TagIndex {
  const m: TagIndex = new Map();
  for (const t of tags) {
    const list = m.get(t.tag);
    if (list) list.push(t);
    else m.set(t.tag, [t]);
  }
  return m;
}

/** First non-empty value among `names`, in priority order (not file order). */
function firstOf(idx: TagIndex, ...names: string[]): { value: string; tag: RisTag } | null {
  for (const n of names) {
    const list = idx.get(n);
    if (!list) continue;
    for (const t of list) {
      const v = oneLine(t.value);
      if (v) return { value: v, tag: t };
    }
  }
  return null;
}

function has(idx: TagIndex, name: string): boolean {
  const list = idx.get(name);
  return !!list && list.some((t) => t.value.trim() !== '');
}

/**
 * A tag and its value as problems quote them: as the input wrote them when it was not RIS (MEDLINE
 * `DP '2021 Feb 30'`, not the `DA '2021/02/30'` it was read as), else as the RIS tag.
 */
function asWritten(t: RisTag, value: string): string {
  return t.written ? `${t.written.tag} '${oneLine(t.written.value)}'` : `${t.tag} '${value}'`;
}

class Problems {
  readonly list: RisProblem[] = [];
  constructor(private readonly record: number) {}
  add(severity: RisSeverity, line: number | null, message: string): void {
    const where = line == null ? `record ${this.record}` : `record ${this.record} (line ${line})`;
    this.list.push({ record: this.record, line, severity, message: `${where}: ${message}` });
  }
}

// ---------------------------------------------------------------------------------------------
// Dates

export interface DateParts {
  year: number | null;
  month: number | null;
  day: number | null;
}

interface ParsedDate extends DateParts {
  /** Why precision was reduced (month 13, 30 February …). */
  invalid: string | null;
}

const MONTHS: Readonly<Record<string, number>> = {
  jan: 1,
  feb: 2,
  mar: 3,
  apr: 4,
  may: 5,
  jun: 6,
  jul: 7,
  aug: 8,
  sep: 9,
  sept: 9,
  oct: 10,
  nov: 11,
  dec: 12,
};
const MONTH_WORD = /^(jan|feb|mar|apr|may|jun|jul|aug|sept?|oct|nov|dec)[a-z]*$/;
const ISO_DATE = /^(\d{4})-(\d{1,2})(?:-(\d{1,2}))?(?:$|[T\s/])/;
const US_DATE = /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/;
const DATE_TOKENS = /[\s.,\-–/]+/;
// Seasons and month ranges (`SPR`, `Winter`, `Jan-Feb`): a real date with no month to keep, so no
// warning when they yield only a year or nothing.
const SEASON_OR_RANGE =
  /^(?:\d{4}\s*)?(?:spr|sum|fal|win|spring|summer|fall|autumn|winter|(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s*[-–/]\s*(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?)(?:\s*\d{4})?$/i;

function monthNumber(token: string): number | null {
  const m = MONTH_WORD.exec(token.toLowerCase());
  return m ? (MONTHS[m[1] as string] ?? null) : null;
}

function daysIn(year: number | null, month: number): number {
  if (month === 2) {
    if (year == null) return 29;
    return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  }
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

const COPYRIGHT_YEAR = /^(?:\[\s*(\d{4})\s*\]|(?:c|©|ca\.?)\s*(\d{4}))$/i;

function num(s: string | undefined): number | null {
  if (s == null) return null;
  const t = s.trim();
  return /^\d{1,4}$/.test(t) ? Number(t) : null;
}

/**
 * One RIS date value at the precision it really has. Forms: `2017`, `2016/12//`, `2018/4/25`,
 * `1999/12/31/Winter` (old spec `YYYY/MM/DD/other`), `2015/october`, `2021-04-05`, `2024-05//`
 * (Ovid), `SEP 22` / `Feb 28` (Web of Science DA, year only in PY), `Mar. 2017`, `2019 Sep` (IEEE
 * Y1), `06/15/2019` (US order, old RP). Returns null when nothing usable is there (`///nan`, `0000`).
 * A month out of range drops month and day; an impossible day drops the day (never guessed).
 */
export function parseRisDate(value: string): ParsedDate | null {
  // `c2005`, `©2005`, `[2005]` (copyright and bracketed catalogue years) are the year 2005.
  const v = value
    .trim()
    .replace(
      COPYRIGHT_YEAR,
      (_m, bracketed: string | undefined, marked: string | undefined) => bracketed ?? marked ?? '',
    );
  if (!v) return null;
  let year: number | null = null;
  let month: number | null = null;
  let day: number | null = null;
  const iso = ISO_DATE.exec(v);
  const us = iso ? null : US_DATE.exec(v);
  if (iso) {
    year = num(iso[1]);
    month = num(iso[2]);
    day = num(iso[3]);
  } else if (us) {
    month = num(us[1]);
    day = num(us[2]);
    year = num(us[3]);
  } else if (v.includes('/')) {
    const parts = v.split('/');
    const y = (parts[0] ?? '').trim();
    year = /^\d{4}$/.test(y) ? Number(y) : null;
    const mo = (parts[1] ?? '').trim();
    // `2005/2006`: a span of years, not a month 2006.
    month = /^\d{4}$/.test(mo) ? null : (num(mo) ?? (mo ? monthNumber(mo) : null));
    // `2020/11//Nov/Dec2020` (EBSCO): the numeric parts already say it; the rest is *other*.
    // `2020/01/02 12:34:56`: a time after the day.
    day = month != null ? num((parts[2] ?? '').trim().split(/\s+/)[0]) : null;
  } else {
    const tokens = v.split(DATE_TOKENS).filter((t) => t.length > 0);
    const months = new Set<number>();
    const days: number[] = [];
    for (const t of tokens) {
      if (/^\d{4}$/.test(t)) {
        if (year == null) year = Number(t);
      } else if (/^\d{8}$/.test(t) && /^(?:1[5-9]|20)/.test(t)) {
        year ??= Number(t.slice(0, 4));
        months.add(Number(t.slice(4, 6)));
        days.push(Number(t.slice(6, 8)));
      } else if (/^\d{1,2}$/.test(t)) {
        days.push(Number(t));
      } else {
        const mn = monthNumber(t);
        if (mn != null) months.add(mn);
      }
    }
    // A month range (`Jan-Feb`) or a day range (`4-8 Aug. 2020`) has no single month/day.
    if (months.size === 1) {
      month = [...months][0] as number;
      if (days.length === 1) day = days[0] as number;
    }
  }
  if (year === 0) year = null;
  let invalid: string | null = null;
  if (month != null && (month < 1 || month > 12)) {
    invalid = `month ${month} does not exist`;
    month = null;
    day = null;
  }
  if (month == null) day = null;
  if (day === 0) day = null;
  if (month != null && day != null && day > daysIn(year, month)) {
    invalid = `day ${day} does not exist in month ${month}`;
    day = null;
  }
  if (year == null && month == null) return invalid ? { year, month, day, invalid } : null;
  return { year, month, day, invalid };
}

function pad2(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

function precisionOf(d: DateParts): number {
  return d.day != null ? 3 : d.month != null ? 2 : d.year != null ? 1 : 0;
}

interface DateResult {
  date: string | null;
  precision: DatePrecision | null;
  year: number | null;
}

function mapDates(idx: TagIndex, info: RisTypeInfo, problems: Problems): DateResult {
  const parsed: Array<{ tag: RisTag; d: ParsedDate }> = [];
  for (const name of ['DA', 'Y1', 'PY']) {
    for (const t of idx.get(name) ?? []) {
      const v = t.value.trim();
      if (!v) continue;
      const d = parseRisDate(v);
      if (!d || (d.year == null && d.month == null)) {
        if (!SEASON_OR_RANGE.test(v))
          problems.add('warning', t.line, `${asWritten(t, v)} is not a usable date`);
        continue;
      }
      if (d.invalid) problems.add('warning', t.line, `${asWritten(t, v)}: ${d.invalid}; precision reduced`);
      parsed.push({ tag: t, d });
    }
  }
  const pyParsed = parsed.find((p) => p.tag.tag === 'PY' && p.d.year != null);
  const pyYear = pyParsed?.d.year ?? null;
  const pyTag = pyParsed?.tag;
  const y1Year = parsed.find((p) => p.tag.tag === 'Y1' && p.d.year != null)?.d.year ?? null;
  const refYear = pyYear ?? y1Year;
  const candidates: DateParts[] = [];
  for (const { tag, d } of parsed) {
    let c: DateParts = d;
    // WoS `DA  - SEP 22` carries month/day only; the year is in PY.
    if (c.year == null) {
      if (refYear == null) {
        problems.add(
          'warning',
          tag.line,
          `${asWritten(tag, tag.value.trim())} has no year and no PY or Y1 gives one; kept only in the raw tags`,
        );
        continue;
      }
      c = { year: refYear, month: c.month, day: c.day };
      if (c.month != null && c.day != null && c.day > daysIn(c.year, c.month)) c = { ...c, day: null };
    }
    // 2011 spec: DA is the *access* date for AGGR, DBASE, EBOOK, EJOUR, MULTI; trust it as the
    // publication date only when it agrees with the publication year.
    if (tag.tag === 'DA' && info.daIsAccessed && c.year !== refYear) continue;
    candidates.push(c);
  }
  let chosen = candidates[0] ?? null;
  if (chosen) {
    // First usable tag wins (DA › Y1 › PY), but a later tag may add precision it agrees with:
    // `DA  - 2017` with `Y1  - 2017/05/01`.
    for (const c of candidates) {
      if (precisionOf(c) <= precisionOf(chosen)) continue;
      if (c.year !== chosen.year || (chosen.month != null && c.month !== chosen.month)) continue;
      chosen = c;
    }
  }
  const year = pyYear ?? chosen?.year ?? null;
  if (!chosen || chosen.year == null) return { date: null, precision: null, year };
  if (pyYear != null && chosen.year !== pyYear) {
    const from = parsed.find((p) => p.d === chosen || (p.d.year === chosen?.year && p.tag.tag !== 'PY'));
    problems.add(
      'warning',
      from?.tag.line ?? null,
      `${from?.tag.written?.tag ?? from?.tag.tag ?? 'the date'} gives the year ${chosen.year} but ${pyTag?.written?.tag ?? 'PY'} says ${pyYear}; year from ${pyTag?.written?.tag ?? 'PY'}, date as written`,
    );
  }
  const y = String(chosen.year).padStart(4, '0');
  if (chosen.month == null) return { date: y, precision: 'year', year };
  if (chosen.day == null) return { date: `${y}-${pad2(chosen.month)}`, precision: 'month', year };
  return { date: `${y}-${pad2(chosen.month)}-${pad2(chosen.day)}`, precision: 'day', year };
}

// ---------------------------------------------------------------------------------------------
// Pages

const PAGE_PREFIX = /^(?:pages?|pp?\.?)\s*/i;
export const PAGE_RANGE = /^(\S+?)\s*(?:[-–—‐‑]+|\bto\b)\s*(\S+)$/;
const NO_PAGES = /^(?:n\.?\s?pag\.?|n\/?a|none|unpaginated|-)$/i;

function cleanPage(v: string): string {
  // `5-`: a range whose end was lost.
  return v.replace(/[.,;\-–]+$/, '');
}

/** A page as the mapper reads it from SP or EP: no `pp.`/`pages` prefix, no trailing punctuation. */
export function readPage(v: string): string {
  return cleanPage(v.replace(PAGE_PREFIX, ''));
}

/** `1112–25` → `1125`: the end page written with only its changed trailing digits. */
export function expandEnd(start: string, end: string): string {
  if (/^\d+$/.test(start) && /^\d+$/.test(end) && end.length < start.length) {
    const full = start.slice(0, start.length - end.length) + end;
    if (Number(full) >= Number(start)) return full;
  }
  return end;
}

function mapPages(idx: TagIndex, info: RisTypeInfo): { start: string | null; end: string | null } {
  const sp = firstOf(idx, 'SP');
  const ep = firstOf(idx, 'EP');
  let start: string | null = null;
  let end: string | null = null;
  if (sp) {
    const v = sp.value.replace(PAGE_PREFIX, '');
    const r = PAGE_RANGE.exec(v);
    if (r) {
      start = cleanPage(r[1] as string);
      end = expandEnd(start, cleanPage(r[2] as string));
    } else if (!NO_PAGES.test(v)) {
      // A lone number on BOOK/THES/… is the number of pages (2011 spec), not a first page.
      if (!info.spIsExtent || ep) start = cleanPage(v) || null;
    }
  } else if (info.c7IsArticleNumber) {
    // Article numbers (WoS, Scopus, EndNote JOUR C7) stand in for pages in e-only journals.
    const c7 = firstOf(idx, 'C7');
    if (c7 && /^[\p{L}\p{N}.\-_]{1,32}$/u.test(c7.value) && /\d/.test(c7.value)) start = c7.value;
  }
  if (ep) {
    const e = cleanPage(ep.value.replace(PAGE_PREFIX, ''));
    if (e && !NO_PAGES.test(e)) end = start ? expandEnd(start, e) : e;
  }
  if (start && end === start) end = null;
  return { start, end };
}

// ---------------------------------------------------------------------------------------------
// Identifiers

const DOI_IN_TEXT = /(?:https?:\/\/(?:dx\.|www\.)?doi\.org\/|\bdoi\s*[:=]?\s*)(10\.\d{4,9}\/[^\s"<>]+)/i;
const BARE_DOI = /^10\.\d{4,9}\/\S+$/;
const MULTI_DOI_SPLIT = /[\s;,]+(?=(?:https?:\/\/|doi\b|10\.\d))/i;
const DOI_ANNOTATION = /\s+\[[a-z]+\]\s*$/i;

// R/pandas exports write missing values as text.
const PLACEHOLDER = /^(?:n\/?a|nan|null|none|undefined|-+|\?+)$/i;

function mapDoi(idx: TagIndex, problems: Problems): string | null {
  for (const t of idx.get('DO') ?? []) {
    const v = t.value.trim();
    if (!v || PLACEHOLDER.test(v)) continue;
    // Several DOIs in one DO (`10.1/a 10.1/b`) must not be glued together by the whitespace strip,
    // nor a PubMed-style annotation (`10.1/a [doi]`).
    const bare = v.replace(DOI_ANNOTATION, '');
    const doi = normalizeDoi(bare.split(MULTI_DOI_SPLIT)[0] ?? '') ?? normalizeDoi(bare);
    if (doi) return doi;
    const inText = DOI_IN_TEXT.exec(v);
    if (inText && normalizeDoi(inText[1] as string)) return normalizeDoi(inText[1] as string);
    problems.add('warning', t.line, `${asWritten(t, oneLine(v))} is not a valid DOI`);
  }
  // EndNote puts the DOI in M3 or N1, EBSCO in L3, Ovid and others link it from UR (doi.org).
  // Zotero reads M3; we also take the resolver link, but never a publisher URL that happens to
  // contain `10.xxxx/` in its path.
  for (const name of ['M3', 'N1', 'UR', 'L3', 'LK', 'L2']) {
    const bareOk = name === 'M3' || name === 'L3';
    for (const t of idx.get(name) ?? []) {
      const v = t.value.trim();
      if (!v) continue;
      if (bareOk && BARE_DOI.test(v)) {
        const d = normalizeDoi(v);
        if (d) return d;
      }
      // N1 is prose: a DOI in a sentence (`Erratum in: … doi:10.…`, a reference) names another
      // paper. Only a line that is nothing but the DOI (in any written form) is this record's.
      if (name === 'N1') {
        for (const line of v.split('\n')) {
          const d = normalizeDoi(line);
          if (d) return d;
        }
        continue;
      }
      // Per link: `https://doi.org/10.1/a;https://example.com/x` must not end the DOI at the next URL.
      for (const part of bareOk ? [v] : v.split(URL_SPLIT)) {
        const m = DOI_IN_TEXT.exec(part);
        if (m) {
          const d = normalizeDoi((m[1] as string).replace(URL_TRIM, ''));
          if (d) return d;
        }
      }
    }
  }
  return null;
}

const SN_ANNOTATION = /\([^)]*\)/g;
// CAB Abstracts joins ISBNs with a backslash; asysd exports a literal `\r` between them.
const SN_SPLIT = /[\s;,\\]+/;
const SN_LABEL = /^[A-Za-z]+:?(?=\d)/;
const SN_WORD_LABEL = /^\s*(?:ISSN|ISBN|e-?ISSN|p-?ISSN|print|online)\s*:?\s*/i;

/**
 * ISSNs and ISBNs from SN (and WoS BN/EI). The value's shape decides which it is: 8 characters is
 * an ISSN, 10 or 13 an ISBN, with no overlap, so a proceedings volume with an ISSN or a journal
 * supplement with an ISBN lands in the right list whatever the type says. For types where SN is
 * a report/patent/standard number nothing is read (the value stays in rawTags).
 */
function mapStandardNumbers(
  idx: TagIndex,
  info: RisTypeInfo,
  problems: Problems,
): { issns: string[]; isbns: string[] } {
  const issns: string[] = [];
  const isbns: string[] = [];
  const sources = info.sn === 'number' ? ['BN', 'EI'] : ['SN', 'BN', 'EI'];
  for (const name of sources) {
    for (const t of idx.get(name) ?? []) {
      const cleaned = t.value.replace(SN_ANNOTATION, ' ').trim();
      if (!cleaned) continue;
      // `978 3 16 148410 0`, `ISBN 0 306 40615 2`, `0028 0836`: one number written with spaces.
      const unlabelled = cleaned.replace(SN_WORD_LABEL, '');
      const compact = unlabelled.replace(/[\s\-‐‑–]/g, '');
      const tokens = /^\d{9}[\dXx]$|^\d{13}$|^\d{7}[\dXx]$/.test(compact)
        ? [unlabelled]
        : cleaned.split(SN_SPLIT);
      for (const raw of tokens) {
        const token = raw.replace(SN_LABEL, '').replace(/[.:]+$/, '');
        if (!/\d/.test(token)) continue; // `and`, `ISSN`, `Print`
        const core = token.replace(/[\s\-‐‑–]/g, '').toUpperCase();
        if (core.length === 8) {
          const issn = normalizeIssn(core);
          if (issn) {
            if (!issns.includes(issn)) issns.push(issn);
          } else
            problems.add(
              'warning',
              t.line,
              `${t.written?.tag ?? name} value '${token}' is not a valid ISSN (check digit)`,
            );
        } else if (core.length === 10 || core.length === 13) {
          const isbn = normalizeIsbn(core);
          if (isbn) {
            if (!isbns.includes(isbn)) isbns.push(isbn);
          } else
            problems.add(
              'warning',
              t.line,
              `${t.written?.tag ?? name} value '${token}' is not a valid ISBN (check digit)`,
            );
        } else {
          problems.add(
            'warning',
            t.line,
            `${t.written?.tag ?? name} value '${token}' is neither an ISSN nor an ISBN`,
          );
        }
      }
    }
  }
  return { issns, isbns };
}

// `;` separates URLs only where another URL starts: it is also part of URLs (`article.asp?issn=…;year=…`)
// and of SICI DOIs in doi.org links (`…2.0.CO;2`).
const URL_SPLIT = /\s+|[;,]\s*(?=(?:https?|ftp):\/\/|www\.|\/\/)/i;
// A long URL wrapped onto the next line (exporters wrap values past ~70 characters): the next
// line continues it when it has no spaces and does not start a URL of its own.
const URL_WRAP = /(\S{60,})\n(?!\s*(?:(?:https?|ftp):\/\/|www\.|\/\/))(?=\S+(?:\n|$))/g;
const URL_OK = /^(?:https?|ftp):\/\//i;
const URL_TRIM = /[;,]+$/;

/** One URL as written → a usable link, or null for words around it (`Available from:`). */
function cleanUrl(token: string): string | null {
  const u = token.replace(/^<|>$/g, '').replace(URL_TRIM, '');
  if (URL_OK.test(u)) return u;
  // Scheme-less forms seen in real exports: `www.aliem.com/…`, `//www.sciencedirect.com/…`.
  if (/^\/\/[\w-]+(?:\.[\w-]+)+/.test(u)) return `https:${u}`;
  if (/^www\.[\w-]+(?:\.[\w-]+)+/i.test(u)) return `http://${u}`;
  return null;
}

function mapUrls(idx: TagIndex): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  // LK is the legacy UR: a fallback only. L2 (full-text link) always adds.
  const main = has(idx, 'UR') ? 'UR' : 'LK';
  for (const name of [main, 'L2']) {
    for (const t of idx.get(name) ?? []) {
      for (const token of t.value.replace(URL_WRAP, '$1').split(URL_SPLIT)) {
        const u = cleanUrl(token);
        if (!u || seen.has(u)) continue;
        seen.add(u);
        out.push(u);
      }
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Keywords

// `；` (full-width), `؛` (Arabic) and `、` (ideographic comma) separate keywords in CJK and Arabic exports.
const KW_SPLIT = /\s*[\n;；؛、]\s*/;
const KW_REFMAN = /^%K\s+/;
const KW_TRIM_END = /[\s.*]+$/;
const KW_TRIM_START = /^[\s*]+/;

function cleanKeyword(k: string): string {
  return oneLine(k.replace(KW_REFMAN, '').replace(KW_TRIM_END, '').replace(KW_TRIM_START, ''));
}

/** A lone comma-joined value is a list when it has ≥ 3 short parts; `Neoplasms, Experimental` (a MeSH heading) is not. */
export function looksLikeCommaList(v: string): string[] | null {
  const parts = v.split(',').map((p) => p.trim());
  if (parts.length < 3) return null;
  for (const p of parts) if (!p || p.length > 60 || p.split(' ').length > 6) return null;
  // `2,3,7,8-tetrachlorodibenzo-p-dioxin`: locants of one chemical name, not a list.
  if (parts.some((p) => /^\d+$/.test(p))) return null;
  return parts;
}

function mapKeywords(idx: TagIndex): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  const push = (k: string): void => {
    const c = cleanKeyword(k);
    if (!c) return;
    const key = keywordKey(c);
    if (!key || seen.has(key)) return;
    seen.add(key);
    out.push(c);
  };
  for (const t of idx.get('KW') ?? []) {
    const pieces = t.value
      .split(KW_SPLIT)
      .map((p) => p.replace(KW_REFMAN, ''))
      .filter((p) => p.trim() !== '');
    const list = pieces.length === 1 ? looksLikeCommaList(pieces[0] as string) : null;
    for (const p of list ?? pieces) push(p);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Affiliations

const EMAIL_AND_LABEL =
  /\s*(?:(?:e-?mail(?: address)?|electronic address|correspondence(?: to)?)\s*:?\s*)?[\w.+-]+@[\w-]+(?:\.[\w-]+)+/gi;
const AFF_TRIM = /^[\s.,;:]+|[\s.,;:]+$/g;

export interface SplitAffiliation {
  name: string;
  country: string | null;
  /** Names the string attaches to the address (WoS bracket, Embase/Ovid name prefix), or null. */
  authors: string[] | null;
  address: ParsedAddress;
}

/**
 * The address as an affiliation name: e-mails (and their labels) and the author names written in
 * front of it removed, so the same address written for two authors is one affiliation.
 */
function affiliationName(address: ParsedAddress): string {
  let text = address.raw.replace(EMAIL_AND_LABEL, ' ');
  for (const n of address.authorNames) {
    const at = text.indexOf(n);
    // Only a name in front (`M. Edward, Department …`, `O'Doherty, K.: Department …`).
    if (at >= 0 && at < 3) text = text.slice(at + n.length).replace(/^\.?\s*[:,]/, '');
  }
  return oneLine(text).replace(AFF_TRIM, '');
}

/** One AD/C1 value → affiliations (see `src/address/parse.ts` for the forms read). */
export function splitAffiliations(value: string, authorNames?: readonly string[]): SplitAffiliation[] {
  const out: SplitAffiliation[] = [];
  for (const address of parseAffiliationValue(value, authorNames ? { authorNames } : {})) {
    const name = affiliationName(address);
    if (!name) continue;
    out.push({
      name,
      country: address.country?.name ?? null,
      authors: address.authorNames.length > 0 ? address.authorNames : null,
      address,
    });
  }
  return out;
}

// EndNote's C1 is often a conflict-of-interest or funding statement (seen in PubMed-derived files).
const STATEMENT =
  /\b(?:interests?|declare[ds]?|conflicts?|funding|funded|disclos\w*|grants?|received|nothing)\b/i;

function looksLikeInstitution(v: string): boolean {
  return !STATEMENT.test(v) && (INSTITUTION_WORD.test(v) || countryOf(v) != null);
}

// ---------------------------------------------------------------------------------------------
// Contributors

const AUTHOR_TAGS = new Set(['AU', 'A1']);

function roleFor(tag: string, info: RisTypeInfo): ContributorRole | null {
  switch (tag) {
    case 'AU':
    case 'A1':
      return info.roles.au;
    case 'A2':
      return info.roles.a2;
    // Old-spec ED is "editor" outright; the 2011 A2 by-type meaning (series editor for BOOK …)
    // does not apply to files old enough to write ED.
    case 'ED':
      return 'editor';
    case 'A3':
      return info.roles.a3;
    case 'A4':
      return info.roles.a4;
    case 'TA':
      return 'translated_author';
    default:
      return null;
  }
}

interface ContributorOut {
  list: MappedContributor[];
  /** tag position in record.tags → contributor index, for author tags that hold exactly one name. */
  singleByTag: Map<number, number>;
}

function mapContributors(
  tags: readonly RisTag[],
  idx: TagIndex,
  info: RisTypeInfo,
  problems: Problems,
): ContributorOut {
  const list: MappedContributor[] = [];
  const singleByTag = new Map<number, number>();
  // Zotero merges AU and A1 in file order; some exporters write the same list under both tags.
  // When every A1 name is also an AU name, A1 is a duplicate and is skipped.
  let skipA1 = false;
  if (has(idx, 'AU') && has(idx, 'A1')) {
    const au = new Set<string>();
    for (const t of idx.get('AU') ?? []) for (const n of splitNameList(t.value)) au.add(foldText(n));
    skipA1 = (idx.get('A1') ?? []).every((t) => splitNameList(t.value).every((n) => au.has(foldText(n))));
  }
  tags.forEach((t, i) => {
    const role = roleFor(t.tag, info);
    if (!role || (skipA1 && t.tag === 'A1')) return;
    const before = list.length;
    const names = splitNameList(t.value);
    for (const asWritten of names) {
      const name = parseName(asWritten);
      if (!name.family && !name.given && !name.literal) continue;
      list.push({ role, asWritten, name, affiliations: [], affiliationRules: [] });
    }
    // Untagged lines after a contributor tag continue it, and each reads as another name (some
    // files list authors so); a line that lost its tag would become a person unseen.
    const more = t.value.split('\n').length - 1;
    if (more > 0)
      problems.add(
        'warning',
        t.line,
        `${t.tag} runs on over ${more} more line${more === 1 ? '' : 's'}, read as ${names.length} name${names.length === 1 ? '' : 's'}: ${names
          .map((n) => `'${n.length > 80 ? `${n.slice(0, 80)}…` : n}'`)
          .join(', ')}; a line that lost its tag is read as a name`,
      );
    if (list.length === before + 1 && AUTHOR_TAGS.has(t.tag)) singleByTag.set(i, before);
  });
  return { list, singleByTag };
}

// ---------------------------------------------------------------------------------------------
// Affiliation mapping and author links

function nameMatchKey(family: string | null, given: string | null): string {
  return `${foldText(family ?? '')}|${foldText(given ?? '').charAt(0)}`;
}

/**
 * For each tag, the index of the tag before the run of same-named tags it belongs to (-1 at the
 * start): the AU that a run of OpenAlex C1 lines follows. One pass, so 40,000 C1 lines stay linear.
 */
function runOwners(tags: readonly RisTag[]): number[] {
  const owner: number[] = new Array(tags.length);
  for (let i = 0; i < tags.length; i++) {
    owner[i] = i > 0 && tags[i - 1]?.tag === tags[i]?.tag ? (owner[i - 1] as number) : i - 1;
  }
  return owner;
}

function isAddressC1(tags: readonly RisTag[], info: RisTypeInfo): (i: number) => boolean {
  const c1 = tags.map((t, i) => (t.tag === 'C1' && t.value.trim() ? i : -1)).filter((i) => i >= 0);
  if (c1.length === 0) return () => false;
  // OpenAlex writes each author's institutions as C1 lines right after that AU. EndNote's C1
  // (custom 1) can also land after the last AU by chance — with conflict-of-interest prose or
  // numbers in it — so no value may read like a statement or a number, and at least one must
  // read like an institution (`ETH Zurich` or `Inserm` alone would not, beside a university).
  const values = c1.map((i) => (tags[i]?.value ?? '').trim());
  const owner = runOwners(tags);
  const openAlex =
    c1.every((i) => {
      const j = owner[i] as number;
      return j >= 0 && AUTHOR_TAGS.has(tags[j]?.tag ?? '');
    }) &&
    values.every((v) => v.length < 400 && !STATEMENT.test(v) && /\p{L}{2}/u.test(v)) &&
    values.some(looksLikeInstitution);
  // BLOG: C1 = author affiliation (2011). WoS: `[Authors] Address`.
  return (i) => openAlex || info.code === 'BLOG' || /^\s*\[/.test(tags[i]?.value ?? '');
}

// Scopus: `N1  - …; Correspondence Address: R. Masti; San Marco Veterinary Clinic …, Italy; email: …`.
const CORRESPONDENCE = /\bCorrespondence Address:\s*([^;]{2,80});\s*([^;]+)/gi;

/** What an address names: its organizations with their units, as keys, order-free. */
function bodiesSignature(address: ParsedAddress): string {
  return address.organizations
    .map((o) => [o.key, ...o.units.map((u) => u.key).sort()].join('>'))
    .sort()
    .join('|');
}

/**
 * The corresponding author Scopus names in a note, as a name written in front of an address: the
 * note's address is another spelling of one of the record's addresses (parts reordered, a region
 * dropped), so it links to the addresses naming exactly the same organizations and units — never
 * to one that merely shares the university.
 */
function correspondenceLinks(
  tags: readonly RisTag[],
  affs: readonly MappedAffiliation[],
): Array<{ aff: number; authors: string[]; rule: AffiliationLinkRule }> {
  const out: Array<{ aff: number; authors: string[]; rule: AffiliationLinkRule }> = [];
  for (const t of tags) {
    if (t.tag !== 'N1' || !t.value.includes('orrespondence')) continue;
    for (const m of t.value.matchAll(CORRESPONDENCE)) {
      const name = (m[1] as string).trim();
      const [address] = parseAffiliationValue(m[2] as string);
      if (!address || address.organizations.length === 0) continue;
      const signature = bodiesSignature(address);
      affs.forEach((a, aff) => {
        if (bodiesSignature(a.address) === signature) out.push({ aff, authors: [name], rule: 'NAME_PREFIX' });
      });
    }
  }
  return out;
}

function mapAffiliations(
  tags: readonly RisTag[],
  contributors: ContributorOut,
  c1IsAddress: (i: number) => boolean,
  addressesFollowAuthors: boolean,
): MappedAffiliation[] {
  const affs: MappedAffiliation[] = [];
  const byKey = new Map<string, number>();
  const perTag: Array<{ tagPos: number; tag: string; idxs: number[] }> = [];
  const namedLinks: Array<{ aff: number; authors: string[]; rule: AffiliationLinkRule }> = [];
  const people = contributors.list;
  const authorNames = people.filter((p) => p.role === 'author').map((p) => p.asWritten);
  tags.forEach((t, i) => {
    if (t.tag !== 'AD' && !(t.tag === 'C1' && c1IsAddress(i))) return;
    const idxs: number[] = [];
    for (const a of splitAffiliations(t.value, authorNames)) {
      const key = affiliationKey(a.name);
      if (!key) continue;
      let k = byKey.get(key);
      if (k === undefined) {
        k = affs.length;
        byKey.set(key, k);
        affs.push({ name: a.name, country: a.country, address: a.address });
      }
      idxs.push(k);
      if (a.authors && a.address.authorNamesForm)
        namedLinks.push({ aff: k, authors: a.authors, rule: a.address.authorNamesForm });
    }
    if (idxs.length > 0) perTag.push({ tagPos: i, tag: t.tag, idxs });
  });
  if (affs.length === 0) return affs;

  const link = (ci: number, ai: number, rule: AffiliationLinkRule): void => {
    const c = people[ci];
    if (c && !c.affiliations.includes(ai)) {
      c.affiliations.push(ai);
      c.affiliationRules.push(rule);
    }
  };
  const authors = people.map((p, i) => (p.role === 'author' ? i : -1)).filter((i) => i >= 0);
  const owner = runOwners(tags);
  const followingAuthor = (pos: number): number | null =>
    contributors.singleByTag.get(owner[pos] as number) ?? null;

  // 0. A source whose order is the link (MEDLINE: each author's `AD` lines right after that
  //    author, none when the author has none): every `AD` run after an author line is that
  //    author's, whatever the counts. Nothing is guessed from names or counts.
  if (addressesFollowAuthors) {
    for (const p of perTag) {
      const ci = p.tag === 'AD' ? followingAuthor(p.tagPos) : null;
      if (ci != null) for (const ai of p.idxs) link(ci, ai, 'FOLLOWS_AUTHOR');
    }
    if (authors.length === 1)
      for (let ai = 0; ai < affs.length; ai++) link(authors[0] as number, ai, 'SINGLE_AUTHOR');
    return affs;
  }

  // 1. Names the address itself carries (WoS `[Names] address`, Embase `M. Edward, Department …`,
  //    Ovid `Edward, M.: Department …`, Scopus' corresponding author): match by family + first
  //    initial, accent-insensitive, and only when exactly one author fits.
  const correspondence = correspondenceLinks(tags, affs);
  if (namedLinks.length > 0 || correspondence.length > 0) {
    const byName = new Map<string, number[]>();
    for (const i of authors) {
      const p = people[i] as MappedContributor;
      if (!p.name.family) continue;
      const k = nameMatchKey(p.name.family, p.name.given);
      const l = byName.get(k);
      if (l) l.push(i);
      else byName.set(k, [i]);
    }
    for (const { aff, authors: names, rule } of [...namedLinks, ...correspondence]) {
      for (const a of names) {
        const n = parseName(a);
        const hits = byName.get(nameMatchKey(n.family, n.given));
        if (hits && hits.length === 1) link(hits[0] as number, aff, rule);
      }
    }
  }

  // 2. Addresses given per author: each address tag directly after its author's AU line. In RIS
  //    the order alone does not say so (Scopus writes its address list after the last author), so
  //    every author must have exactly one `AD`, or every `C1` must follow an author (OpenAlex).
  const c1Tags = perTag.filter((p) => p.tag === 'C1');
  const adTags = perTag.filter((p) => p.tag === 'AD');
  const authorTagCount = tags.filter((t) => AUTHOR_TAGS.has(t.tag) && t.value.trim()).length;
  const c1Linked =
    namedLinks.length === 0 && c1Tags.length > 0 && c1Tags.every((p) => followingAuthor(p.tagPos) != null);
  const adLinked =
    namedLinks.length === 0 &&
    adTags.length > 0 &&
    adTags.length === authorTagCount &&
    adTags.every(
      (p) =>
        tags[p.tagPos - 1] &&
        AUTHOR_TAGS.has(tags[p.tagPos - 1]?.tag ?? '') &&
        followingAuthor(p.tagPos) != null,
    );
  if (c1Linked || adLinked) {
    for (const p of perTag) {
      if ((p.tag === 'C1' && !c1Linked) || (p.tag === 'AD' && !adLinked)) continue;
      const ci = followingAuthor(p.tagPos);
      if (ci != null) for (const ai of p.idxs) link(ci, ai, 'FOLLOWS_AUTHOR');
    }
    return affs;
  }

  // 3. A single author owns every address.
  if (authors.length === 1)
    for (let ai = 0; ai < affs.length; ai++) link(authors[0] as number, ai, 'SINGLE_AUTHOR');
  return affs;
}

// ---------------------------------------------------------------------------------------------
// Titles and containers

function mapTitle(idx: TagIndex, info: RisTypeInfo): string | null {
  // BT is the primary title only for book-like types (old spec); elsewhere it is the book title.
  return (info.book ? firstOf(idx, 'TI', 'T1', 'CT', 'BT') : firstOf(idx, 'TI', 'T1', 'CT'))?.value ?? null;
}

const WOS_TAGS = ['J9', 'JI', 'WE', 'PU', 'PI', 'PA', 'FU', 'FX'];

function isWebOfScience(idx: TagIndex): boolean {
  if (WOS_TAGS.some((t) => idx.has(t))) return true;
  return (idx.get('AN') ?? []).some((t) => t.value.trim().startsWith('WOS:'));
}

function mapContainer(
  idx: TagIndex,
  info: RisTypeInfo,
): { container: string | null; abbreviation: string | null } {
  let container: string | null = null;
  switch (info.container) {
    case 'journal':
      // SO = Web of Science source title; BT = "secondary title otherwise" in old exports.
      container = firstOf(idx, 'T2', 'JF', 'JO', 'SO', 'BT')?.value ?? null;
      break;
    case 'book':
      container = firstOf(idx, 'T2', 'BT')?.value ?? null;
      break;
    case 'conference': {
      // C3 = proceedings title (2011 CONF), the real container; T2 = conference name. Web of
      // Science fills C3 with organisation names (one per line), so C3 is trusted only when it is
      // a single line in a non-WoS record.
      const c3 = idx.get('C3') ?? [];
      const useC3 = c3.length === 1 && !isWebOfScience(idx);
      container = (useC3 ? firstOf(idx, 'C3', 'T2', 'BT') : firstOf(idx, 'T2', 'BT'))?.value ?? null;
      break;
    }
    case 'generic':
      container = firstOf(idx, 'T2', 'BT', 'JF', 'JO')?.value ?? null;
      break;
    case 'none':
      break;
  }
  // JO is a full name in the old spec but the abbreviation in EndNote/Zotero exports: it is the
  // abbreviation when T2/JF already give the full name, the container only when alone.
  const full = has(idx, 'T2') || has(idx, 'JF');
  const abbreviation = (
    full ? firstOf(idx, 'J2', 'JA', 'J1', 'JO', 'JI', 'J9') : firstOf(idx, 'J2', 'JA', 'J1', 'JI', 'J9')
  )?.value;
  // Only an abbreviation (`JA  - J. X`): it names the journal too (Zotero uses it as the title).
  if (container == null && info.container === 'journal' && abbreviation != null) {
    return { container: abbreviation, abbreviation };
  }
  // EBSCO writes the full name in JO as well as T2: an "abbreviation" equal to the container says nothing.
  const same = abbreviation != null && container != null && foldText(abbreviation) === foldText(container);
  return { container, abbreviation: same ? null : (abbreviation ?? null) };
}

const M1_ISSUE = /^[\p{L}\p{N}.\-–/ ()]{1,20}$/u;

function mapIssue(idx: TagIndex, info: RisTypeInfo): string | null {
  if (!info.isNotIssue) {
    const is = firstOf(idx, 'IS', 'CP');
    if (is) return is.value;
  }
  for (const name of info.issueFallback) {
    const v = firstOf(idx, name);
    // M1 also carries "Query date: …" (Publish or Perish) and reference lists: only short numbers.
    if (v && M1_ISSUE.test(v.value) && /\d/.test(v.value)) return v.value;
  }
  return null;
}

function mapAbstract(idx: TagIndex): string | null {
  for (const name of ['AB', 'N2']) {
    const parts: string[] = [];
    for (const t of idx.get(name) ?? []) {
      // WoS indents continuation lines; keep the line breaks, drop the indentation.
      const v = t.value
        .split('\n')
        .map((l) => l.trim())
        .filter((l) => l)
        .join('\n');
      if (v) parts.push(v);
    }
    if (parts.length > 0) return parts.join('\n\n');
  }
  return null;
}

function mapNotes(idx: TagIndex, title: string | null): string[] {
  const titleKey = title ? foldOnce(title) : null;
  const out: string[] = [];
  for (const t of [...(idx.get('N1') ?? []), ...(idx.get('RN') ?? [])]) {
    const v = t.value.trim();
    if (!v) continue;
    // EndNote repeats the title in N1.
    if (t.tag === 'N1' && titleKey && foldOnce(v) === titleKey) continue;
    out.push(v);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------

/**
 * Place published. For conference papers the 2011 spec puts it in C1 and uses CY for where the
 * conference was held, so C1 comes first there — unless C1 holds OpenAlex affiliations.
 */
function mapPlace(
  idx: TagIndex,
  tags: readonly RisTag[],
  info: RisTypeInfo,
  c1IsAddress: (i: number) => boolean,
): string | null {
  if (info.code === 'CONF' || info.code === 'CPAPER') {
    const i = tags.findIndex((t) => t.tag === 'C1' && t.value.trim() !== '');
    if (i >= 0 && !c1IsAddress(i)) return (tags[i] as RisTag).value;
  }
  return firstOf(idx, 'CY', 'PI', 'PA')?.value ?? null;
}

/** Longer than any type name seen in real exports (`JOURNAL ARTICLE`); keeps junk out of the index. */
const MAX_TYPE_LENGTH = 40;

/** What the source format guarantees beyond the tags themselves. */
export interface MapOptions {
  /**
   * Each author's addresses are written right after that author and belong to no one else
   * (MEDLINE), so every `AD` after an author line is that author's — also when some authors have
   * none or several. Plain RIS does not promise this.
   */
  addressesFollowAuthors?: boolean;
}

/** Map one lexed record. Never throws on odd input; problems say what was dropped and why. */
export function mapRecord(record: RisRecord, options: MapOptions = {}): MapResult {
  const problems = new Problems(record.index);
  const tags = rewriteLabelledNotes(record.tags);
  const idx = indexTags(tags);
  const tyLine = idx.get('TY')?.[0]?.line ?? record.line;

  let risType = record.type.trim().toUpperCase();
  if (!risType) {
    problems.add('warning', tyLine, 'no reference type (TY); using GEN');
    risType = 'GEN';
  } else if (risType === 'JOURN') {
    risType = 'JOUR';
  } else if (risType.length > MAX_TYPE_LENGTH) {
    problems.add(
      'warning',
      tyLine,
      `TY '${oneLine(risType).slice(0, 60)}…' is not a reference type; using GEN`,
    );
    risType = 'GEN';
  } else if (!isKnownRisType(risType)) {
    problems.add(
      'info',
      tyLine,
      `unknown reference type '${risType}'; kept as given, mapped with generic rules`,
    );
  }
  const info = risTypeInfo(risType);

  // The record's own tags, before labelled notes were rewritten.
  const rawTags = record.tags.map((t) => ({ tag: t.tag, value: t.value }));
  const meaningful = tags.some((t) => t.tag !== 'TY' && t.tag !== 'ER' && t.value.trim() !== '');
  const nothing = (): MapResult => {
    problems.add('error', record.line, 'no title, DOI, authors or container title; nothing to store');
    return { citation: null, problems: problems.list };
  };
  if (!meaningful) return nothing();

  const title = mapTitle(idx, info);
  const { container, abbreviation } = mapContainer(idx, info);
  const doi = mapDoi(idx, problems);
  const contributors = mapContributors(tags, idx, info, problems);
  if (!title && !doi && contributors.list.length === 0 && !container) return nothing();

  const dates = mapDates(idx, info, problems);
  const pages = mapPages(idx, info);
  const { issns, isbns } = mapStandardNumbers(idx, info, problems);
  // Decided once: C1 is an address list (affiliations) or a custom field (a conference's place).
  const c1IsAddress = isAddressC1(tags, info);
  const affiliations = mapAffiliations(
    tags,
    contributors,
    c1IsAddress,
    options.addressesFollowAuthors ?? false,
  );

  const citation: MappedCitation = {
    risType,
    title,
    containerTitle: container,
    shortTitle: firstOf(idx, 'ST')?.value ?? null,
    journalAbbreviation: abbreviation,
    abstract: mapAbstract(idx),
    year: dates.year,
    date: dates.date,
    datePrecision: dates.precision,
    // IEEE writes the volume twice (VO and VL).
    volume: info.vlIsVolume ? (firstOf(idx, 'VL', 'VO')?.value ?? null) : null,
    issue: mapIssue(idx, info),
    startPage: pages.start,
    endPage: pages.end,
    doi,
    issns,
    isbns,
    urls: mapUrls(idx),
    // PU/PI/PA: Web of Science publisher, publisher city, publisher address.
    publisher: firstOf(idx, 'PB', 'PU')?.value ?? null,
    place: mapPlace(idx, tags, info, c1IsAddress),
    language: firstOf(idx, 'LA')?.value ?? null,
    notes: mapNotes(idx, title),
    contributors: contributors.list,
    affiliations,
    keywords: mapKeywords(idx),
    rawTags,
    raw: record.raw,
  };
  return { citation, problems: problems.list };
}
