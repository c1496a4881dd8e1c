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

/** `{"date-parts": [[2020, 3, 15]]}` → `2020/03/15`; `raw`/`literal` dates are left to the mapper. */
function cslDate(value: unknown): { da: string | null; year: string | null } {
  if (!value || typeof value !== 'object') return { da: null, year: null };
  const d = value as { 'date-parts'?: unknown[][]; raw?: string; literal?: string };
  const parts = d['date-parts']?.[0];
  if (Array.isArray(parts) && parts.length > 0 && /^\d{4}$/.test(String(parts[0]))) {
    const [y, m, day] = parts.map((p) => String(p));
    const da = [y, m?.padStart(2, '0'), day?.padStart(2, '0')].filter(Boolean).join('/');
    return { da, year: y ?? null };
  }
  const raw = d.raw ?? d.literal;
  return { da: raw ?? null, year: raw ? (/\d{4}/.exec(raw)?.[0] ?? null) : null };
}

function toRisTags(item: Item, line: number): { tags: RisTag[]; names: MappedName[] } {
  const tags: RisTag[] = [];
  const append = tagAppender(tags);
  const str = (key: string): string | null => {
    const v = item[key];
    if (typeof v === 'string') return v.trim() || null;
    if (typeof v === 'number') return String(v);
    return null;
  };
  const push = (tag: string, value: string | null) => append(tag, value, line);
  push('TY', TYPES[String(item.type ?? '')] ?? 'GEN');
  const names = creatorTags(
    item,
    (n) => (n && typeof n === 'object' ? cslName(n as CslName) : null),
    append,
    line,
  );
  push('TI', str('title'));
  push('ST', str('title-short') ?? str('shortTitle'));
  push('T2', str('container-title'));
  push('J2', str('container-title-short') ?? str('journalAbbreviation'));
  push('T3', str('collection-title'));
  const { da, year } = cslDate(item.issued);
  push('DA', da);
  push('PY', year);
  push('VL', str('volume'));
  push('IS', str('issue') ?? str('number'));
  const page = str('page');
  if (page) {
    const [start, end] = page.split(/\s*[-–—]+\s*/);
    push('SP', start ?? null);
    push('EP', end ?? null);
  } else push('C7', str('article-number'));
  push('DO', str('DOI'));
  for (const key of ['ISSN', 'ISBN']) {
    const v = item[key];
    for (const s of Array.isArray(v) ? v : [v]) if (typeof s === 'string') push('SN', s);
  }
  push('UR', str('URL'));
  push('PB', str('publisher'));
  push('CY', str('publisher-place'));
  push('ET', str('edition'));
  push('LA', str('language'));
  push('AB', str('abstract'));
  const keyword = item.keyword ?? item.keywords;
  if (typeof keyword === 'string') for (const k of keyword.split(/\s*[,;]\s*/)) push('KW', k);
  else if (Array.isArray(keyword)) for (const k of keyword) if (typeof k === 'string') push('KW', k);
  push('N1', str('note'));
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

export function readCslJson(text: string): FormatReadResult {
  const problems: RisProblem[] = [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    const detail = (error as Error).message;
    problems.push({
      record: 0,
      line: null,
      severity: 'error',
      message: `CSL-JSON could not be read: ${detail}`,
    });
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
    const { tags, names } = toRisTags(item as Item, line);
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
