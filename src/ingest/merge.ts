import { CITATION_LIST_FIELDS, CITATION_SCALAR_FIELDS } from '../citation/fields.ts';
import { rawTagKey, rawValueKey } from '../citation/keys.ts';
import type { NewCitation } from '../db/schema.ts';

/** Columns compared and filled when a known citation arrives again. */
export const MERGEABLE_SCALARS = CITATION_SCALAR_FIELDS;

export const MERGEABLE_LISTS = CITATION_LIST_FIELDS;

type Scalar = (typeof MERGEABLE_SCALARS)[number];
type List = (typeof MERGEABLE_LISTS)[number];
export type Comparable = Pick<NewCitation, Scalar> &
  Record<List, string[]> & {
    rawTags: Array<{ tag: string; value: string }>;
    /** Fields a curator cleared on the stored citation (absent on incoming records). */
    clearedFields?: string[];
  };

const PRECISION_RANK: Record<string, number> = { year: 1, month: 2, day: 3 };

/**
 * Fills what the stored citation lacks from the incoming version. A value already stored is never
 * overwritten by a different one (corrections are a curation act, not a side effect of re-importing
 * another exporter's copy), except that a date gains precision and a generic type gains a real one.
 * Returns only the changed columns; an empty object means "unchanged".
 */
export function mergeCitation(existing: Comparable, incoming: Comparable): Partial<Comparable> {
  const patch: Partial<Record<string, unknown>> = {};
  // A field a curator cleared is empty on purpose; the next copy of the record must not refill it.
  const cleared = new Set(existing.clearedFields ?? []);
  if (cleared.has('date')) cleared.add('datePrecision');
  for (const key of MERGEABLE_SCALARS) {
    if (cleared.has(key)) continue;
    const have = existing[key];
    const next = incoming[key];
    if (
      (have === null || have === undefined || have === '') &&
      next !== null &&
      next !== undefined &&
      next !== ''
    ) {
      patch[key] = next;
    }
  }
  if (
    !cleared.has('date') &&
    incoming.date &&
    existing.date &&
    incoming.date !== existing.date &&
    incoming.date.startsWith(existing.date) &&
    (PRECISION_RANK[incoming.datePrecision ?? ''] ?? 0) > (PRECISION_RANK[existing.datePrecision ?? ''] ?? 0)
  ) {
    patch.date = incoming.date;
    patch.datePrecision = incoming.datePrecision;
  }
  if (existing.risType === 'GEN' && incoming.risType && incoming.risType !== 'GEN')
    patch.risType = incoming.risType;
  for (const key of MERGEABLE_LISTS) {
    const merged = unionStrings(existing[key], incoming[key]);
    if (merged.length !== existing[key].length) patch[key] = merged;
  }
  // A tag is new information only when its value differs beyond spelling: `SMITH, John` beside
  // `Smith, John`, or a DOI as a link beside the bare DOI, is the same record copied by another tool.
  // Nor is a value the stored record already holds under another tag: tools name the same field
  // differently (JO or T2 for a journal, A2 or ED for an editor; bibgraph's own exports write
  // one canonical tag), and the fields and people those tags feed are compared above and by role.
  const seen = new Set(existing.rawTags.map(rawTagKey));
  const seenValues = new Set(existing.rawTags.map(rawValueKey));
  const extraTags = incoming.rawTags.filter(
    (t) => !seen.has(rawTagKey(t)) && !seenValues.has(rawValueKey(t)),
  );
  if (extraTags.length > 0) patch.rawTags = [...existing.rawTags, ...extraTags];
  return patch as Partial<Comparable>;
}

function unionStrings(a: string[], b: string[]): string[] {
  const keys = new Set(a.map((s) => s.toLowerCase()));
  const out = [...a];
  for (const s of b) {
    const k = s.toLowerCase();
    if (!keys.has(k)) {
      keys.add(k);
      out.push(s);
    }
  }
  return out;
}
