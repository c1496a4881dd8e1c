/**
 * The bibliographic fields of a citation, once. Each entry is a column of the `citations` table
 * (same key), so the row type says what a field holds; the entry says what the rest of the service
 * needs to know about it: how it is checked when a curator edits it, how a re-ingest merges it, and
 * what it means. Curation (validation, `UpdateCitationInput`), ingest merging, the export record and
 * the dry-run preview all read this list. A new field is one column, its migration, one entry here
 * and its mapping in each format (readers in src/ris and src/formats, writers in src/export).
 *
 * Pure: no database client, no GraphQL.
 */

import type { citations } from '../db/schema.ts';

/** One stored citation row. */
export type CitationRow = typeof citations.$inferSelect;

/**
 * How a field is stored, checked and merged:
 * - `type`: the RIS reference type code (never empty; a generic type gives way to a real one);
 * - `text` / `longText`: one trimmed line or paragraph of text (`longText` allows a whole abstract);
 * - `year`: a year 1–9999; `date`: ISO 8601 at its precision; `datePrecision`: follows `date`;
 * - `doi`: a normalised, lowercase bare DOI;
 * - `list`: text values, merged as a case-insensitive union;
 * - `tags`: the source record's tag/value pairs.
 */
export type CitationFieldKind =
  | 'type'
  | 'text'
  | 'longText'
  | 'year'
  | 'date'
  | 'datePrecision'
  | 'doi'
  | 'list'
  | 'tags';

export interface CitationField {
  /** The column key, which is also the field's name in GraphQL, in inputs and in exports. */
  name: keyof CitationRow;
  kind: CitationFieldKind;
  /** What the field holds, as the `Citation` type and the dry-run preview describe it. */
  description: string;
  /** Set for fields a curator may change (`updateCitation`): the input field's description. */
  edit?: string;
}

/** In the order of the table's columns (which is the order of `UpdateCitationInput`). */
export const CITATION_FIELDS = [
  {
    name: 'risType',
    kind: 'type',
    description: 'RIS reference type code as given (JOUR, BOOK, CHAP, CONF …); GEN when the record had none.',
    edit: 'RIS reference type code (JOUR, BOOK, CHAP …); cannot be cleared.',
  },
  { name: 'title', kind: 'text', description: 'Primary title.', edit: 'Primary title.' },
  {
    name: 'containerTitle',
    kind: 'text',
    description: 'Journal, book or proceedings the work appeared in.',
    edit: 'Journal, book or proceedings title.',
  },
  { name: 'shortTitle', kind: 'text', description: 'Short title (RIS ST).', edit: 'Short title.' },
  {
    name: 'journalAbbreviation',
    kind: 'text',
    description: 'Abbreviated journal title ("Exp Ther Med").',
    edit: 'Abbreviated journal title.',
  },
  { name: 'abstract', kind: 'longText', description: 'Abstract, in full.', edit: 'Abstract.' },
  {
    name: 'year',
    kind: 'year',
    description: 'Publication year.',
    edit: 'Publication year (1-9999). Must agree with `date` when both are given.',
  },
  {
    name: 'date',
    kind: 'date',
    description:
      'Publication date in ISO 8601 at the precision the source gave: "2017", "2017-05" or "2017-05-01".',
    edit: 'Publication date as 2017, 2017-05 or 2017-05-01; sets the year and the date precision.',
  },
  {
    name: 'datePrecision',
    kind: 'datePrecision',
    description: 'How much of `date` the source gave: year, month or day.',
  },
  { name: 'volume', kind: 'text', description: 'Volume.', edit: 'Volume.' },
  { name: 'issue', kind: 'text', description: 'Issue or number.', edit: 'Issue or number.' },
  {
    name: 'startPage',
    kind: 'text',
    description: 'First page, or an article number such as "e93512".',
    edit: 'First page or article number.',
  },
  { name: 'endPage', kind: 'text', description: 'Last page.', edit: 'Last page.' },
  {
    name: 'doi',
    kind: 'doi',
    description: 'DOI, lowercase, without resolver prefix.',
    edit: 'DOI in any common form (bare, doi:, https://doi.org/); stored lowercase and bare.',
  },
  { name: 'issns', kind: 'list', description: 'Valid ISSNs, hyphenated (1792-0981).' },
  { name: 'isbns', kind: 'list', description: 'Valid ISBNs, without hyphens.' },
  { name: 'urls', kind: 'list', description: 'Links to the work, in source order.' },
  {
    name: 'publisher',
    kind: 'text',
    description: 'Publisher (or university, institution).',
    edit: 'Publisher.',
  },
  { name: 'place', kind: 'text', description: 'Place of publication.', edit: 'Place of publication.' },
  { name: 'language', kind: 'text', description: 'Language as given in the source.', edit: 'Language.' },
  { name: 'notes', kind: 'list', description: 'Free-text notes (RIS N1, RN).' },
  {
    name: 'rawTags',
    kind: 'tags',
    description:
      'Every tag and value of the source record, in order, including tags bibgraph does not model.',
  },
] as const satisfies readonly CitationField[];

