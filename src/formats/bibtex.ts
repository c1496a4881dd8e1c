/**
 * BibTeX and BibLaTeX, read with @retorquere/bibtex-parser (the parser behind Better BibTeX):
 * LaTeX to Unicode, `@string` macros, `crossref` inheritance, name lists and month macros are
 * its job; this maps its entries onto RIS tags and keeps its structured names.
 */
import { type Creator, type Entry, parse } from '@retorquere/bibtex-parser';
import type { MappedName } from '../citation/types.ts';
import type { RisProblem, RisTag } from '../ris/types.ts';
import { creatorTags, literalName, person, tagAppender } from './names.ts';
import type { FormatReadResult, SourceRecord } from './types.ts';

const TYPES: Record<string, string> = {
  article: 'JOUR',
  book: 'BOOK',
  mvbook: 'BOOK',
  booklet: 'PAMP',
  inbook: 'CHAP',
  incollection: 'CHAP',
  inreference: 'ENCYC',
  inproceedings: 'CPAPER',
  conference: 'CPAPER',
  proceedings: 'CONF',
  phdthesis: 'THES',
  mastersthesis: 'THES',
  thesis: 'THES',
  techreport: 'RPRT',
  report: 'RPRT',
  manual: 'RPRT',
  unpublished: 'UNPB',
  patent: 'PAT',
  dataset: 'DATA',
  software: 'COMP',
  online: 'ELEC',
  electronic: 'ELEC',
  www: 'ELEC',
  misc: 'GEN',
};

/** The parser renders markup as HTML (`<i>…</i>`, `<span class="nocase">`); stored text is plain. */
function plain(value: string): string {
  return (
    value
      .replace(/<\/?(?:i|b|em|strong|sup|sub|sc|span)(?:\s[^>]*)?>/g, '')
      .replace(/\s+/g, ' ')
      .trim()
      // LaTeX accents come out decomposed (`u` + U+0308); stored text is composed, as other formats write it.
      .normalize('NFC')
  );
}

function creatorName(c: Creator): MappedName {
  if (c.name) return literalName(plain(c.name));
  const family = [c.prefix, c.lastName].filter(Boolean).join(' ');
  return person(plain(family), c.firstName ? plain(c.firstName) : null, c.suffix ? plain(c.suffix) : null);
}

/** Line numbers of increasing offsets, counted once over the text. */
export function lineCounter(text: string): (offset: number) => number {
  let at = 0;
  let line = 1;
  return (offset) => {
    if (offset < at) {
      at = 0;
      line = 1;
    }
    for (let i = text.indexOf('\n', at); i !== -1 && i < offset; i = text.indexOf('\n', i + 1)) line++;
    at = offset;
    return line;
  };
}

function toRisTags(entry: Entry, line: number): { tags: RisTag[]; names: MappedName[] } {
  const f = entry.fields as Record<string, unknown>;
  const str = (key: string): string | null => {
    const v = f[key];
    if (typeof v === 'string') return plain(v) || null;
    if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return plain(v.join(', ')) || null;
    return null;
  };
  const tags: RisTag[] = [];
  const append = tagAppender(tags);
  const push = (tag: string, value: string | null) => append(tag, value, line);
  const type = TYPES[entry.type.toLowerCase()] ?? 'GEN';
  push('TY', type);
  const names = creatorTags(f, (c) => creatorName(c as Creator), append, line);
  push('TI', str('title'));
  push('ST', str('shorttitle'));
  const container =
    type === 'JOUR' ? (str('journaltitle') ?? str('journal')) : (str('booktitle') ?? str('journal'));
  push('T2', container);
  push('J2', str('shortjournal'));
  push('T3', str('series'));
  const date = str('date');
  const year = str('year') ?? (date ? (/^\d{4}/.exec(date)?.[0] ?? null) : null);
  const month = str('month');
  if (date && /^\d{4}(?:-\d{2}){0,2}$/.test(date)) push('DA', date.replaceAll('-', '/'));
  else if (year && month && /^\d{1,2}$/.test(month)) push('DA', `${year}/${month.padStart(2, '0')}`);
  push('PY', year);
  push('VL', str('volume'));
  push('IS', str('number') ?? str('issue'));
  const pages = str('pages');
  if (pages) {
    const [start, end] = pages.split(/\s*[-–—]+\s*/);
    push('SP', start ?? null);
    push('EP', end ?? null);
  }
  push('C7', str('eid'));
  push('DO', str('doi'));
  push('SN', str('issn'));
  push('SN', str('isbn'));
  push('UR', str('url'));
  push('PB', str('publisher') ?? str('school') ?? str('institution') ?? str('organization'));
  push('CY', str('location') ?? str('address'));
  push('ET', str('edition'));
  push('LA', str('langid') ?? str('language'));
  push('AB', str('abstract'));
  const keywords = f.keywords;
  if (Array.isArray(keywords)) for (const k of keywords) if (typeof k === 'string') push('KW', plain(k));
  push('N1', str('note'));
  push('N1', str('annote'));
  return { tags, names };
}

export function readBibtex(text: string): FormatReadResult {
  const problems: RisProblem[] = [];
  const library = parse(text, {
    // Stored as written: no sentence-casing guesswork, no case-protection markup.
    english: false,
    caseProtection: false,
    unsupported: 'ignore',
  });
  const errorLine = lineCounter(text);
  for (const e of library.errors) {
    const at = e.input ? text.indexOf(e.input) : -1;
    problems.push({
      record: 0,
      line: at >= 0 ? errorLine(at) : null,
      severity: 'error',
      message: `BibTeX entry could not be read: ${e.error}`,
    });
  }
  const records: SourceRecord[] = [];
  let cursor = 0;
  const lineAt = lineCounter(text);
  library.entries.forEach((entry, i) => {
    const at = text.indexOf(entry.input, cursor);
    if (at >= 0) cursor = at + entry.input.length;
    const line = lineAt(Math.max(0, at >= 0 ? at : cursor));
    const { tags, names } = toRisTags(entry, line);
    records.push({
      format: 'BIBTEX',
      index: i + 1,
      line,
      type: tags[0]?.value ?? 'GEN',
      tags,
      raw: entry.input,
      names,
    });
  });
  return { records, problems };
}
