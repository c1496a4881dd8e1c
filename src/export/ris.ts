/**
 * Export record → RIS that bibgraph reads back as the same citation.
 *
 * The record is written in two parts: every modelled field canonically (TY, TI, AU…, PY, DA, T2,
 * J2, VL, IS, SP, EP, SN, DO, UR, KW, AB, N1, AD), then the source record's raw tags that carry
 * something the model does not (Y2 access dates, M3 work types, vendor tags …). A raw tag is
 * "modelled", and left out, when it is a contributor, keyword or address tag, or when its value is
 * what a canonical tag already says (the same DOI, ISSN, date, page range or text). What is left is
 * appended — and because the mapper reads some tags differently depending on their neighbours
 * (C1 after AU is an address, C3 is a proceedings title, JO may be a journal), the writer maps its
 * own output again and drops a raw tag only when keeping it would change a field. So the output
 * never reads back differently from the stored citation, and nothing else is lost.
 */

import { CITATION_LIST_FIELDS, CITATION_SCALAR_FIELDS } from '../citation/fields.ts';
import { affiliationKey, keywordKey } from '../citation/keys.ts';
import { ALWAYS_MODELLED, oneLine, saysNothingNew } from '../citation/raw-tags.ts';
import type { ContributorRole, MappedCitation } from '../citation/types.ts';
import { looksLikeCommaList, mapRecord, PAGE_RANGE, readPage } from '../ris/map.ts';
import { foldText } from '../ris/normalize.ts';
import { parseRis } from '../ris/parse.ts';
import { type RisTypeInfo, risTypeInfo } from '../ris/types-map.ts';
import { formatRisTags } from '../ris/write.ts';
import { type ExportRecord, exportRecordFromMapped } from './record.ts';

export interface RisTagValue {
  tag: string;
  value: string;
}

// ---------------------------------------------------------------------------------------------
// Canonical part

const ROLE_TAGS = ['AU', 'A2', 'A3', 'A4'] as const;

/** The tag that gives `role` for this type when read back; null when no tag can. */
function tagForRole(role: ContributorRole, info: RisTypeInfo): string | null {
  for (const tag of ROLE_TAGS) {
    const r = tag === 'AU' ? info.roles.au : info.roles[tag.toLowerCase() as 'a2' | 'a3' | 'a4'];
    if (r === role) return tag;
  }
  if (role === 'editor') return 'ED';
  if (role === 'translated_author') return 'TA';
  return null;
}

function risDate(date: string): string {
  const [y, m, d] = date.split('-');
  if (!m) return y as string;
  return `${y}/${m}/${d ?? ''}/`;
}

const C7_OK = /^[\p{L}\p{N}.\-_]{1,32}$/u;

function pageTags(record: ExportRecord, info: RisTypeInfo): RisTagValue[] {
  const { startPage: start, endPage: end } = record.citation;
  const out: RisTagValue[] = [];
  if (start) {
    if (!end && PAGE_RANGE.test(start) && info.c7IsArticleNumber && C7_OK.test(start)) {
      // An article number with a hyphen would be read back from SP as a range; C7 keeps it whole.
      out.push({ tag: 'C7', value: start });
    } else if (!end && info.spIsExtent) {
      // A lone SP is the number of pages on books and theses; a one-page range is a first page.
      out.push({ tag: 'SP', value: `${start}-${start}` });
    } else if (end && readPage(end) !== end) {
      // An end page such as `P112` loses its letter when read from EP; inside a range it stays.
      out.push({ tag: 'SP', value: `${start}-${end}` });
      return out;
    } else {
      out.push({ tag: 'SP', value: start });
    }
  }
  if (end) out.push({ tag: 'EP', value: end });
  return out;
}

interface AffiliationPlan {
  /** AD tags written right after each AU line, by contributor index; null when not per author. */
  perAuthor: Map<number, string> | null;
  /** AD tags written after the other fields. */
  trailing: string[];
}

/**
 * How addresses are written so the mapper links them to the same people: one AD after each
 * author's AU line when every author has addresses (the EndNote/OpenAlex shape), plain AD lines
 * when nobody is linked or a single author owns them all, else Web of Science's
 * `[Author; Author] Address` form, which names the people of each address.
 */
