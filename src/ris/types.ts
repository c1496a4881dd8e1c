/**
 * Shared shapes of the pure RIS core. The lexer (`parse.ts`) produces `RisRecord`s and
 * `RisProblem`s; the mapper (`map.ts`) turns a `RisRecord` into a `MappedCitation`, the
 * format-neutral model of src/citation/types.ts.
 * Nothing here knows about the database or GraphQL.
 */

import type { MappedCitation } from '../citation/types.ts';

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
  /** Upper-cased TY value; GEN (with a warning) when the record had no TY or an empty one. */
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

export interface MapResult {
  citation: MappedCitation | null;
  problems: RisProblem[];
}
