import { foldOnce } from '../ris/normalize.ts';

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
  // Titles seldom repeat: not worth a place in the fold memo.
  const fa = a ? foldOnce(a) : '';
  const fb = b ? foldOnce(b) : '';
  if (!fa || !fb) return false;
  if (fa.startsWith(fb) || fb.startsWith(fa)) return false;
  const ta = titleTokens(fa);
  const tb = titleTokens(fb);
  let common = 0;
  for (const t of ta) if (tb.has(t)) common++;
  const union = ta.size + tb.size - common;
  return union > 0 && common / union < TITLE_JACCARD_MIN;
}