function planAffiliations(record: ExportRecord, info: RisTypeInfo): AffiliationPlan {
  const affs = record.affiliations;
  if (affs.length === 0) return { perAuthor: null, trailing: [] };
  const auRole = info.roles.au;
  const auIdx = record.contributors.map((c, i) => (c.role === auRole ? i : -1)).filter((i) => i >= 0);
  const linked = record.contributors.filter((c) => c.affiliations.length > 0);
  if (linked.length === 0) return { perAuthor: null, trailing: affs.map((a) => a.name) };

  const allAuthorsLinked =
    auIdx.length > 0 &&
    linked.every((c) => c.role === auRole) &&
    auIdx.every((i) => (record.contributors[i]?.affiliations.length ?? 0) > 0);
  if (allAuthorsLinked) {
    // First appearance over the authors must give the stored affiliation order.
    const order: number[] = [];
    for (const i of auIdx)
      for (const a of record.contributors[i]?.affiliations ?? []) if (!order.includes(a)) order.push(a);
    if (order.length === affs.length && order.every((a, k) => a === k)) {
      const perAuthor = new Map<number, string>();
      for (const i of auIdx) {
        const names = (record.contributors[i]?.affiliations ?? []).map((a) => affs[a]?.name ?? '');
        perAuthor.set(i, names.join('; '));
      }
      return { perAuthor, trailing: [] };
    }
  }
  if (auIdx.length === 1 && linked.length === 1 && linked[0]?.affiliations.length === affs.length) {
    return { perAuthor: null, trailing: affs.map((a) => a.name) };
  }
  const trailing = affs.map((a, k) => {
    const people = record.contributors
      .filter((c) => c.role === 'author' && c.affiliations.includes(k))
      .map((c) => c.nameAsWritten);
    return people.length > 0 ? `[${people.join('; ')}] ${a.name}` : a.name;
  });
  return { perAuthor: null, trailing };
}

