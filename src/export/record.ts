/**
 * The shape every exporter reads: one citation row with its contributors, keywords and
 * affiliations already joined. The export service builds it from the database; tests and the
 * corpus round-trip script build it straight from a mapped RIS record, so the formatters never
 * need a database.
 */

import type { CitationFieldName, CitationRow } from '../citation/fields.ts';
import { type MappedCitation, type StoredContributor, storedContributors } from '../citation/types.ts';

/** Every bibliographic field of the citation row (src/citation/fields.ts), with its id. */
export type ExportCitation = Pick<CitationRow, 'id' | CitationFieldName>;

/** A contributor as exporters read it: as stored. */
export type ExportContributor = StoredContributor;

export interface ExportAffiliation {
  name: string;
  country: string | null;
}

export interface ExportRecord {
  citation: ExportCitation;
  /** Each role's contributors in position order. */
  contributors: ExportContributor[];
  /** Keyword terms in source order. */
  keywords: string[];
  /** Affiliations in source order. */
  affiliations: ExportAffiliation[];
}

/** The record ingestion would store for a mapped citation (before any merge with existing rows). */
export function exportRecordFromMapped(m: MappedCitation, id = 0): ExportRecord {
  // Everything but the linked lists and the raw text is a column of the citation row.
  const {
    contributors: _contributors,
    affiliations: _affiliations,
    keywords: _keywords,
    raw: _raw,
    ...citationFields
  } = m;
  return {
    citation: { id, ...citationFields },
    contributors: storedContributors(m),
    keywords: m.keywords,
    affiliations: m.affiliations.map((a) => ({ name: a.name, country: a.country })),
  };
}
