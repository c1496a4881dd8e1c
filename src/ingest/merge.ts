import { CITATION_LIST_FIELDS, CITATION_SCALAR_FIELDS } from '../citation/fields.ts';
import { rawTagKey, rawValueKey } from '../citation/keys.ts';
import { ALWAYS_MODELLED, saysNothingNew } from '../citation/raw-tags.ts';
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
  const seen = new Set(existing.rawTags.map(rawTagKey));
  const extraTags = incoming.rawTags.filter((t) => !seen.has(rawTagKey(t)));
  if (extraTags.length > 0 && bringNews(extraTags, { ...existing, ...patch } as Comparable)) {
    patch.rawTags = [...existing.rawTags, ...extraTags];
  }
  return patch as Partial<Comparable>;
}

/**
 * Whether any of the raw tags the stored record lacks says anything it does not: not when the
 * model holds it (type, people, keywords and addresses are compared on their own, by role and
 * key), nor when the record already holds its value under another tag or as a modelled value in
 * another form. Tools name and write the same field differently — JO or T2 for a journal, A2 or
 * ED for an editor, `PY 2019/03/15/` or `PY 2019` with `DA 2019/03/15/`, BibTeX's CPAPER for
 * CONF — and bibgraph's own exports write it once, canonically: ingested again, they change nothing.
 */
/** No values written elsewhere: a stored record's are compared by `rawValueKey` above. */
const NO_VALUES: ReadonlySet<string> = new Set();

function bringNews(tags: ReadonlyArray<{ tag: string; value: string }>, stored: Comparable): boolean {
  const candidates = tags.filter((t) => !ALWAYS_MODELLED.has(t.tag));
  if (candidates.length === 0) return false;
  const known = new Set(stored.rawTags.map(rawValueKey));
  for (const key of MERGEABLE_SCALARS) {
    const value = stored[key];
    if (typeof value === 'string') known.add(rawValueKey({ tag: '', value }));
  }
  return candidates.some((t) => !known.has(rawValueKey(t)) && !saysNothingNew(t, stored, NO_VALUES));
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
