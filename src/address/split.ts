/**
 * One affiliation value (RIS `AD`/`C1`, MEDLINE `AD`, …) → the address strings in it. Exporters
 * put several addresses in one value in many ways: one per line (PubMed via EndNote), `;`-joined
 * (Scopus, WoS), WoS `[Names] address; [Names] address`, numbered lines (`1 Department …`), runs
 * whose separators were flattened away (`…, P.R. China Jilin Tuhua …`), `Country and Department …`,
 * and Embase's comma-joined `A. Name, address, Country, B. Name, address, Country`.
 */

import { splitNameList } from '../ris/names.js';
import { countryThenNext, letterKey, lookupCountry, usStateZipCountry } from './countries.js';

export const INSTITUTION_WORD =
  /\b(?:univ\w*|dep(?:t|artment)\w*|hosp\w*|school|sch|coll\w*|inst\w*|cent(?:er|re|r)\w*|ctr|facult\w*|lab\w*|div\w*|unit|clinic\w*|program\w*|company|co|ltd|inc|corp\w*|foundation|academ\w*|ministry|agency|service\w*|research|group|society)\b/i;
const NEW_LINE_CONT = /^[\p{Ll}\d(&,]/u;
// `1 Department of …`, `2) Institute …`: a numbered address list. A number before anything but an
// institution word (`25 Rue du Docteur Roux`, `136000, P.R. China`) stays a wrapped continuation.
const NUMBERED_ADDRESS = new RegExp(`^\\d{1,2}[.)]?\\s+(?=${INSTITUTION_WORD.source})`, 'i');
const LINE_OPEN_END = /(?:[,&-]|\band|\bof|\bfor|\bthe)$/i;
const BRACKET = /^\[([^\]]*)\]\s*(.*)$/s;
const WS_RUN = /\s+/g;

/** One address string cut out of a value, with the names a WoS bracket gave it. */
export interface AddressChunk {
  /** The address text, trimmed, e-mails still in. */
  text: string;
  /** Names from a WoS `[Author; Author] Address` bracket (empty when none). */
  bracketNames: string[];
  /** The number in front of a numbered address line (`1 Department …` → 1), or null. */
  marker: number | null;
}

function oneLine(v: string): string {
  return v.replace(WS_RUN, ' ').trim();
}

function isCityLike(seg: string): boolean {
  const t = seg.trim();
  return t.length > 0 && t.split(' ').length <= 4 && !INSTITUTION_WORD.test(t);
}

// Embase's person prefix inside a comma run: `B. Ye`, `E.-C. Nam`, `M. H. Mendes`, `L.K. Zahr`.
const INITIALS_NAME = /^(?:\p{Lu}\.\s?-?){1,3}\s?\p{Lu}[\p{L}'’-]+(?: \p{Lu}[\p{L}'’-]+)?$/u;

/** The key a name set holds for an author `Family, Given`: family and first initial. */
export function familyInitialKey(family: string, given: string): string {
  return `\u0001${letterKey(family)}|${letterKey(given).charAt(0)}`;
}

// `A.W. Moll van Charante`, `Daniel L. Johnson`: given names (or initials) then a family name.
const WRITTEN_NAME = /^\p{Lu}[\p{L}'’.-]*(?:\s+[\p{L}'’.-]+){1,4}$/u;

/** Could `part` be an author of `names` written given name first? Tries every family/given cut. */
function isWrittenAuthorName(part: string, names: ReadonlySet<string>): boolean {
  if (!WRITTEN_NAME.test(part)) return false;
  const words = part.split(/\s+/);
  // A family name is written out and capitalised (`Moll van Charante`); initials are given names.
  if (!/^\p{Lu}[^.]*$/u.test(words[words.length - 1] as string)) return false;
  for (let i = 1; i < words.length; i++) {
    const family = words.slice(i).join(' ');
    if (!family.includes('.') && names.has(familyInitialKey(family, words[0] as string))) return true;
  }
  return false;
}

/** Is `part` one of the authors in `names` (`Trindade, Ines A.` for `Trindade, Ines A`, or given name first)? */
export function isAuthorName(part: string, names: ReadonlySet<string>): boolean {
  const t = part.trim();
  return names.has(t.toLowerCase().replace(/\.$/, '')) || isWrittenAuthorName(t, names);
}

/**
 * True when a comma part is a person's name in initials form (`M. Edward`), one of `names` as
 * written, or one of their authors written given name first (`Daniel L. Johnson` for `Johnson, D. L.`).
 */
export function isNamePart(part: string, names: ReadonlySet<string> | null): boolean {
  const t = part.trim();
  if (INITIALS_NAME.test(t)) return true;
  return names != null && isAuthorName(t, names);
}

/**
 * Cut a run of addresses that lost its separators after each country: `…, Jilin 136000, P.R.
 * China Jilin Tuhua Bioengineering…`, `…, Greece. 2nd Department …`, `…, USA and Department …`,
 * and Embase's `…, China, M. Xiang, Department …`. A country cut needs a country opening a comma
 * part, followed by a capitalised word, with at least two parts before it and a city-like part
 * just before — so `Dept of X, China Medical University` stays whole.
 */
