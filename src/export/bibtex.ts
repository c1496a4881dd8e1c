/**
 * Export record → BibTeX entry. Output is UTF-8 (biber, BibLaTeX and modern BibTeX read it);
 * the characters TeX treats specially are escaped in text fields, URLs and DOIs are written
 * verbatim as the `url` package expects, and citation keys are plain ASCII.
 */

import { foldText } from '../ris/normalize.ts';
import type { ExportContributor, ExportRecord } from './record.ts';

const ENTRY_TYPE: Readonly<Record<string, string>> = {
  JOUR: 'article',
  EJOUR: 'article',
  MGZN: 'article',
  NEWS: 'article',
  INPR: 'article',
  JFULL: 'article',
  ABST: 'article',
  BOOK: 'book',
  EBOOK: 'book',
  EDBOOK: 'book',
  CHAP: 'incollection',
  ECHAP: 'incollection',
  CONF: 'inproceedings',
  CPAPER: 'inproceedings',
  THES: 'phdthesis',
  RPRT: 'techreport',
  GOVDOC: 'techreport',
  UNPB: 'unpublished',
  MANSCPT: 'unpublished',
  PAMP: 'booklet',
};

const CONTAINER_FIELD: Readonly<Record<string, string>> = {
  article: 'journal',
  incollection: 'booktitle',
  inproceedings: 'booktitle',
};

export function bibtexEntryType(risType: string): string {
  return ENTRY_TYPE[risType] ?? 'misc';
}

const SPECIAL: Readonly<Record<string, string>> = {
  '\\': '\\textbackslash{}',
  '{': '\\{',
  '}': '\\}',
  '&': '\\&',
  '%': '\\%',
  $: '\\$',
  '#': '\\#',
  _: '\\_',
  '~': '\\textasciitilde{}',
  '^': '\\textasciicircum{}',
};
const SPECIAL_CHARS = /[\\{}&%$#_~^]/g;

/** Text for a BibTeX field: TeX specials escaped, whitespace runs collapsed, NFC-normalised. */
export function escapeBibtex(text: string): string {
  return text
    .normalize('NFC')
    .replace(/\s+/g, ' ')
    .trim()
    .replace(SPECIAL_CHARS, (c) => SPECIAL[c] ?? c);
}

/** URLs and DOIs go in verbatim; only braces, which would end the field, are percent-encoded. */
function verbatim(text: string): string {
  return text.trim().replace(/\{/g, '%7B').replace(/\}/g, '%7D').replace(/\s/g, '%20');
}

/** `{Family}, Given, Jr.` in BibTeX's name grammar; corporate names in braces so they stay whole. */
export function bibtexName(c: ExportContributor): string {
  if (c.literal || (!c.family && !c.given)) return `{${escapeBibtex(c.literal ?? c.nameAsWritten)}}`;
  // Braces around a family name with spaces (van der Berg) or "and" keep it one unit.
  const family = escapeBibtex(c.family ?? '');
  const fam = /\s|\band\b/i.test(family) ? `{${family}}` : family;
  const parts = [fam];
  if (c.suffix) parts.push(escapeBibtex(c.suffix));
  if (c.given) parts.push(escapeBibtex(c.given));
  else if (c.suffix) parts.push('');
  return parts.join(', ');
}

const STOP_WORDS = new Set(
  'a an the on of in for and to with from by at as is are was were be its their this that via into de la le les des der die das el los una un'.split(
    ' ',
  ),
);

function asciiWord(s: string): string {
  return foldText(s).replace(/[^a-z0-9]/g, '');
}

/** `familyYYYYfirstword`: first author's family name, the year, the first significant title word. */
export function baseCitationKey(record: ExportRecord): string {
  const c = record.citation;
  const first =
    record.contributors.find((p) => p.role === 'author' && p.position === 1) ?? record.contributors[0];
  const family = first
    ? asciiWord(first.family ?? first.literal?.split(/\s+/)[0] ?? first.nameAsWritten)
    : '';
  const word =
    (c.title ?? '')
      .split(/[\s\-–—:;,.!?/()[\]"']+/)
      .map(asciiWord)
      .find((w) => w.length > 0 && !STOP_WORDS.has(w)) ?? '';
  const key = `${family || 'anon'}${c.year ?? ''}${word}`;
  return key.slice(0, 60);
}

/**
 * Hands out unique keys within one document: the first `smith2019stem`, then `smith2019stema`,
 * `smith2019stemb` …, `smith2019stemaa` after `z`. Keeps one counter per base key.
 */
export class CitationKeys {
  private readonly used = new Map<string, number>();
  private readonly taken = new Set<string>();

  next(record: ExportRecord): string {
    const base = baseCitationKey(record);
    let n = this.used.get(base) ?? 0;
    let key = base;
    while (this.taken.has(key)) {
      n++;
      key = `${base}${suffix(n)}`;
    }
    this.used.set(base, n);
    this.taken.add(key);
    return key;
  }
}

function suffix(n: number): string {
  let s = '';
  let k = n;
  while (k > 0) {
    k--;
    s = String.fromCharCode(97 + (k % 26)) + s;
    k = Math.floor(k / 26);
  }
  return s;
}

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];

/** One `@type{key, …}` entry followed by a blank line. */
export function formatBibtex(record: ExportRecord, key: string): string {
  const c = record.citation;
  const type = bibtexEntryType(c.risType);
  const fields: Array<[string, string]> = [];
  const text = (name: string, value: string | null | undefined): void => {
    if (value != null && value.trim() !== '') fields.push([name, `{${escapeBibtex(value)}}`]);
  };
  const people = (role: string): string =>
    record.contributors
      .filter((p) => p.role === role)
      .sort((a, b) => a.position - b.position)
      .map(bibtexName)
      .join(' and ');
  const authors = people('author');
  if (authors) fields.push(['author', `{${authors}}`]);
  const editors = people('editor');
  if (editors) fields.push(['editor', `{${editors}}`]);
  const translators = people('translator');
  if (translators) fields.push(['translator', `{${translators}}`]);
  text('title', c.title);
  if (c.containerTitle) text(CONTAINER_FIELD[type] ?? 'howpublished', c.containerTitle);
  text('shorttitle', c.shortTitle);
  if (c.year != null) fields.push(['year', `{${c.year}}`]);
  const month = c.date && c.datePrecision !== 'year' ? Number(c.date.slice(5, 7)) : null;
  // Month macros (jan, feb …) let each style print the month in its own language.
  if (month && month >= 1 && month <= 12) fields.push(['month', MONTHS[month - 1] as string]);
  text('volume', c.volume);
  text('number', c.issue);
  if (c.startPage)
    text('pages', c.endPage && c.endPage !== c.startPage ? `${c.startPage}--${c.endPage}` : c.startPage);
  // Theses and reports name the university or institution in their own field.
  text(type === 'phdthesis' ? 'school' : type === 'techreport' ? 'institution' : 'publisher', c.publisher);
  text('address', c.place);
  if (c.doi) fields.push(['doi', `{${verbatim(c.doi)}}`]);
  if (c.urls[0]) fields.push(['url', `{${verbatim(c.urls[0])}}`]);
  text('issn', c.issns.join(', '));
  text('isbn', c.isbns.join(', '));
  text('language', c.language);
  text('keywords', record.keywords.join(', '));
  text('abstract', c.abstract);
  text('note', c.notes.join('; '));
  const body = fields.map(([name, value]) => `  ${name} = ${value}`).join(',\n');
  return `@${type}{${key},\n${body}\n}\n\n`;
}
