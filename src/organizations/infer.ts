/**
 * Author ↔ organization links the records do not state, inferred from one author's citations.
 * Pure and deterministic (same input, same output, in a stable order), so ingestion, `reindex` and
 * the measure script share it.
 *
 * Rules, strongest first; each (citation, organization) gets the strongest rule that applies:
 * - `EXPLICIT_ELSEWHERE`: another record of the author explicitly places them at the organization,
 *   and this record names it.
 * - `ONLY_ORGANIZATION`: the record names one organization, so every author on it is taken to be
 *   there (co-authors from elsewhere would usually have brought their own address).
 * - `ONLY_ADDRESS`: the record has one address naming several bodies (a hospital and its
 *   university): every author is at each of them.
 * - `FIRST_ADDRESS`: the first author is at the first address: Scopus, Web of Science and PubMed
 *   list addresses in order of first use, starting with the first author.
 * - `REPEATED`: the organization is named on several of the author's records (this one included),
 *   more often than chance co-listing explains.
 * - `CO_LISTED`: the organization is one of k on the record, nothing more — a weak hint, below the
 *   default threshold (stored, not returned by default).
 *
 * Never proposed: a link where the record already has an explicit one for that (citation, org),
 * and anything on a citation where the author has explicit links (the record said where they were).
 */

import type { AuthorCitation, InferredLink } from './types.js';

/** Links below this confidence are stored but not returned by default. See docs/organizations.md. */
export const DEFAULT_LINK_THRESHOLD = 0.6;

/** Rule names, stable: they are stored and shown to users as the evidence. */
export const LINK_RULES = [
  'EXPLICIT_ELSEWHERE',
  'ONLY_ORGANIZATION',
  'ONLY_ADDRESS',
  'FIRST_ADDRESS',
  'REPEATED',
  'CO_LISTED',
] as const;
export type LinkRule = (typeof LINK_RULES)[number];

/** Confidence of each rule (calibrated on the corpus: see docs/organizations.md, "Measured"). */
export const RULE_CONFIDENCE = {
  EXPLICIT_ELSEWHERE: 0.9,
  ONLY_ORGANIZATION: 0.85,
  ONLY_ADDRESS: 0.85,
  FIRST_ADDRESS: 0.7,
  REPEATED: 0.55,
} as const;

function byId(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function addToList(map: Map<string, string[]>, key: string, value: string): void {
  const l = map.get(key);
  if (l) l.push(value);
  else map.set(key, [value]);
}

/** Links to propose for ONE author, given all of that author's citations. */
export function inferAuthorLinks(citations: readonly AuthorCitation[]): InferredLink[] {
  // Where the author is explicitly, and on which citations.
  const explicitAt = new Map<string, string[]>();
  // On which of the author's citations each organization is named.
  const namedOn = new Map<string, string[]>();
  for (const c of citations) {
    for (const o of new Set(c.explicitOrganizationIds)) addToList(explicitAt, o, c.citationId);
    for (const o of new Set(c.organizationIds)) addToList(namedOn, o, c.citationId);
  }

  // Each organization's support lists, sorted once and shared by every link that cites them: a
  // prolific author has hundreds of citations naming the same organizations, and copying and
  // sorting the list per (citation, organization) made this quadratic (0.9 s on one ingest).
  const sortedOnce = memoizeLists();
  const out: InferredLink[] = [];
  const sorted = [...citations].sort((a, b) => byId(a.citationId, b.citationId));
  for (const c of sorted) {
    if (c.explicitOrganizationIds.length > 0) continue;
    const orgs = [...new Set(c.organizationIds)].sort(byId);
    if (orgs.length === 0) continue;
    const addresses = c.addressOrganizationIds?.filter((a) => a.length > 0) ?? orgs.map((o) => [o]);
    const oneAddress = new Set(addresses.map((a) => [...new Set(a)].sort(byId).join('\u0001'))).size === 1;
    const first = new Set(addresses[0] ?? []);
    for (const o of orgs) {
      // `c` has no explicit organizations (skipped above), so every explicit citation is elsewhere.
      const elsewhere = sortedOnce(`e${o}`, explicitAt.get(o));
      const named = sortedOnce(`n${o}`, namedOn.get(o));
      let link: InferredLink;
      if (elsewhere.length > 0) {
        link = rule(c, o, 'EXPLICIT_ELSEWHERE', RULE_CONFIDENCE.EXPLICIT_ELSEWHERE, elsewhere);
      } else if (orgs.length === 1) {
        link = rule(c, o, 'ONLY_ORGANIZATION', RULE_CONFIDENCE.ONLY_ORGANIZATION, [c.citationId]);
      } else if (oneAddress) {
        link = rule(c, o, 'ONLY_ADDRESS', RULE_CONFIDENCE.ONLY_ADDRESS, [c.citationId]);
      } else if (c.authorPosition === 0 && first.has(o)) {
        link = rule(c, o, 'FIRST_ADDRESS', RULE_CONFIDENCE.FIRST_ADDRESS, [c.citationId]);
      } else if (named.length >= 2) {
        link = rule(c, o, 'REPEATED', RULE_CONFIDENCE.REPEATED, named);
      } else {
        // One of k: a chance of about 1/k, kept below the threshold.
        link = rule(c, o, 'CO_LISTED', round(Math.min(0.5, 1 / orgs.length)), [c.citationId]);
      }
      out.push(link);
    }
  }
  return out;
}

/** Sorted, de-duplicated copies of lists, made once per key. */
function memoizeLists(): (key: string, list: readonly string[] | undefined) => readonly string[] {
  const done = new Map<string, readonly string[]>();
  return (key, list) => {
    let out = done.get(key);
    if (!out) {
      out = [...new Set(list ?? [])].sort(byId);
      done.set(key, out);
    }
    return out;
  };
}

function round(x: number): number {
  return Math.round(x * 100) / 100;
}

function rule(
  c: AuthorCitation,
  organizationId: string,
  name: LinkRule,
  confidence: number,
  /** Sorted and de-duplicated; shared between links, never copied. */
  support: readonly string[],
): InferredLink {
  return { citationId: c.citationId, organizationId, rule: name, confidence, supportingCitationIds: support };
}
