/**
 * Input and output of author ↔ organization link inference (`./infer.ts`): pure data, so the same
 * rules run inside ingestion/reindex (rows loaded from the database) and in the corpus measure
 * script (records held in memory).
 */

/** Why a link exists. EXPLICIT: the record says so. INFERRED: one of the documented rules. */
export type LinkEvidence = 'EXPLICIT' | 'INFERRED';

/** One citation of one author, as inference sees it. Ids are opaque (database ids or keys). */
export interface AuthorCitation {
  citationId: string;
  year: number | null;
  /** How many authors the citation credits (all roles that carry affiliations). */
  authorCount: number;
  /** Every organization the citation's addresses name. */
  organizationIds: string[];
  /** Organizations the record explicitly links to this author (a subset of `organizationIds`). */
  explicitOrganizationIds: string[];
  /**
   * Optional: the organizations of each address of the record, in the record's order. Lets the
   * rules tell one address naming two bodies (a hospital and its university) from two addresses.
   * When absent, every organization counts as its own address.
   */
  addressOrganizationIds?: string[][];
  /** Optional: 0-based position of this author among the citation's authors. */
  authorPosition?: number;
}

/** A link inference proposes for one author on one citation. */
export interface InferredLink {
  citationId: string;
  organizationId: string;
  /** Rule name, stable and documented (shown to users as the evidence). */
  rule: string;
  /** In [0, 1]. Links below `DEFAULT_LINK_THRESHOLD` are stored but not returned by default. */
  confidence: number;
  /** Citations (of this author) whose evidence supports the link, sorted; may be shared by links. */
  supportingCitationIds: readonly string[];
}
