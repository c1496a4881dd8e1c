import { ValidationError } from '../errors.ts';

/** Size of a short ranked list (co-authors, an author's keywords, related keywords) when none is asked. */
const DEFAULT_SIZE = 10;
/** The most entries such a list gives. */
const MAX_SIZE = 100;

/** The `first` argument of a short ranked list, as its schema states it. */
export const LIST_SIZE_DESCRIPTION = `How many (default ${DEFAULT_SIZE}, at most ${MAX_SIZE}).`;

const within = (n: number, max: number) => Number.isInteger(n) && n >= 0 && n <= max;

/**
 * The number of entries asked for: the default when none is, and 0 for a size outside 0–`max`,
 * which `checkedListSize` refuses. A field's selection is planned with its parent, before the field
 * runs, so planning never throws: the field's own resolver does, and the error names the field.
 */
export function listSize(first: number | null | undefined, max = MAX_SIZE): number {
  const n = first ?? DEFAULT_SIZE;
  return within(n, max) ? n : 0;
}

/** `listSize`, refusing a size outside 0–`max` (it was cut, or gave an empty list, as if there were none). */
export function checkedListSize(first: number | null | undefined, max = MAX_SIZE): number {
  if (first != null && !within(first, max))
    throw new ValidationError(`first must be between 0 and ${max}, got ${first}`, 'first');
  return listSize(first, max);
}
