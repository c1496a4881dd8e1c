import { createHash } from 'node:crypto';
import { foldText } from '../ris/normalize.ts';
import { rawTagKey } from './merge.ts';

/*
 * Pure pieces of recognising a known citation. Kept apart from the database code so the rules can be
 * read (and tested) on their own.
 */

/** Below this share of common title words two titles are different works (unless one extends the other). */
export const TITLE_JACCARD_MIN = 0.5;

function titleTokens(folded: string): Set<string> {
  return new Set(folded.split(' ').filter((w) => w.length > 0));
}

/**
 * Whether two titles are clearly different works, as opposed to one work written two ways. Meant to
 * be conservative: a DOI match is only refused when the titles share less than half their words
 * (token Jaccard on folded text) and neither is a prefix of the other (a subtitle added or cut).
 * A missing title, or one that folds to nothing, says nothing and never counts as different.
 */
export function titlesClearlyDiffer(a: string | null | undefined, b: string | null | undefined): boolean {
  const fa = a ? foldText(a) : '';
  const fb = b ? foldText(b) : '';
  if (!fa || !fb) return false;
  if (fa.startsWith(fb) || fb.startsWith(fa)) return false;
  const ta = titleTokens(fa);
  const tb = titleTokens(fb);
  let common = 0;
  for (const t of ta) if (tb.has(t)) common++;
  const union = ta.size + tb.size - common;
  return union > 0 && common / union < TITLE_JACCARD_MIN;
}

/**
 * Identity of a record that has nothing stable to match on (no DOI, no usable title): a hash of its
 * raw tags, each value normalised as dedup compares raw tags (case, accents, punctuation and DOI
 * form ignored). Tags are ordered by name, values within a tag keep their order, so another tool's
 * copy that writes the tags in another order is still the same record while author order counts.
 */
export function rawRecordHash(rawTags: ReadonlyArray<{ tag: string; value: string }>): string {
  const keys = rawTags
    .filter((t) => t.tag !== 'ER' && t.value.trim() !== '')
    .map((t, i) => ({ tag: t.tag, i, key: rawTagKey(t) }));
  keys.sort((x, y) => (x.tag < y.tag ? -1 : x.tag > y.tag ? 1 : x.i - y.i));
  const hash = createHash('sha256');
  for (const k of keys) hash.update(k.key).update('\n');
  return hash.digest('hex');
}
