/**
 * Personal and corporate names from RIS author tags. RIS asks for `Last, First, Suffix`, but
 * exporters write `Last,First` (flattened records), `Last, F.M.`, `Sampson, SD` (Web of Science),
 * `C. Munteanu` (IEEE, given name first), `Wang X` (Vancouver), corporate names, and several
 * names in one line joined by `;`. Zotero splits at the first comma and treats a comma-less name
 * as institutional; citation-js treats one comma-less word as a family name. We go further only
 * where the string clearly looks like a person.
 */

import type { MappedName } from '../citation/types.ts';

const EMPTY: MappedName = { family: null, given: null, suffix: null, literal: null };

// `；` (full-width) and `؛` (Arabic) join names like `;` in CJK and Arabic exports.
const LIST_SPLIT = /\s*[;\n；؛]\s*/;

const ET_AL = /^(?:et\.?\s*al\.?|and others|u\.\s?a\.)$/i;
// One element of a comma-joined list: `Abrutzky R` (Vancouver), `EC Rada` / `M. Ragazzi` (given
// initials first). Both have a space, which `Last, First` parts of a single name usually lack.
const VANCOUVER_ITEM = /^[\p{L}'’-]+(?: [\p{L}'’-]+)* \p{Lu}{1,4}$/u;
const INITIALS_FIRST_ITEM = /^(?:\p{Lu}\.?\s?){1,3} [\p{L}'’-]+(?: [\p{L}'’-]+)*$/u;
const SINGLE_WORD_ITEM =
  /^(?:(?:van|von|de|der|den|del|della|di|da|du|la|le|ter|ten|Van|Von|De|Der|Den|Del|Della|Di|Da|Du|La|Le|Ter|Ten) )*\p{Lu}[\p{L}'’-]+$/u;

/**
 * A comma-joined author list in one value (`Abrutzky R, Alahmad B, …`, `M Ragazzi, S Fedrizzi,
 * EC Rada`, or bare family names `Amre, Barnes, Bergeron, Braun`) — never a single `Last, First`
 * or `Last, First, Jr.`: two or more Vancouver parts, at least three initials-first parts, or at
 * least four one-word parts.
 */
function commaList(t: string): string[] | null {
  const parts = t.split(',').map((p) => p.trim());
  if (parts.some((p) => !p)) return null;
  // Two Vancouver names (`Abrutzky R, Alahmad B`): a single `Last, First` never has initials
  // after a space in its first part.
  if (parts.length === 2 && parts.every((p) => VANCOUVER_ITEM.test(p))) return parts;
  if (parts.length < 3) return null;
  if (parts.every((p) => VANCOUVER_ITEM.test(p)) || parts.every((p) => INITIALS_FIRST_ITEM.test(p)))
    return parts;
  if (parts.length >= 4 && parts.every((p) => SINGLE_WORD_ITEM.test(p))) return parts;
  return null;
}

/**
 * The names of one author tag value: split on `;`, on continuation line breaks, and — for
 * comma-joined lists that cannot be one name — on commas. `et al.` is dropped.
 */
export function splitNameList(value: string): string[] {
  const out: string[] = [];
  for (const part of value.split(LIST_SPLIT)) {
    const t = part.trim().replace(/\s+/g, ' ');
    if (!t || /^[\s.,;:-]*$/.test(t) || ET_AL.test(t)) continue;
    const list = t.includes(',') ? commaList(t) : null;
    if (list) {
      for (const n of list) if (!ET_AL.test(n)) out.push(n);
    } else out.push(t);
  }
  return out;
}

// Words that only occur in names of bodies, not people (matched case-insensitively, whole word).
const ORG_WORDS = new Set(
  (
    'group groups consortium consortia organization organisation organizations institute institut ' +
    'instituto istituto committee society association university universidad universite universität ' +
    'universitat università universita collaboration collaborative collaborators network team council ' +
    'agency ministry department dept centre center foundation board commission office company ' +
    'corporation corp inc ltd llc gmbh trust federation alliance project investigators panel services ' +
    'administration bureau programme program initiative partnership hospital college school ' +
    'laboratory laboratories authority union academy registry working taskforce force party ' +
    'writing secretariat division unit government national international library press publishers ' +
    'publishing museum archives clinic'
  ).split(' '),
);

// Family-name particles that stay lower-case inside a person's name.
const PARTICLES = new Set(
  "van von der den de del della delle dei degli di da das dos do du la le les lo ter ten te bin ibn bint al el y zu vom zur d' l' st st. saint mac".split(
    ' ',
  ),
);

// Suffixes RIS puts after the second comma. `JR` all caps is left out: in `Smith JR` it is initials.
const SUFFIX = /^(?:Jr\.?|Sr\.?|jr\.?|sr\.?|II|III|IV|V|VI|2nd|3rd|4th|Esq\.?|Junior|Senior)$/;

const HAS_LATIN = /\p{Script=Latin}/u;
const HAS_DIGIT = /\d/;
const WORD_SPLIT = /\s+/;
const CAPITALISED = /^\p{Lu}/u;
const INITIALS_TOKEN = /^(?:\p{Lu}\.?-?)+$/u;
// `Wang X`, `Smith JA`, and Embase's dotted `Liu R.`, `Adler D.G.`, `Lee S-H`, `Иванов И.И.`.
const DOTTED_INITIALS_LAST = /^(\p{Lu}\p{Ll}+(?:-\p{Lu}\p{Ll}+)?) ((?:\p{Lu}\.-?){1,3})$/u;
const VANCOUVER_INITIALS = /^(?:\p{Lu}\.?-?){1,3}$/u;

function words(s: string): string[] {
  return s.split(WORD_SPLIT).filter((w) => w.length > 0);
}

function orgWordCount(ws: readonly string[]): number {
  let n = 0;
  for (const w of ws) if (ORG_WORDS.has(w.toLowerCase().replace(/[^\p{L}]/gu, ''))) n++;
  return n;
}

function literal(raw: string): MappedName {
  return { family: null, given: null, suffix: null, literal: raw };
}

function person(family: string | null, given: string | null, suffix: string | null): MappedName {
  return { family: family || null, given: given || null, suffix: suffix || null, literal: null };
}

/**
 * One name. Returns all-null fields for an empty string (callers skip those).
 */
export function parseName(raw: string): MappedName {
  const s = raw.trim().replace(/\s+/g, ' ');
  if (!s || /^[\s.,;:-]*$/.test(s)) return { ...EMPTY };
  const ws = words(s);
  // A leading article never starts a person's name: `The COVID-19 Study Group`.
  if (/^the$/i.test(ws[0] as string) && ws.length > 1) return literal(s);
  if (s.includes(',')) return parseCommaName(s, ws);
  return parseBareName(s, ws);
}

function parseCommaName(s: string, ws: readonly string[]): MappedName {
  const parts = s.split(',').map((p) => p.trim());
  // An organisation word in a multi-word part (`University of California, Davis`) or a long
  // string with one is a body; a lone `Council, John` or `Service, R.` is a surname.
  const orgs = orgWordCount(ws);
  if (orgs > 0 && (parts.some((p) => words(p).length > 1 && orgWordCount(words(p)) > 0) || ws.length >= 4)) {
    return literal(s);
  }
  if (parts.length > 4) return literal(s);
  let family = parts[0] as string;
  let suffix: string | null = null;
  // `Raymond 3rd, Delbert M.`, `Walker Jr., Harold`: the suffix written after the family name.
  const familyWords = words(family);
  const trailing = familyWords[familyWords.length - 1] as string;
  if (familyWords.length >= 2 && trailing !== 'V' && SUFFIX.test(trailing)) {
    suffix = trailing;
    family = familyWords.slice(0, -1).join(' ');
  }
  // Zotero reads `Family, Given` as a person whatever the family part holds (`Name1, Author`);
  // digits anywhere else, or in a family part of several words (`Study 329, Investigators`), are
  // not a person's.
  if (
    HAS_DIGIT.test(s) &&
    (parts.length !== 2 || HAS_DIGIT.test(parts[1] as string) || words(family).length > 1 || orgs > 0)
  )
    return literal(s);
  if (!family) {
    // `, John` — a family name lost on the way; keep what is there as the given name.
    return person(null, parts.slice(1).filter(Boolean).join(', '), null);
  }
  let rest = parts.slice(1).filter((p) => p.length > 0);
  // `Last, First, Jr.` (RIS order) and `Last, Jr., First` (CSL/BibTeX order).
  if (!suffix && rest.length >= 2 && SUFFIX.test(rest[rest.length - 1] as string)) {
    suffix = rest[rest.length - 1] as string;
    rest = rest.slice(0, -1);
  } else if (!suffix && rest.length >= 2 && SUFFIX.test(rest[0] as string)) {
    suffix = rest[0] as string;
    rest = rest.slice(1);
  }
  return person(family, rest.join(', ') || null, suffix);
}

// `d'Alembert`, `de'Donato`, `dell'Acqua`: an elided particle glued to a capitalised name.
const ELIDED_PARTICLE = /^(?:d|l|de|dell|degli|all)['’](?=\p{Lu})/iu;

function isPersonWord(w: string): boolean {
  return CAPITALISED.test(w) || PARTICLES.has(w.toLowerCase()) || ELIDED_PARTICLE.test(w);
}

function parseBareName(s: string, ws: string[]): MappedName {
  // Scripts without Latin letters (`王小华`, `김철수`): no reliable family/given order without a
  // comma, so the name is kept whole.
  if (!HAS_LATIN.test(s)) {
    // Except a cased script's family name with dotted initials (`Иванов И.И.`, `Παπαδόπουλος Γ.`).
    const m = DOTTED_INITIALS_LAST.exec(s);
    return m ? person(m[1] as string, m[2] as string, null) : literal(s);
  }
  if (HAS_DIGIT.test(s) || orgWordCount(ws) > 0) return literal(s);
  if (ws.length === 1) {
    // One word: a family name (citation-js), except acronyms like WHO, UNESCO, NASA.
    return /^\p{Lu}{3,}$/u.test(s) ? literal(s) : person(s, null, null);
  }
  let suffix: string | null = null;
  let body = ws;
  if (SUFFIX.test(body[body.length - 1] as string) && body.length > 2) {
    suffix = body[body.length - 1] as string;
    body = body.slice(0, -1);
  }
  body = body.map((w) => w.replace(/,$/, ''));
  if (body.length < 2 || body.length > 4 || !body.every(isPersonWord)) return literal(s);
  const last = body[body.length - 1] as string;
  const first = body[0] as string;
  // A leading particle means the whole string is a family name: `de la Cruz`, `van Gogh`.
  if (PARTICLES.has(first.toLowerCase()) && !CAPITALISED.test(first))
    return person(body.join(' '), null, suffix);
  // Vancouver / PubMed `Wang X`, `Smith JA`: family first, capital initials last.
  if (VANCOUVER_INITIALS.test(last) && !INITIALS_TOKEN.test(first)) {
    return person(body.slice(0, -1).join(' '), last, suffix);
  }
  // Given name(s) first: the family name is the last word plus the particles before it
  // (`Jan van der Berg`, `Maria de la Cruz`), but a name never consists of particles only.
  let cut = body.length - 1;
  while (cut > 1 && PARTICLES.has((body[cut - 1] as string).toLowerCase())) cut--;
  return person(body.slice(cut).join(' '), body.slice(0, cut).join(' '), suffix);
}
