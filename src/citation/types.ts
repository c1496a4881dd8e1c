/**
 * A citation as every reader produces it, whatever the input format: the bibliographic fields of
 * a `citations` row (src/citation/fields.ts) plus the people, addresses and keywords that become
 * rows of their own. The RIS mapper (src/ris/map.ts) builds it; the BibTeX, CSL-JSON, MEDLINE and
 * Web of Science readers (src/formats/) reach it through RIS tags. Ingestion stores it, the export
 * record and the dry-run preview are made from it.
 *
 * Pure: no database client, no GraphQL.
 */

import type { ParsedAddress } from '../address/types.ts';
import type { CitationFields, CitationRow } from './fields.ts';

export type DatePrecision = NonNullable<CitationRow['datePrecision']>;

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

/** One source record read into the model: the citation's fields and what is linked to it. */
export interface MappedCitation extends CitationFields {
  contributors: MappedContributor[];
  affiliations: MappedAffiliation[];
  keywords: string[];
  /** The source record's text (stored as `raw_record`). */
  raw: string;
}

/** A contributor as stored: the credit row of one person in one role, in order. */
export interface StoredContributor {
  role: ContributorRole;
  /** 1-based order within the role. */
  position: number;
  nameAsWritten: string;
  family: string | null;
  given: string | null;
  suffix: string | null;
  literal: string | null;
  /** Indexes into the citation's affiliations (0-based), in affiliation order. */
  affiliations: number[];
}

/** The contributors ingestion would store for a mapped citation: positions counted per role. */
export function storedContributors(m: MappedCitation): StoredContributor[] {
  const positions = new Map<ContributorRole, number>();
  return m.contributors.map((c) => {
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
}
