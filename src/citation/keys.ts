/**
 * Dedup keys: what makes two records one citation, two names one author, two spellings one
 * affiliation or keyword. Every key here must stay stable: changing one changes which stored rows
 * the database treats as equal (unique indexes hold them).
 *
 * Pure: no database client, no GraphQL. Text folding and DOI normalisation are the readers' own
 * normalisers (src/ris/normalize.ts), so a key compares values exactly as they were read.
 */

import { createHash } from 'node:crypto';
import { foldOnce, foldText, normalizeDoi } from '../ris/normalize.ts';
import type { MappedContributor, MappedName } from './types.ts';

const GIVEN_SPLIT = /[\s.\-‐‑]+/;
const ALL_CAPS_SHORT = /^\p{Lu}{1,3}$/u;

/**
 * Given name reduced for keys. Initials are written `F.M.`, `F. M.`, `F M`, or — Web of Science,
 * Vancouver style — `FM`; all become `fm`. A run of up to three capitals counts as initials (WoS
 * `Sampson, SD`); a real name like `Li` or `XiaoHua` is not all caps. Initials are never merged
 * with full names: `Wang, X.` and `Wang, Xiaohua` may well be different people.
 */
function givenKey(given: string): string {
  const parts = given.split(GIVEN_SPLIT).filter((p) => p.length > 0);
  if (parts.length === 0) return '';
  if (parts.every((p) => [...p].length === 1)) return foldText(parts.join(''));
  if (parts.length === 1 && ALL_CAPS_SHORT.test(parts[0] as string)) return foldText(parts[0] as string);
  return foldText(given);
}

/**
 * Identity key of a person or corporate name, case- and diacritic-insensitive. The suffix is left
 * out on purpose: exports drop `Jr.` often enough that keeping it would split one author in two.
 */
export function authorKey(name: MappedName): string {
  if (name.literal) return boundKey(`lit:${foldText(name.literal)}`);
  return boundKey(`${foldText(name.family ?? '')}|${givenKey(name.given ?? '')}`);
}

export function affiliationKey(name: string): string {
  return boundKey(foldText(name));
}

export function keywordKey(term: string): string {
  // Folding drops punctuation, which would make `C++`, `C#` and `C` one keyword; and a term of
  // symbols only (an emoji) would fold to nothing and be lost.
  const spelled = /[+#]/.test(term) ? term.replace(/\+/g, ' plus ').replace(/#/g, ' sharp ') : term;
  return boundKey(foldText(spelled) || term.trim().toLowerCase());
}

// PostgreSQL caps a B-tree index entry at 2,704 bytes; keys under this stay exactly as they were.
const MAX_KEY_BYTES = 2600;
const KEPT_KEY_CHARS = 400;

/**
 * Keys are stored in unique B-tree indexes, so one 3,000-character title or keyword would fail the
 * whole ingest. A key too long for an index entry keeps its first 400 characters (at most 1,200
 * bytes) and a hash of the whole, so it stays unique and stable. Every key short enough to have
 * been stored before is left unchanged.
 */
export function boundKey(key: string): string {
  // At most 3 UTF-8 bytes per UTF-16 unit, so short keys skip the byte count.
  if (key.length * 3 <= MAX_KEY_BYTES || Buffer.byteLength(key) <= MAX_KEY_BYTES) return key;
  const digest = createHash('sha256').update(key).digest('hex').slice(0, 32);
  // Never cut between the two halves of a surrogate pair.
  const end = /[\uD800-\uDBFF]/.test(key.charAt(KEPT_KEY_CHARS - 1)) ? KEPT_KEY_CHARS - 1 : KEPT_KEY_CHARS;
  return `${key.slice(0, end)}#${digest}`;
}

/** Title + year + first author's family name, for finding the same work across imports. */
export function citationFingerprint(c: {
  title: string | null;
  year: number | null;
  contributors: ReadonlyArray<Pick<MappedContributor, 'role' | 'name'>>;
}): string | null {
  if (!c.title) return null;
  const title = foldOnce(c.title);
  if (!title) return null;
  const first = c.contributors.find((x) => x.role === 'author') ?? c.contributors[0];
  const who = first ? foldText(first.name.literal ?? first.name.family ?? '') : '';
  return boundKey(`${title}|${c.year ?? ''}|${who}`);
}

/** A raw tag's value as dedup compares it: the DOI in its normal form, any other value folded. */
export function rawValueKey(t: { tag: string; value: string }): string {
  return (t.tag === 'DO' ? normalizeDoi(t.value) : null) ?? foldText(t.value);
}

/** A raw tag as dedup compares it: its tag and `rawValueKey`. */
export function rawTagKey(t: { tag: string; value: string }): string {
  return `${t.tag}\u0000${rawValueKey(t)}`;
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
