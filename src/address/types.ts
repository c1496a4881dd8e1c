/**
 * An affiliation string read into its parts. Pure data: the address parser (`./parse.ts`) makes it
 * from text alone, for every input format (RIS `AD`/`C1`, MEDLINE `AD`, Web of Science `C1`, …).
 */

/** What kind of body an organization is; guessed from its name's head words. */
export type OrganizationKind = 'UNIVERSITY' | 'HOSPITAL' | 'INSTITUTE' | 'COMPANY' | 'GOVERNMENT' | 'OTHER';

/** What kind of part of an organization a unit is. */
export type UnitKind = 'DEPARTMENT' | 'SCHOOL' | 'FACULTY' | 'DIVISION' | 'CENTER' | 'LAB' | 'UNIT' | 'OTHER';

/** A department, school, lab … named in an address. */
export interface ParsedUnit {
  /** As written, trimmed ("Dept Cardiol", "Sydney Medical School"). */
  name: string;
  /** Dedup key under its organization (see `organizationKey`). */
  key: string;
  kind: UnitKind;
}

/** The top-level body an address names (university, hospital, company, institute …). */
export interface ParsedOrganization {
  /** As written, trimmed ("The University of Sydney", "Univ Texas SW Med Ctr Dallas"). */
  name: string;
  /**
   * Dedup key: case, accents, a leading "The" and abbreviations folded, so "The University of
   * Sydney", "University of Sydney" and "Univ Sydney" share one key. Organizations are one per
   * (key, country).
   */
  key: string;
  kind: OrganizationKind;
  /** Units of this organization named in the address, most specific first. */
  units: ParsedUnit[];
}

/** ISO 3166-1 country. */
export interface ParsedCountry {
  /** Alpha-2 code ("AU"). */
  code: string;
  /** English short name ("Australia"). */
  name: string;
}

/** One address (one institution's location, possibly with several organizations in it). */
export interface ParsedAddress {
  /** The address text as it appeared in the source, trimmed (e-mails included). */
  raw: string;
  /**
   * Author names the string itself attaches to this address: an Embase-style name prefix
   * ("M. Edward, Department of …") or a Web of Science bracket ("[Smith, J.; Doe, A.] Univ …").
   * As written; matching them to the record's contributors is the mapper's job.
   */
  authorNames: string[];
  /** Where `authorNames` came from: a WoS bracket, a name written in front, or none. */
  authorNamesForm: 'WOS_BRACKET' | 'NAME_PREFIX' | null;
  /** Organizations named, the main one first; empty when the string could not be parsed. */
  organizations: ParsedOrganization[];
  street: string | null;
  city: string | null;
  region: string | null;
  postalCode: string | null;
  country: ParsedCountry | null;
  /** E-mail addresses found in the string (removed from every other part). */
  emails: string[];
}