function splitConcatenated(address: string, names: ReadonlySet<string> | null): string[] {
  if (!address.includes(',')) return [address];
  const out: string[] = [];
  let current: string[] = [];
  const parts = address.split(',');
  for (let i = 0; i < parts.length; i++) {
    const seg = (parts[i] as string).trim();
    const prev = current[current.length - 1];
    // Embase: `…, Shanghai, China, M. Xiang, Department …`: a name right after a country.
    if (
      current.length >= 2 &&
      prev !== undefined &&
      lookupCountry(prev.replace(/\.$/, '')) &&
      isNamePart(seg, names) &&
      i < parts.length - 1
    ) {
      out.push(current.join(', '));
      current = [seg];
      continue;
    }
    const m = current.length >= 2 && isCityLike(prev as string) ? countryThenNext(seg) : null;
    if (m) {
      current.push(m.country);
      out.push(current.join(', '));
      current = [m.rest];
    } else {
      current.push(seg);
    }
  }
  out.push(current.join(', '));
  return out;
}

/** Country from the end of an address: last comma part, or the one before a trailing postcode. */
export function countryOf(address: string): string | null {
  const parts = address.split(',');
  for (let i = parts.length - 1, tried = 0; i >= 0 && tried < 2; i--) {
    const seg = (parts[i] as string).trim().replace(/\.+$/, '');
    const words = seg.split(' ').filter((w) => w && !/\d/.test(w));
    if (words.length === 0) continue; // a bare postcode: look one part further back
    tried++;
    // Whole part first (`Papua New Guinea`), then its last words: WoS ends US and Chinese
    // addresses `Newark, OH 43055 USA`, `Shenyang 110001, Peoples R China` without a comma.
    for (let n = Math.min(words.length, 4); n >= 1; n--) {
      // `Las Cruces, New Mexico` is not Mexico.
      if (n < words.length && words[words.length - n - 1] === 'New') continue;
      const c = lookupCountry(words.slice(words.length - n).join(' '));
      if (c) return c.name;
    }
    if (tried === 1) {
      const us = usStateZipCountry(seg);
      if (us) return us;
    }
  }
  return null;
}

/** Split on `;` outside square brackets (WoS `[A, B.; C, D.] Address; [E, F.] Address`). */
function splitSemicolons(line: string): string[] {
  if (!line.includes(';')) return [line];
  const out: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < line.length; i++) {
    const c = line.charCodeAt(i);
    if (c === 91) depth++;
    else if (c === 93 && depth > 0) depth--;
    else if (c === 59 && depth === 0) {
      out.push(line.slice(start, i));
      start = i + 1;
    }
  }
  out.push(line.slice(start));
  return out;
}

// `E-mail: x@y` and the like must not be read as the start of another address.
const EMAIL_LABELED =
  /\s*\b(?:e-?mail|electronic address|email address|correspondence)\s*:?\s*[\w.+-]+@[\w-]+(?:\.[\w-]+)+/gi;

/**
 * One value → its address strings. Lines are separate addresses unless the next line looks like a
 * wrapped continuation (starts lower-case or with a digit, or the line ends with `,`/`of`/`and`);
 * then `;`-separated parts, then concatenated runs cut after country names. `authorNames` (the
 * record's author names, lower-cased, as written) lets Embase runs be cut at full names too.
 */
export function splitAddressValue(
  value: string,
  authorNames: ReadonlySet<string> | null = null,
): AddressChunk[] {
  const lines: Array<{ text: string; marker: number | null }> = [];
  for (const raw of value.split('\n')) {
    const l = raw.trim();
    if (!l) continue;
    const prev = lines[lines.length - 1];
    const numbered = NUMBERED_ADDRESS.exec(l);
    if (numbered && (prev === undefined || !LINE_OPEN_END.test(prev.text))) {
      lines.push({ text: l.slice(numbered[0].length), marker: Number.parseInt(numbered[0], 10) });
      continue;
    }
    // An `E-mail: …` line belongs to the address before it.
    if (
      prev !== undefined &&
      (NEW_LINE_CONT.test(l) || LINE_OPEN_END.test(prev.text) || /^e-?mail\b/i.test(l))
    )
      prev.text = `${prev.text} ${l}`;
    else lines.push({ text: l, marker: null });
  }
  const out: AddressChunk[] = [];
  for (const line of lines) {
    for (const part of splitSemicolons(line.text)) {
      let text = part.trim();
      let bracketNames: string[] = [];
      const b = BRACKET.exec(text);
      if (b) {
        bracketNames = splitNameList(b[1] as string);
        text = (b[2] as string).trim();
      }
      // `…, USA. E-mail: x@y.edu` must not be cut into an address named `E-mail`: labelled e-mails
      // are masked (a private-use character around their index) while cutting, then put back, so
      // `ParsedAddress.raw` still has them.
      const emails: string[] = [];
      const masked = text.replace(EMAIL_LABELED, (m) => {
        emails.push(m);
        return `\uE000${emails.length - 1}\uE000`;
      });
      for (const piece of splitConcatenated(masked, authorNames)) {
        const restored = oneLine(
          piece.replace(/\uE000(\d+)\uE000/g, (_m, i: string) => emails[Number(i)] ?? ''),
        );
        if (restored.replace(/^[\s.,;:]+|[\s.,;:]+$/g, ''))
          out.push({ text: restored, bracketNames, marker: line.marker });
      }
    }
  }
  return out;
}
