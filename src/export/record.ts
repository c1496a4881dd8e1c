/**
 * The shape every exporter reads: one citation row with its contributors, keywords and
 * affiliations already joined. The export service builds it from the database; tests and the
 * corpus round-trip script build it straight from a mapped RIS record, so the formatters never
 * need a database.
 */

import type { CitationFieldName, CitationRow } from '../citation/fields.ts';
import type { ContributorRole, MappedCitation } from '../citation/types.ts';

/** Every bibliographic field of the citation row (src/citation/fields.ts), with its id. */
export type ExportCitation = Pick<CitationRow, 'id' | CitationFieldName>;

export interface ExportContributor {
  role: ContributorRole;
  /** 1-based order within the role. */
  position: number;
  nameAsWritten: string;
  family: string | null;
  given: string | null;
  suffix: string | null;
  literal: string | null;
  /** Indexes into `ExportRecord.affiliations`, in affiliation order. */
  affiliations: number[];
}

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
  const positions = new Map<string, number>();
  const contributors: ExportContributor[] = m.contributors.map((c) => {
    const position = (positions.get(c.role) ?? 0) + 1;
    positions.set(c.role, position);
    return {
      role: c.role,
      position,
      nameAsWritten: c.asWritten,
      family: c.name.family,
      given: c.name.given,
      suffix: c.name.suffix,
      literal: c.name.literal,
      affiliations: [...c.affiliations].sort((a, b) => a - b),
    };
  });
  return {
    citation: { id, ...citationFields },
    contributors,
    keywords: m.keywords,
    affiliations: m.affiliations.map((a) => ({ name: a.name, country: a.country })),
  };
}
