/**
 * Normalisers shared by the RIS mapper and the ingestion service's deduplication. Every key
 * function here must stay stable: changing one changes which rows the database treats as equal.
 */

import { createHash } from 'node:crypto';
import { memoize } from '../memo.ts';
import type { MappedContributor, MappedName } from './types.js';

// Resolver prefixes seen in DO/UR/L3 (Ovid writes DO as a URL, EBSCO puts the DOI in L3, old
// CrossRef links use dx.doi.org, some exports add `www.`), and the `doi:` / `DOI ` labels.
const DOI_PREFIX = /^(?:(?:https?:\/\/)?(?:dx\.|www\.)?doi\.org\/|doi\s*[:=]\s*|doi\s+(?=10\.))/i;
// Real DOIs are far shorter; the cap keeps a runaway value out of the unique index.
const DOI_VALID = /^10\.\d{4,9}\/\S{1,300}$/;
const TRAILING_PUNCT = /[.,;:'"\]}>]+$/;
const WHITESPACE = /\s+/g;

/**
 * A DOI in any written form (`https://doi.org/10.1/X`, `doi: 10.1/x`, `10.1/X.`) as a lowercase
 * bare DOI, or null when what is left is not `10.<registrant>/<suffix>`. DOIs are case-insensitive
 * (DOI Handbook §2.4), so lowercase is the canonical form for comparison.
 */
export function normalizeDoi(input: string): string | null {
  let s = input.trim();
  // Repeated because Ovid exports `https://doi.org/doi:10…` and users paste `doi: https://…`.
  for (let i = 0; i < 3; i++) {
    const next = s.replace(DOI_PREFIX, '').trim();
    if (next === s) break;
    s = next;
  }
  if (s.includes('%')) {
    try {
      s = decodeURIComponent(s);
    } catch {
      // Not percent-encoding after all (a literal `%` in a SICI-style DOI): keep it.
    }
  }
  s = s.replace(WHITESPACE, '').replace(TRAILING_PUNCT, '');
  // A closing parenthesis is part of SICI DOIs (`…(199707)36:1<1::AID-JBM1>3.0.CO;2-A`) but also
  // what wraps a DOI in prose: drop it only when unbalanced.
  while (s.endsWith(')') && count(s, ')') > count(s, '(')) s = s.slice(0, -1).replace(TRAILING_PUNCT, '');
  s = s.toLowerCase();
  return DOI_VALID.test(s) ? s : null;
}

function count(s: string, ch: string): number {
  let n = 0;
  for (let i = s.indexOf(ch); i !== -1; i = s.indexOf(ch, i + 1)) n++;
  return n;
}

// Letters NFKD does not decompose into base + combining mark.
const FOLD_SPECIAL: Readonly<Record<string, string>> = {
  ß: 'ss',
  ẞ: 'ss',
  ø: 'o',
  Ø: 'o',
  æ: 'ae',
  Æ: 'ae',
  œ: 'oe',
  Œ: 'oe',
  ł: 'l',
  Ł: 'l',
  đ: 'd',
  Đ: 'd',
  ð: 'd',
  Ð: 'd',
  þ: 'th',
  Þ: 'th',
  ı: 'i',
  ħ: 'h',
  Ħ: 'h',
};
const FOLD_SPECIAL_RE = /[ßẞøØæÆœŒłŁđĐðÐþÞıħĦ]/g;
const COMBINING = /\p{M}+/gu;
const NON_WORD = /[^\p{L}\p{N}]+/gu;

const NON_ASCII = /[\u0080-\uffff]/;
const ASCII_NON_WORD = /[^a-z0-9]+/g;

// Names, journals, keywords and addresses repeat across a file; folding each once pays off.
const foldCached = memoize((s) => foldUncached(s), 100_000);

/**
 * Text folded for comparison: compatibility-decomposed, accents and case removed, ß→ss, ø→o,
 * æ→ae, ł→l, every run of punctuation/whitespace → one space, trimmed.
 */
export function foldText(s: string): string {
  return s.length > 200 ? foldUncached(s) : foldCached(s);
}

function foldUncached(s: string): string {
  // Most keys are plain ASCII; NFKD and the Unicode classes are the slow part of ingestion, and
  // for ASCII they change nothing that the cheap path does not do too.
  if (!NON_ASCII.test(s)) return s.toLowerCase().replace(ASCII_NON_WORD, ' ').trim();
  return s
    .normalize('NFKD')
    .replace(COMBINING, '')
    .replace(FOLD_SPECIAL_RE, (c) => FOLD_SPECIAL[c] ?? c)
    .toLowerCase()
    .replace(NON_WORD, ' ')
    .trim();
}

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
  const title = foldText(c.title);
  if (!title) return null;
  const first = c.contributors.find((x) => x.role === 'author') ?? c.contributors[0];
  const who = first ? foldText(first.name.literal ?? first.name.family ?? '') : '';
  return boundKey(`${title}|${c.year ?? ''}|${who}`);
}

