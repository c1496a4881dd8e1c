/**
 * Input formats behind one interface. Every format turns text into `SourceRecord`s: the record's
 * source text and line, plus its fields as RIS tags, so one mapper (`src/ris/map.ts`) applies the
 * same rules (dates, pages, DOIs, ISSNs, names, affiliations, keywords) to every format, and the
 * dedup keys come out the same for the same paper whatever file it came from. What a tag list
 * cannot say — a structured name from BibTeX or CSL-JSON — travels beside it and wins.
 */
import type { MappedName } from '../citation/types.ts';
import type { RisProblem, RisRecord } from '../ris/types.ts';

/** The formats bibgraph reads. */
export const INPUT_FORMATS = ['RIS', 'BIBTEX', 'CSL_JSON', 'MEDLINE', 'WOS'] as const;
export type InputFormat = (typeof INPUT_FORMATS)[number];

/** What users call each format, for messages and reports. */
export const FORMAT_LABELS: Record<InputFormat, string> = {
  RIS: 'RIS',
  BIBTEX: 'BibTeX',
  CSL_JSON: 'CSL-JSON',
  MEDLINE: 'MEDLINE/PubMed',
  WOS: 'Web of Science plain text',
};

export interface SourceRecord extends RisRecord {
  format: InputFormat;
  /**
   * Names exactly as the source structured them, in the order of the record's author, editor …
   * tags; they replace what the RIS name parser would guess from the flattened `Family, Given`.
   */
  names?: MappedName[];
  /**
   * Set when the source could not read the record whole (a BibTeX entry whose brace never closes):
   * the record fails with this message rather than being stored with the fields read before it.
   */
  failure?: string;
}

/** A whole input read by one format. */
export interface FormatReadResult {
  records: SourceRecord[];
  problems: RisProblem[];
}
