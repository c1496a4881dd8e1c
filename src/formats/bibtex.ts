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
      // `{\'\i}` is an accent on the dotless i (LaTeX's way to write í): the parser gives U+0131 and
      // the combining accent, which NFC cannot compose. Accented, it is the ordinary i (and j).
      .replace(/\u0131(?=\p{M})/gu, 'i')
      .replace(/\u0237(?=\p{M})/gu, 'j')
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
  // `field`: the BibTeX field the value came from, which problems name instead of the RIS tag.
  const push = (tag: string, value: string | null, field?: string) =>
    append(tag, value, line, field && value ? { tag: field, value } : undefined);
  const put = (tag: string, ...fields: string[]) => {
    for (const field of fields) {
      const value = str(field);
      if (value) return push(tag, value, field);
    }
  };
  const type = TYPES[entry.type.toLowerCase()] ?? 'GEN';
  push('TY', type);
  const names = creatorTags(f, (c) => creatorName(c as Creator), append, line);
  // Scopus and Web of Science BibTeX exports carry the authors' addresses (Scopus joins several
  // with `;`, which the mapper splits); after the authors, as RIS exports place AD.
  put('AD', 'affiliations', 'affiliation');
  put('TI', 'title');
  put('ST', 'shorttitle');
  if (type === 'JOUR') put('T2', 'journaltitle', 'journal');
  else put('T2', 'booktitle', 'journal');
  put('J2', 'shortjournal');
  put('T3', 'series');
  const date = str('date');
  const year = str('year') ?? (date ? (/^\d{4}/.exec(date)?.[0] ?? null) : null);
  const month = str('month');
  if (date && /^\d{4}(?:-\d{2}){0,2}$/.test(date))
    append('DA', date.replaceAll('-', '/'), line, { tag: 'date', value: date });
  else if (year && month && /^\d{1,2}$/.test(month))
    append('DA', `${year}/${month.padStart(2, '0')}`, line, { tag: 'month', value: month });
  if (str('year')) put('PY', 'year');
  else push('PY', year, 'date');
  put('VL', 'volume');
  put('IS', 'number', 'issue');
  const pages = str('pages');
  if (pages) {
    const [start, end] = pages.split(/\s*[-–—]+\s*/);
    push('SP', start ?? null, 'pages');
    push('EP', end ?? null, 'pages');
  }
  put('C7', 'eid');
  put('DO', 'doi');
  put('SN', 'issn');
  put('SN', 'isbn');
  put('UR', 'url');
  put('PB', 'publisher', 'school', 'institution', 'organization');
  put('CY', 'location', 'address');
  put('ET', 'edition');
  put('LA', 'langid', 'language');
  put('AB', 'abstract');
  const keywords = f.keywords;
  if (Array.isArray(keywords)) for (const k of keywords) if (typeof k === 'string') push('KW', plain(k));
  put('N1', 'note');
  put('N1', 'annote');
  return { tags, names };
}

/** The key of an entry's source text (`@article{key,`), as the parser's errors give it. */
function entryKey(input: string): string | null {
  return /^\s*@\s*\w+\s*[{(]\s*([^,\s{}()]+)/.exec(input)?.[1] ?? null;
}

/** The parser's position is where it noticed, not where the damage is (an unclosed brace: the end of the file). */
function parserMessage(error: string): string {
  return error.replace(/ at line \d+, column \d+/, '');
}

export function readBibtex(text: string): FormatReadResult {
  const problems: RisProblem[] = [];
  const library = parse(text, {
    // Stored as written: no sentence-casing guesswork, no case-protection markup.
    english: false,
    caseProtection: false,
    unsupported: 'ignore',
  });
  const lineAt = lineCounter(text);
  // An entry the parser could not finish (a brace that never closes swallows the rest of the entry)
  // comes back with no source text and only the fields before the damage, and its error apart.
  // Read that way it would be stored half-empty; it fails instead, under its own number and line.
  const broken = new Map<string, Array<{ at: number; error: string }>>();
  const errorsAt: Array<{ at: number; error: string }> = [];
  let searchFrom = 0;
  for (const e of library.errors) {
    const found = e.input ? text.indexOf(e.input, searchFrom) : -1;
    const at = found >= 0 ? found : e.input ? text.indexOf(e.input) : -1;
    if (found >= 0) searchFrom = found + 1;
    const key = e.input ? entryKey(e.input) : null;
    const item = { at, error: parserMessage(e.error) };
    if (key) broken.set(key, [...(broken.get(key) ?? []), item]);
    else errorsAt.push(item);
  }
  const records: SourceRecord[] = [];
  let cursor = 0;
  const errorLine = lineCounter(text);
  library.entries.forEach((entry, i) => {
    let at = entry.input ? text.indexOf(entry.input, cursor) : -1;
    let failure: string | undefined;
    if (!entry.input) {
      const error = broken.get(entry.key)?.shift();
      if (error) {
        at = error.at;
        failure = `BibTeX entry '${entry.key}' could not be read: ${error.error}; nothing of it was stored`;
      } else {
        failure = `BibTeX entry '${entry.key}' could not be read whole; nothing of it was stored`;
      }
    }
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
      ...(failure ? { failure } : {}),
    });
  });
  // Errors no entry owns (text between entries the parser could not place).
  const leftOver = [...errorsAt, ...[...broken.values()].flat()].sort((a, b) => a.at - b.at);
  for (const e of leftOver) {
    problems.push({
      record: 0,
      line: e.at >= 0 ? errorLine(e.at) : null,
      severity: 'error',
      message: `BibTeX text could not be read: ${e.error}`,
    });
  }
  return { records, problems };
}