/** `Given Family Suffix` (`Jan van der Berg Jr.`); corporate names as written. */
export function displayName(name: MappedName): string {
  if (name.literal) return name.literal;
  return [name.given, name.family, name.suffix].filter((p): p is string => !!p).join(' ');
}

// ---------------------------------------------------------------------------------------------
// Standard numbers. Exporters and the mapper share these so ISSN/ISBN values compare equal.

/** ISSN check digit (ISO 3297: weights 8…2, mod 11, 10 → X). `digits` = 8 chars, no hyphen. */
export function isValidIssn(digits: string): boolean {
  if (!/^\d{7}[\dX]$/.test(digits)) return false;
  let sum = 0;
  for (let i = 0; i < 7; i++) sum += (digits.charCodeAt(i) - 48) * (8 - i);
  const check = (11 - (sum % 11)) % 11;
  return digits[7] === (check === 10 ? 'X' : String(check));
}

/** ISBN-10 (mod 11, weights 10…1) or ISBN-13 (mod 10, weights 1,3) check digit, no hyphens. */
export function isValidIsbn(digits: string): boolean {
  if (/^\d{9}[\dX]$/.test(digits)) {
    let sum = 0;
    for (let i = 0; i < 10; i++) {
      const d = digits[i] === 'X' ? 10 : digits.charCodeAt(i) - 48;
      sum += d * (10 - i);
    }
    return sum % 11 === 0;
  }
  if (/^97[89]\d{10}$/.test(digits)) {
    let sum = 0;
    for (let i = 0; i < 13; i++) sum += (digits.charCodeAt(i) - 48) * (i % 2 === 0 ? 1 : 3);
    return sum % 10 === 0;
  }
  return false;
}

/** `16188667`, `1618-8667`, `1618 866x` → `1618-8667`/`…X` when the check digit holds, else null. */
export function normalizeIssn(input: string): string | null {
  const d = input.replace(/[\s\-‐‑–]/g, '').toUpperCase();
  return isValidIssn(d) ? `${d.slice(0, 4)}-${d.slice(4)}` : null;
}

/** An ISBN-10 or -13 without hyphens (uppercase X), or null when invalid. */
export function normalizeIsbn(input: string): string | null {
  const d = input.replace(/[\s\-‐‑–]/g, '').toUpperCase();
  return isValidIsbn(d) ? d : null;
}

// ---------------------------------------------------------------------------------------------
// Unpaired UTF-16 surrogates. Half a character cannot be written as UTF-8, so PostgreSQL (text and
// jsonb alike) refuses it; JSON strings and WTF-8/CESU-8 files can still carry one.

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/** True when `s` holds half a surrogate pair (a native check; ES2024 is not in the TS lib yet). */
export function hasLoneSurrogate(s: string): boolean {
  return !(s as unknown as { isWellFormed(): boolean }).isWellFormed();
}

/** `s` with every unpaired surrogate replaced by U+FFFD, the replacement character. */
export function replaceLoneSurrogates(s: string): string {
  return hasLoneSurrogate(s) ? s.replace(LONE_SURROGATE, '\ufffd') : s;
}

/** Offsets of the unpaired surrogates in `s`, in order. */
export function loneSurrogateOffsets(s: string): number[] {
  if (!hasLoneSurrogate(s)) return [];
  return [...s.matchAll(LONE_SURROGATE)].map((m) => m.index ?? 0);
}