/** The modelled fields as RIS tags, in the usual export order. */
export function canonicalRisTags(record: ExportRecord): RisTagValue[] {
  const c = record.citation;
  const info = risTypeInfo(c.risType);
  const out: RisTagValue[] = [{ tag: 'TY', value: c.risType }];
  const push = (tag: string, value: string | null | undefined): void => {
    if (value != null && value !== '') out.push({ tag, value });
  };
  push('TI', c.title);
  push('ST', c.shortTitle);

  const plan = planAffiliations(record, info);
  const byTag = new Map<string, number[]>();
  record.contributors.forEach((p, i) => {
    const tag = tagForRole(p.role, info) ?? 'A4';
    const list = byTag.get(tag) ?? [];
    list.push(i);
    byTag.set(tag, list);
  });
  for (const tag of [...ROLE_TAGS, 'ED', 'TA']) {
    const list = (byTag.get(tag) ?? []).sort((a, b) => {
      const pa = record.contributors[a]?.position ?? 0;
      const pb = record.contributors[b]?.position ?? 0;
      return pa - pb;
    });
    for (const i of list) {
      push(tag, record.contributors[i]?.nameAsWritten);
      const ad = plan.perAuthor?.get(i);
      if (ad) push('AD', ad);
    }
  }

  if (c.year != null) push('PY', String(c.year));
  if (c.date && c.date !== String(c.year)) {
    const dateYear = Number(c.date.slice(0, 4));
    // DA is an access date on e-journals and databases unless it agrees with PY; Y1 is never one.
    push(info.daIsAccessed && dateYear !== c.year ? 'Y1' : 'DA', risDate(c.date));
  }
  // A journal known only by its abbreviation is read back from J2 alone; T2 beside it would make
  // the abbreviation look like a repeat of the full name and drop it.
  const onlyAbbreviated = info.container === 'journal' && c.containerTitle === c.journalAbbreviation;
  // A conference paper's T2 is the conference's name and C3 the proceedings (its container): when
  // the source named the conference apart (a T2 other than the container, carried as a raw tag),
  // the container goes back to C3, or the record would hold two T2 lines.
  const conferenceNamed =
    info.container === 'conference' &&
    c.containerTitle != null &&
    c.rawTags.some((t) => t.tag === 'T2' && oneLine(t.value) !== oneLine(c.containerTitle ?? ''));
  if (conferenceNamed) push('C3', c.containerTitle);
  else if (!onlyAbbreviated) push('T2', c.containerTitle);
  push('J2', c.journalAbbreviation);
  if (info.vlIsVolume) push('VL', c.volume);
  push('IS', c.issue);
  out.push(...pageTags(record, info));
  push('PB', c.publisher);
  push('CY', c.place);
  // Report, patent and standard numbers live in SN on those types; their ISSN/ISBN go elsewhere.
  for (const issn of c.issns) push(info.sn === 'number' ? 'EI' : 'SN', issn);
  for (const isbn of c.isbns) push(info.sn === 'number' ? 'BN' : 'SN', isbn);
  push('DO', c.doi);
  for (const url of c.urls) push('UR', url);
  push('LA', c.language);
  if (record.keywords.some((k) => looksLikeCommaList(k) !== null)) {
    // A lone KW value of three or more short comma parts is read as a list; in a multi-line value
    // (one keyword per line, as EndNote writes them) it stays one keyword.
    const lines = record.keywords.length === 1 ? [record.keywords[0], record.keywords[0]] : record.keywords;
    push('KW', lines.join('\n'));
  } else {
    for (const k of record.keywords) push('KW', k);
  }
  // One AB per paragraph: a blank line inside a tag value does not survive the RIS layout.
  if (c.abstract) for (const p of c.abstract.split(/\n{2,}/)) push('AB', p);
  for (const n of c.notes) push('N1', n);
  for (const a of plan.trailing) push('AD', a);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Comparing what a record says with what its RIS reads back as

/** Field name → comparable value; equal maps mean "the same citation with the same values". */
export type CitationFields = Record<string, string>;

/** The values bibgraph stores for a record, keyed by field, in a form two records can be compared by. */
export function citationFields(record: ExportRecord): CitationFields {
  const c = record.citation;
  const out: CitationFields = {};
  for (const k of CITATION_SCALAR_FIELDS) out[k] = JSON.stringify(c[k] ?? null);
  for (const k of CITATION_LIST_FIELDS) out[k] = JSON.stringify(c[k]);
  out.keywords = JSON.stringify(record.keywords.map(keywordKey));
  const people = [...record.contributors].sort((a, b) =>
    a.role === b.role ? a.position - b.position : a.role < b.role ? -1 : 1,
  );
  out.contributors = JSON.stringify(people.map((p) => `${p.role}:${p.position}:${p.nameAsWritten}`));
  out.affiliations = JSON.stringify(record.affiliations.map((a) => `${affiliationKey(a.name)}|${a.country}`));
  // Links are stored per author, not per contribution, so they compare by name.
  const links = new Set<string>();
  for (const p of record.contributors)
    for (const a of p.affiliations)
      links.add(`${foldText(p.nameAsWritten)}|${affiliationKey(record.affiliations[a]?.name ?? '')}`);
  out.authorAffiliations = JSON.stringify([...links].sort());
  return out;
}

/** Names of the fields whose values differ. */
export function differingFields(a: CitationFields, b: CitationFields): string[] {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  return [...keys].filter((k) => a[k] !== b[k]);
}

/** Reads RIS text back the way ingestion does; null when it holds no storable record. */
export function readBack(text: string): MappedCitation | null {
  const record = parseRis(text).records[0];
  return record ? mapRecord(record).citation : null;
}

function fieldsOfTags(tags: RisTagValue[]): CitationFields | null {
  const mapped = readBack(formatRisTags(tags));
  return mapped ? citationFields(exportRecordFromMapped(mapped)) : null;
}

function mismatches(tags: RisTagValue[], target: CitationFields): Set<string> {
  const fields = fieldsOfTags(tags);
  return new Set(fields ? differingFields(fields, target) : Object.keys(target));
}

const isSubset = (a: Set<string>, b: Set<string>): boolean => [...a].every((x) => b.has(x));

export interface RisTagsResult {
  tags: RisTagValue[];
  /** Raw tags left out because keeping them would change how the record reads back. */
  dropped: RisTagValue[];
}

/** Canonical tags plus every raw tag that adds information without changing how the record reads. */
export function risTagsWithReport(record: ExportRecord): RisTagsResult {
  const canonical = canonicalRisTags(record);
  const canonicalValues = new Set(canonical.map((t) => oneLine(t.value)));
  const extras = record.citation.rawTags.filter(
    (t) => !ALWAYS_MODELLED.has(t.tag) && !saysNothingNew(t, record.citation, canonicalValues),
  );
  if (extras.length === 0) return { tags: canonical, dropped: [] };
  const target = citationFields(record);
  const all = [...canonical, ...extras];
  const full = mismatches(all, target);
  if (full.size === 0) return { tags: all, dropped: [] };
  // Some raw tag changes how the record reads (or the canonical part alone cannot say everything):
  // keep raw tags one by one as long as they make nothing worse than the canonical part alone.
  const baseline = mismatches(canonical, target);
  if (isSubset(full, baseline)) return { tags: all, dropped: [] };
  const kept = [...canonical];
  const dropped: RisTagValue[] = [];
  for (const extra of extras) {
    if (isSubset(mismatches([...kept, extra], target), baseline)) kept.push(extra);
    else dropped.push(extra);
  }
  return { tags: kept, dropped };
}

export function risTags(record: ExportRecord): RisTagValue[] {
  return risTagsWithReport(record).tags;
}

export interface RisFormatOptions {
  eol?: '\n' | '\r\n';
}

/** One record as RIS text, ending with `ER  - ` and a line break. */
export function formatRis(record: ExportRecord, options: RisFormatOptions = {}): string {
  return formatRisTags(risTags(record), options);
}
