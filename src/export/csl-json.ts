/**
 * Export record → CSL-JSON item (the input format of every CSL processor, Zotero and Pandoc).
 * Only properties of the CSL data schema are written, so the output validates against
 * `csl-data.json`; values bibgraph does not hold are left out rather than guessed.
 */

import type { ContributorRole } from '../citation/types.ts';
import { risTypeInfo } from '../ris/types-map.ts';
import type { ExportContributor, ExportRecord } from './record.ts';

export interface CslName {
  family?: string;
  given?: string;
  suffix?: string;
  literal?: string;
}

export interface CslDate {
  'date-parts': Array<Array<number>>;
}

/** A CSL-JSON item; the index signature carries the optional string variables. */
export interface CslItem {
  id: string;
  type: string;
  [variable: string]: string | CslName[] | CslDate | undefined;
}

type CslNameVariable =
  | 'author'
  | 'editor'
  | 'collection-editor'
  | 'translator'
  | 'contributor'
  | 'original-author';

const NAME_VARIABLE: Readonly<Record<ContributorRole, CslNameVariable>> = {
  author: 'author',
  editor: 'editor',
  series_editor: 'collection-editor',
  translator: 'translator',
  contributor: 'contributor',
  // RIS TA is the author of the original of a translated work.
  translated_author: 'original-author',
};

export function cslName(c: ExportContributor): CslName {
  if (c.literal) return { literal: c.literal };
  const name: CslName = {};
  if (c.family) name.family = c.family;
  if (c.given) name.given = c.given;
  if (c.suffix) name.suffix = c.suffix;
  return name.family || name.given ? name : { literal: c.nameAsWritten };
}

function issued(date: string | null, year: number | null): CslDate | undefined {
  if (date) {
    const parts = date.split('-').map(Number);
    if (parts.every((p) => Number.isInteger(p))) return { 'date-parts': [parts] };
  }
  return year != null ? { 'date-parts': [[year]] } : undefined;
}

/** The item for one record; `id` is the item ID to use (a citation key or a global ID). */
export function toCslItem(record: ExportRecord, id: string): CslItem {
  const c = record.citation;
  const item: CslItem = { id, type: risTypeInfo(c.risType).csl };
  const set = (key: string, value: string | null | undefined): void => {
    if (value != null && value !== '') item[key] = value;
  };
  set('title', c.title);
  set('title-short', c.shortTitle);
  set('container-title', c.containerTitle);
  set('container-title-short', c.journalAbbreviation);
  const names = new Map<CslNameVariable, CslName[]>();
  const people = [...record.contributors].sort((a, b) => a.position - b.position);
  for (const p of people) {
    const variable = NAME_VARIABLE[p.role];
    const list = names.get(variable) ?? [];
    list.push(cslName(p));
    names.set(variable, list);
  }
  for (const [variable, list] of names) item[variable] = list;
  const date = issued(c.date, c.year);
  if (date) item.issued = date;
  set('volume', c.volume);
  set('issue', c.issue);
  if (c.startPage) {
    set('page', c.endPage && c.endPage !== c.startPage ? `${c.startPage}-${c.endPage}` : c.startPage);
    set('page-first', c.startPage);
  }
  set('DOI', c.doi);
  // CSL has one ISSN and one ISBN variable; several are joined the way Zotero joins them.
  set('ISSN', c.issns.join(', '));
  set('ISBN', c.isbns.join(', '));
  set('URL', c.urls[0]);
  set('publisher', c.publisher);
  set('publisher-place', c.place);
  set('language', c.language);
  set('abstract', c.abstract);
  set('keyword', record.keywords.join(', '));
  set('note', c.notes.join('\n'));
  return item;
}
