/**
 * What a source record's raw tag says beyond the citation's modelled fields: used by the RIS
 * writer (which raw tags to carry after the canonical part) and by re-ingest (whether another
 * copy of a known record brings anything new).
 *
 * Pure: no database client, no GraphQL.
 */

import { expandEnd, PAGE_RANGE, readPage } from '../ris/map.ts';
import { normalizeDoi, normalizeIsbn, normalizeIssn } from '../ris/normalize.ts';

/** Always fully represented by the model: the type, people, keywords and addresses. */
export const ALWAYS_MODELLED = new Set(['TY', 'ER', 'AU', 'A1', 'A2', 'A3', 'A4', 'ED', 'TA', 'KW', 'AD']);
const DATE_TAGS = new Set(['PY', 'Y1', 'DA']);
const NUMBER_TAGS = new Set(['SN', 'BN', 'EI']);
const URL_TAGS = new Set(['UR', 'LK', 'L2']);

/** The modelled values a raw tag is compared with. */
export interface ModelledValues {
  doi?: string | null;
  date?: string | null;
  year?: number | null;
  issns: readonly string[];
  isbns: readonly string[];
  urls: readonly string[];
  startPage?: string | null;
  endPage?: string | null;
  abstract?: string | null;
}

const WS_RUN = /\s+/g;
export const oneLine = (v: string): string => v.replace(WS_RUN, ' ').trim();

/**
 * True when the raw tag says nothing the modelled values do not already say: an empty value, one
 * of `known` (values written elsewhere, on one line), or the same DOI, date, ISSN/ISBN, URL, page
 * or abstract text in another form.
 */
export function saysNothingNew(
  raw: { tag: string; value: string },
  c: ModelledValues,
  known: ReadonlySet<string>,
): boolean {
  const v = oneLine(raw.value);
  if (v === '') return true;
  if (known.has(v)) return true;
  if (raw.tag === 'DO') return c.doi != null && normalizeDoi(v.split(/[\s;,]+/)[0] ?? '') === c.doi;
  if (DATE_TAGS.has(raw.tag)) {
    const m = /^(\d{4})(?:[/-](\d{1,2}))?(?:[/-](\d{1,2}))?[/-]*$/.exec(v);
    if (!m) return false;
    const iso = [m[1], m[2]?.padStart(2, '0'), m[3]?.padStart(2, '0')].filter(Boolean).join('-');
    return c.date?.startsWith(iso) === true || (m[2] == null && Number(m[1]) === c.year);
  }
  if (NUMBER_TAGS.has(raw.tag)) {
    const tokens = v
      .replace(/\([^)]*\)/g, ' ')
      .split(/[\s;,\\]+/)
      .filter((t) => /\d/.test(t));
    return (
      tokens.length > 0 &&
      tokens.every((t) => {
        const issn = normalizeIssn(t);
        const isbn = normalizeIsbn(t);
        return (issn != null && c.issns.includes(issn)) || (isbn != null && c.isbns.includes(isbn));
      })
    );
  }
  if (URL_TAGS.has(raw.tag)) {
    const tokens = v.split(/[\s;]+/);
    return tokens.every((u) => c.urls.includes(u));
  }
  if (raw.tag === 'SP' || raw.tag === 'EP') {
    const p = readPage(v);
    const r = PAGE_RANGE.exec(p);
    if (r) return readPage(r[1] as string) === c.startPage;
    return (
      p === c.startPage || p === c.endPage || (c.startPage != null && expandEnd(c.startPage, p) === c.endPage)
    );
  }
  if (raw.tag === 'AB' || raw.tag === 'N2') return c.abstract != null && oneLine(c.abstract).includes(v);
  return false;
}
