/**
 * Every organization link of a set of authors, from rows describing their citations: the explicit
 * links the records state plus the rules of ./infer.ts. Pure (no database), so it runs on the
 * calling thread for small sets and in the ingest worker thread for large ones (an ingest's end
 * recomputes every author it touched, and on the event loop that held reads back).
 */
import { inferAuthorLinks } from './infer.ts';
import type { AuthorCitation } from './types.ts';

/** Supporting citations kept per link (the lowest ids). */
export const MAX_SUPPORTING = 10;

/** The rule of an explicit link whose record did not say how it linked (rows from before rules). */
export const EXPLICIT_RULE_UNKNOWN = 'explicit';

/** One citation of one author. */
export interface CitationRow {
  author_id: number;
  citation_id: number;
  year: number | null;
  author_count: number;
  /** 0-based among the citation's authors; null when credited in another role only (an editor). */
  author_position: number | null;
  /** Organization ids per address, in the record's order: `1,2;3`. */
  addresses: string;
}

/** One explicit (author, citation, organization) statement of a record. */
export interface ExplicitRow {
  author_id: number;
  citation_id: number;
  organization_id: number;
  unit_id: number | null;
  rule: string | null;
}

export interface LinkInput {
  authorIds: readonly number[];
  citations: readonly CitationRow[];
  explicit: readonly ExplicitRow[];
  /** Pairs a curator rejected: never written. */
  rejected: ReadonlyArray<{ author_id: number; organization_id: number }>;
}

/** One author_organizations row, named as the table's columns. */
export interface LinkRecord {
  author_id: number;
  organization_id: number;
  evidence: 'EXPLICIT' | 'INFERRED';
  rules: string[];
  confidence: number;
  citation_ids: number[];
  supporting_citation_ids: number[];
  unit_ids: number[];
  first_year: number | null;
  last_year: number | null;
  citation_count: number;
}

interface Pair {
  explicit: boolean;
  rules: Set<string>;
  confidence: number;
  citations: Set<number>;
  supporting: Set<number>;
  /** Unit id → number of explicit addresses naming it. */
  units: Map<number, number>;
}

function groupByAuthor<T extends { author_id: number }>(rows: readonly T[]): Map<number, T[]> {
  const by = new Map<number, T[]>();
  for (const r of rows) {
    const list = by.get(r.author_id);
    if (list) list.push(r);
    else by.set(r.author_id, [r]);
  }
  return by;
}

/** The links of every author in `input.authorIds`, in author order. */
export function authorLinks(input: LinkInput): LinkRecord[] {
  const rejected = new Set(input.rejected.map((r) => `${r.author_id}:${r.organization_id}`));
  const explicitBy = groupByAuthor(input.explicit);
  const citationsBy = groupByAuthor(input.citations);
  const links: LinkRecord[] = [];
  for (const authorId of input.authorIds) {
    links.push(
      ...linksOf(authorId, citationsBy.get(authorId) ?? [], explicitBy.get(authorId) ?? [], rejected),
    );
  }
  return links;
}

function linksOf(
  authorId: number,
  mine: readonly CitationRow[],
  explicit: readonly ExplicitRow[],
  rejected: ReadonlySet<string>,
): LinkRecord[] {
  const yearOf = new Map(mine.map((c) => [c.citation_id, c.year]));
  const pairs = new Map<number, Pair>();
  const pair = (organizationId: number): Pair | null => {
    if (rejected.has(`${authorId}:${organizationId}`)) return null;
    let p = pairs.get(organizationId);
    if (!p) {
      p = {
        explicit: false,
        rules: new Set(),
        confidence: 0,
        citations: new Set(),
        supporting: new Set(),
        units: new Map(),
      };
      pairs.set(organizationId, p);
    }
    return p;
  };
  const explicitKeys = new Set(explicit.map((e) => `${e.citation_id}:${e.organization_id}`));
  for (const e of explicit) {
    const p = pair(e.organization_id);
    if (!p) continue;
    p.explicit = true;
    p.rules.add(e.rule ?? EXPLICIT_RULE_UNKNOWN);
    p.confidence = 1;
    p.citations.add(e.citation_id);
    p.supporting.add(e.citation_id);
    if (e.unit_id !== null) p.units.set(e.unit_id, (p.units.get(e.unit_id) ?? 0) + 1);
  }
  const explicitOf = new Map<number, string[]>();
  for (const e of explicit) {
    const list = explicitOf.get(e.citation_id) ?? [];
    list.push(String(e.organization_id));
    explicitOf.set(e.citation_id, list);
  }
  const input: AuthorCitation[] = mine.map((c) => {
    const addresses = c.addresses === '' ? [] : c.addresses.split(';').map((a) => a.split(','));
    return {
      citationId: String(c.citation_id),
      year: c.year,
      authorCount: c.author_count,
      organizationIds: [...new Set(addresses.flat())],
      explicitOrganizationIds: explicitOf.get(c.citation_id) ?? [],
      // Which address is the record's first, and one address naming two bodies from two addresses.
      addressOrganizationIds: addresses,
      authorPosition: c.author_position === null ? undefined : Number(c.author_position),
    };
  });
  if (input.some((c) => c.organizationIds.length > 0)) {
    // Links to one organization share its support lists: each list is read once.
    const seen = new Set<readonly string[]>();
    for (const link of inferAuthorLinks(input)) {
      // Inferred links never override explicit ones, and a rejected pair stays rejected.
      if (explicitKeys.has(`${link.citationId}:${link.organizationId}`)) continue;
      const p = pair(Number(link.organizationId));
      if (!p) continue;
      p.rules.add(link.rule);
      p.confidence = Math.max(p.confidence, link.confidence);
      p.citations.add(Number(link.citationId));
      if (!seen.has(link.supportingCitationIds)) {
        seen.add(link.supportingCitationIds);
        for (const id of link.supportingCitationIds) p.supporting.add(Number(id));
      }
    }
  }
  const links: LinkRecord[] = [];
  for (const [organizationId, p] of pairs) {
    const citationIds = [...p.citations].sort((a, b) => a - b);
    let first: number | null = null;
    let last: number | null = null;
    for (const id of citationIds) {
      const y = yearOf.get(id);
      if (typeof y !== 'number') continue;
      if (first === null || y < first) first = y;
      if (last === null || y > last) last = y;
    }
    links.push({
      author_id: authorId,
      organization_id: organizationId,
      evidence: p.explicit ? 'EXPLICIT' : 'INFERRED',
      rules: [...p.rules].sort(),
      confidence: p.confidence,
      citation_ids: citationIds,
      // The first few say why; an organization named on hundreds of an author's records would
      // otherwise list them all on every link.
      supporting_citation_ids: [...p.supporting].sort((a, b) => a - b).slice(0, MAX_SUPPORTING),
      unit_ids: [...p.units].sort((a, b) => b[1] - a[1] || a[0] - b[0]).map(([id]) => id),
      first_year: first,
      last_year: last,
      citation_count: citationIds.length,
    });
  }
  return links;
}
