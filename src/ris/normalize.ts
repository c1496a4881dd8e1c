/**
 * Normalisers of values as read: text folding, DOIs, ISSNs/ISBNs, broken UTF-16. Shared by the
 * readers, the dedup keys built on them (src/citation/keys.ts) and the exporters; a change here
 * changes which stored rows the database treats as equal.
 */

import type { MappedName } from '../citation/types.ts';
import { memoize } from '../memo.ts';

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

/**
 * `foldText` without the memo, for text that seldom repeats: titles. Each record's title is its
 * own, so remembering it only evicts the names, keywords and addresses that do repeat, and kept
 * the last 100,000 titles of a large file alive (~35 MB of the parsing worker's heap at 100k
 * records, which V8 lets grow to several times its live size before it collects).
 */
export function foldOnce(s: string): string {
  return foldUncached(s);
}

/** Whether the fold memo holds `s` (tests: what it remembers is what an ingest keeps alive). */
export function foldRemembers(s: string): boolean {
  return foldCached.has(s);
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
