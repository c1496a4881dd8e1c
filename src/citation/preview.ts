/**
 * A mapped record as the user checks it before ingesting for real (a dry run): the citation's
 * fields, people, addresses and keywords exactly as they would be stored, before matching merges
 * them with a citation already stored. Plain JSON, so a background dry run keeps it in its
 * ingestion row with the rest of the report.
 *
 * Pure: no database client, no GraphQL.
 */

import { CITATION_FIELDS, type CitationRow } from './fields.ts';
import { type MappedCitation, type StoredContributor, storedContributors } from './types.ts';

/**
 * The fields a preview shows: every bibliographic field but the raw tags (the user has the file)
 * and the date precision (the `date` text shows it).
 */
export const PREVIEW_FIELDS = CITATION_FIELDS.filter((f) => f.kind !== 'tags' && f.kind !== 'datePrecision');
export type PreviewFieldName = (typeof PREVIEW_FIELDS)[number]['name'];

/** A contributor as stored, its affiliations as 1-based positions in `CitationPreview.affiliations`. */
export type PreviewContributor = StoredContributor;

export interface PreviewAffiliation {
  /** The address as it would be stored. */
  name: string;
  /** English country name, when one was recognised. */
  country: string | null;
  /** ISO 3166-1 alpha-2 code of that country. */
  countryCode: string | null;
  /** Organizations read from the address, the main one first; empty when none could be read. */
  organizations: string[];
}

export interface CitationPreview {
  fields: Pick<CitationRow, PreviewFieldName>;
  contributors: PreviewContributor[];
  affiliations: PreviewAffiliation[];
  keywords: string[];
}

/** The preview of a mapped citation, sharing no string with it (its text may pin a whole input chunk). */
export function previewCitation(m: MappedCitation): CitationPreview {
  const preview: CitationPreview = {
    fields: Object.fromEntries(PREVIEW_FIELDS.map((f) => [f.name, m[f.name]])) as CitationPreview['fields'],
    contributors: storedContributors(m).map((c) => ({
      ...c,
      affiliations: c.affiliations.map((i) => i + 1),
    })),
    affiliations: m.affiliations.map((a) => ({
      name: a.name,
      country: a.country,
      countryCode: a.address.country?.code ?? null,
      organizations: a.address.organizations.map((o) => o.name),
    })),
    keywords: m.keywords,
  };
  // A copy made of new strings: a dry run keeps previews until its report is sent.
  return JSON.parse(JSON.stringify(preview)) as CitationPreview;
}
