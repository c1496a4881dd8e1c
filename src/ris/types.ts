/**
 * Shared shapes of the pure RIS core. The lexer (`parse.ts`) produces `RisRecord`s and
 * `RisProblem`s; the mapper (`map.ts`) turns a `RisRecord` into a `MappedCitation`.
 * Nothing here knows about the database or GraphQL.
 */

import type { ParsedAddress } from '../address/types.js';

export type RisSeverity = 'error' | 'warning' | 'info';

/** Something worth telling the user about the input, always with where it happened. */
export interface RisProblem {
  /** 1-based index of the record the problem belongs to; 0 when it is outside any record. */
  record: number;
  /** 1-based line number in the decoded input, when known. */
  line: number | null;
  severity: RisSeverity;
  message: string;
}

/** One tag/value pair exactly as read (continuation lines joined with "\n"). */
export interface RisTag {
  tag: string;
  value: string;
  /** 1-based line the tag started on. */
  line: number;
  /**
   * The field as the input wrote it, when the input is not RIS (MEDLINE `DP '2021 Feb 30'` read as
   * `DA '2021/02/30'`): problems name what the user can find in their file.
   */
  written?: { tag: string; value: string };
}

/** One lexed record: every tag in source order, plus the raw text it came from. */
export interface RisRecord {
  /** 1-based position of the record in the input. */
  index: number;
  /** 1-based line where the record starts (its TY line, or first tag when TY is missing). */
  line: number;
  /** Upper-cased TY value; empty string when the record had no TY or an empty one. */
  type: string;
  /** All tags in source order, including TY and ER-less trailing tags; ER itself is not kept. */
  tags: RisTag[];
  /** The record's source text, normalised to "\n" line endings. */
  raw: string;
}

/** Result of sniffing the start of an input. */
export type InputKind =
  | 'ris'
  | 'empty'
  | 'binary'
  | 'bibtex'
  | 'medline'
  | 'wos'
  | 'endnote-tagged'
  | 'csv'
  | 'json'
  | 'xml'
  | 'unknown';

export type DatePrecision = 'year' | 'month' | 'day';

export type ContributorRole =
  | 'author'
  | 'editor'
  | 'series_editor'
  | 'translator'
  | 'contributor'
  | 'translated_author';

export interface MappedName {
  family: string | null;
  given: string | null;
  suffix: string | null;
  /** Set for corporate / institutional names that cannot be split. */
  literal: string | null;
}

/**
 * Why the record itself links a contributor to an address (an EXPLICIT link):
 * - `SINGLE_AUTHOR`: the record has one author, so every address is theirs;
 * - `WOS_BRACKET`: Web of Science `[Smith, J.; Doe, A.] Univ …` names the authors of the address;
 * - `NAME_PREFIX`: the address starts with the author's name (Embase `M. Edward, Department …`,
 *   Ovid/PsycINFO `Edward, M.: Department …`);
 * - `FOLLOWS_AUTHOR`: the address tags come right after each AU line (OpenAlex `C1`, interleaved `AD`).
 * Names are matched to contributors by family name + first initial, accent-insensitive, and only
 * when exactly one author fits.
 */
export type AffiliationLinkRule = 'SINGLE_AUTHOR' | 'WOS_BRACKET' | 'NAME_PREFIX' | 'FOLLOWS_AUTHOR';

export interface MappedContributor {
  role: ContributorRole;
  /** The name exactly as written in the source (one element of a `;`-joined line). */
  asWritten: string;
  name: MappedName;
  /** 0-based indexes into `MappedCitation.affiliations` that this contributor is linked to. */
  affiliations: number[];
  /** Parallel to `affiliations`: the rule that made each link (`affiliationRules[i]` explains `affiliations[i]`). */
  affiliationRules: AffiliationLinkRule[];
}

/** One address of the record (one per address, however many a tag value held). */
export interface MappedAffiliation {
  /** The address as written, without e-mails and without author names written in front of it. */
  name: string;
  /** English country name (`address.country?.name`), kept for the existing API. */
  country: string | null;
  /** The address read into organizations, units, city, region, postcode, country. */
  address: ParsedAddress;
}

export interface MappedCitation {
  risType: string;
  title: string | null;
  containerTitle: string | null;
  shortTitle: string | null;
  journalAbbreviation: string | null;
  abstract: string | null;
  year: number | null;
  /** ISO 8601 at its real precision: `2017`, `2017-05`, `2017-05-01`. */
  date: string | null;
  datePrecision: DatePrecision | null;
  volume: string | null;
  issue: string | null;
  startPage: string | null;
  endPage: string | null;
  /** Normalised lowercase DOI without resolver prefix. */
  doi: string | null;
  issns: string[];
  isbns: string[];
  urls: string[];
  publisher: string | null;
  place: string | null;
  language: string | null;
  notes: string[];
  contributors: MappedContributor[];
  affiliations: MappedAffiliation[];
  keywords: string[];
  /** Every tag/value pair of the source record, in order. */
  rawTags: Array<{ tag: string; value: string }>;
  raw: string;
}

export interface MapResult {
  citation: MappedCitation | null;
  problems: RisProblem[];
}

/** The single-valued fields of a citation, as stored and as compared by dedup and round-trip checks. */
export const CITATION_SCALAR_FIELDS = [
  'risType',
  'title',
  'containerTitle',
  'shortTitle',
  'journalAbbreviation',
  'abstract',
  'year',
  'date',
  'datePrecision',
  'volume',
  'issue',
  'startPage',
  'endPage',
  'doi',
  'publisher',
  'place',
  'language',
] as const satisfies ReadonlyArray<keyof MappedCitation>;