type Field = (typeof CITATION_FIELDS)[number];

/** Names of the bibliographic columns. */
export type CitationFieldName = Field['name'];

/**
 * Columns of `citations` that are not bibliographic fields: identity, dedup keys, provenance,
 * curation marks and the search document. Every other column must have an entry in CITATION_FIELDS
 * (checked below by the compiler, and by test/citation/fields.test.ts against the table).
 */
export const CITATION_BOOKKEEPING_COLUMNS = [
  'id',
  'conflictingDoi',
  'rawRecord',
  'fingerprint',
  'rawHash',
  'clearedFields',
  'ingestionId',
  'searchVector',
  'createdAt',
  'updatedAt',
] as const satisfies ReadonlyArray<keyof CitationRow>;

// A column that is neither a field nor bookkeeping makes this `true` fail to type-check.
type Unlisted = Exclude<keyof CitationRow, CitationFieldName | (typeof CITATION_BOOKKEEPING_COLUMNS)[number]>;
const everyColumnListed: [Unlisted] extends [never] ? true : Unlisted = true;
void everyColumnListed;

/** A citation's bibliographic fields, typed by their columns. */
export type CitationFields = Pick<CitationRow, CitationFieldName>;

type NamesOf<K extends CitationFieldKind> = Extract<Field, { kind: K }>['name'];

/** The single-valued fields, as stored, merged on re-ingest and compared by round-trip checks. */
export type ScalarFieldName = Exclude<CitationFieldName, NamesOf<'list' | 'tags'>>;
export const CITATION_SCALAR_FIELDS = CITATION_FIELDS.filter(
  (f) => f.kind !== 'list' && f.kind !== 'tags',
).map((f) => f.name as ScalarFieldName);

/** The list-valued fields, merged as a union on re-ingest. */
export type ListFieldName = NamesOf<'list'>;
export const CITATION_LIST_FIELDS = CITATION_FIELDS.filter((f) => f.kind === 'list').map(
  (f) => f.name as ListFieldName,
);

/** The fields a curator may set with updateCitation. */
export type EditableField = Extract<Field, { edit: string }>;
export type EditableFieldName = EditableField['name'];
export const EDITABLE_CITATION_FIELDS: readonly EditableField[] = CITATION_FIELDS.filter(
  (f): f is EditableField => 'edit' in f,
);

/** Fields a curator sets; `undefined` leaves a field alone, `null` clears it. */
export type CitationPatch = { [K in EditableFieldName]?: CitationRow[K] | null };

/** Longest text a curator may store in a field of this kind. */
export function maxLengthOf(kind: CitationFieldKind): number {
  return kind === 'longText' ? 200_000 : 20_000;
}
