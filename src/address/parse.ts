/**
 * Affiliation text → `ParsedAddress`es. Pure and format-neutral: the RIS mapper calls it for `AD`/
 * `C1`, other readers may too. An address is read from both ends:
 *
 * - from the END, the location: country (a country name, `USA`/`Peoples R China`, CJK/Cyrillic
 *   names; else a US state + ZIP), then postcodes, regions, the city, street and PO box parts;
 * - from the START, the bodies: each comma part is ranked — a unit head (`Department of`, `Dept`,
 *   `Division`, `Lab`, `кафедра` …), a weak head (`School of`, `Institute of`, `Centre for` …), an
 *   ambiguous body (`… Institute`, `… Centre`, `… College`), a strong body (university, hospital,
 *   company, ministry, academy …). Strong parts are organizations; without one, the best-ranked part
 *   is. Every other part is a unit of the organization next to it: after it when the address starts
 *   with its organization (Web of Science: `Univ X, Dept Y, Lab Z`), before it otherwise (`Dept Y,
 *   University X`). Units are listed most specific first.
 *
 * A string nothing can be made of keeps `organizations: []` and is still returned.
 */

import { memoize } from '../memo.ts';
import { letterKey, lookupCountry, US_STATES } from './countries.js';
import { organizationKey } from './organization-key.js';
import { type AddressChunk, familyInitialKey, isAuthorName, isNamePart, splitAddressValue } from './split.js';
import type {
  OrganizationKind,
  ParsedAddress,
  ParsedCountry,
  ParsedOrganization,
  ParsedUnit,
  UnitKind,
} from './types.js';

export interface ParseAffiliationOptions {
  /**
   * The record's author names as written (`Edward, M.`, `M. Edward`): lets a name written in front
   * of an address (`Anne Seppala, Inst …`) be recognised even when it is not in initials form.
   */
  authorNames?: readonly string[];
}

const EMAIL = /[\w.+-]+@[\w-]+(?:\.[\w-]+)+/g;
const EMAIL_LABEL =
  /\b(?:e-?mail(?: address)?|electronic address|correspondence(?: to)?|tel|phone|fax)\s*[:.]?\s*(?=$|[\s,;.]*$)/gi;
const TRIM = /^[\s.,;:·-]+|[\s.,;:·-]+$/g;
const WS_RUN = /\s+/g;
const CJK = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}]/u;

// ---------------------------------------------------------------------------------------------
// Location parts

const US_STATE_NAMES = [
  'alabama',
  'alaska',
  'arizona',
  'arkansas',
  'california',
  'colorado',
  'connecticut',
  'delaware',
  'florida',
  'georgia',
  'hawaii',
  'idaho',
  'illinois',
  'indiana',
  'iowa',
  'kansas',
  'kentucky',
  'louisiana',
  'maine',
  'maryland',
  'massachusetts',
  'michigan',
  'minnesota',
  'mississippi',
  'missouri',
  'montana',
  'nebraska',
  'nevada',
  'new hampshire',
  'new jersey',
  'new mexico',
  'new york',
  'north carolina',
  'north dakota',
  'ohio',
  'oklahoma',
  'oregon',
  'pennsylvania',
  'rhode island',
  'south carolina',
  'south dakota',
  'tennessee',
  'texas',
  'utah',
  'vermont',
  'virginia',
  'washington',
  'west virginia',
  'wisconsin',
  'wyoming',
  'district of columbia',
];
// Regions seen before the country or postcode. Abbreviated (`Ill.`, `Ont.`) forms fold to letters.
const REGIONS = new Set(
  [
    ...US_STATE_NAMES,
    'ill',
    'mass',
    'calif',
    'okla',
    'penn',
    'conn',
    'ont',
    'on',
    'alta',
    'ontario',
    'quebec',
    'qc',
    'que',
    'bc',
    'british columbia',
    'alberta',
    'ab',
    'manitoba',
    'mb',
    'saskatchewan',
    'sk',
    'nova scotia',
    'ns',
    'new brunswick',
    'nb',
    'newfoundland',
    'nl',
    'pei',
    'nsw',
    'new south wales',
    'qld',
    'queensland',
    'vic',
    'victoria',
    'tas',
    'tasmania',
    'act',
    'south australia',
    'western australia',
    'northern territory',
    'sp',
    'rj',
    'mg',
    'rs',
    'jilin',
    'liaoning',
    'heilongjiang',
    'hebei',
    'henan',
    'hubei',
    'hunan',
    'jiangsu',
    'zhejiang',
    'guangdong',
    'shandong',
    'sichuan',
    'fujian',
    'anhui',
    'jiangxi',
    'shanxi',
    'shaanxi',
    'yunnan',
    'guangxi',
    'guizhou',
    'gansu',
    'hainan',
    'inner mongolia',
    'xinjiang',
    'andhra pradesh',
    'telangana',
    'karnataka',
    'kerala',
    'tamil nadu',
    'maharashtra',
    'gujarat',
    'uttar pradesh',
    'west bengal',
    'punjab',
    'rajasthan',
    'kangwon',
    'gyeonggi',
    'bavaria',
    'bayern',
    'catalonia',
    'lombardy',
    'england',
    'scotland',
    'wales',
    'surrey',
    'iwate',
    // Australian state codes not already US ones (`WA` is both).
    'sa',
    'nt',
  ].map((s) => s.toLowerCase()),
);
const CANADIAN_POSTCODE = /\b[A-Z]\d[A-Z] ?\d[A-Z]\d\b/;
const UK_POSTCODE = /\b[A-Z]{1,2}\d[A-Z\d]? ?\d[A-Z]{2}\b/;
// `SF-01620`, `I-20126`, Swedish `SE-405 30`.
const PREFIXED_POSTCODE = /\b[A-Z]{1,3}-(?:\d{3} \d{2}|\d{3,6})\b/;
const NUMERIC_POSTCODE =
  /(?<![\w-])\d{3} \d{2,3}(?![\w-])|(?<![\w-])\d{2}-\d{3}(?![\w-])|(?<![\w-])\d{3,6}(?:-\d{3,4})?(?![\w-])|(?<![\w-])\d{2} \d{3}(?![\w-])/;
// Dutch `3769 DE`.
const DUTCH_POSTCODE = /(?<![\w-])\d{4} ?[A-Z]{2}(?![\w-])/;
const POSTCODE_AFTER = /\s+([A-Z]\d[A-Z] ?\d[A-Z]\d|[A-Z]{1,2}\d[A-Z\d]? ?\d[A-Z]{2}|\d{2,3}-\d{3})$/;
const POSTCODES = [CANADIAN_POSTCODE, PREFIXED_POSTCODE, UK_POSTCODE, DUTCH_POSTCODE, NUMERIC_POSTCODE];
const STREET =
  /\b(?:street|str|st|road|rd|highway|hwy|route|rte|avenue|ave|av|avenida|boulevard|blvd|lane|drive|dr|way|place|pl|square|sq|strasse|straße|stra[sß]e|rue|via|calle|rua|piazza|plaza|platz|weg|gasse|allee|building|bldg|floor|fl|room|rm|suite|ste|mailstop|box|bp|cp|s\/n|km|hall|mall|campus)\b\.?|^p\.?\s?o\.?\s?box\b|\bpostfach\b|\bpostbus\b|\bcaixa postal\b|\bapartado\b/i;
const PO_BOX =
  /^(?:p\.?\s?o\.?\s?b(?:ox)?|pob|bp|cp|postfach|postbus|box|caixa postal|apartado|mailstop|suite|room|rm)\b/i;
const HOUSE_NUMBER_FIRST = /^(?:No\.?\s*)?\d[\d-]*[A-Za-z]?\s+\S/;
// `Rua Castro Alves 815`, `Via del Ronco 3`, `Jalan Ong Sum Ping`: a street word first.
const STREET_WORD_FIRST =
  /^(?:(?:rua|via|calle|avenida|av\.|rue|piazza|strada|ulica|ul\.)\s+\S.*\d|(?:jalan|jl\.)\s)/i;
// `Kitson Hall`, `Moore Building`, `Campus Box 8115`: a building or mail stop, not a body.
const BUILDING =
  /^(?:[\p{Lu}][\p{L}'’-]*\s+){1,3}(?:hall|building|bldg|tower|wing|pavilion)$|^campus box\b/iu;

// `Baumgartenstrasse 1`, `Bengeldorfstieg 6`, `Rudolph Berghs Gade 47`, `Untere Donaulande 26`:
// words and a house number, the European order. Only where no head word says body (`Area 51` is
// not in any address, `Hospital 12 de Octubre` is kept by its head word).
const HOUSE_NUMBER_LAST =
  /^\p{Lu}[\p{L}'’.-]*(?:\s+[\p{L}'’.-]+){0,3}\s+\d{1,4}[a-z]?(?:[-/]\d{1,4}[a-z]?)?$/u;
// `No.155`, `No: 62/43`: a house number alone.
const HOUSE_NUMBER_ONLY = /^No\.?:?\s*\d[\d/-]*[A-Za-z]?$/i;
// `Hsueh-Shih Road`, `Pine Manor Dr.`, `Rajpura Road`: a street named without a number.
const STREET_LAST_WORD = /\s(?:street|road|rd|avenue|ave|drive|dr|lane|boulevard|blvd|parkway|pkwy)\.?$/i;
// Turkish `Birlik Mahallesi`, Indian `S.S.T. Nagar`: a neighbourhood.
const NEIGHBOURHOOD_LAST_WORD = /\s(?:mahallesi|sokak|caddesi|nagar|marg)\.?$/i;
const MAIL_STOP = /^mail\s?stop\b/i;

/** A street or PO box, wherever it stands (`135 College St`, `250 Durham Hall`, `PO Box 14`). */
function isStreet(part: string): boolean {
  return (
    PO_BOX.test(part) ||
    MAIL_STOP.test(part) ||
    BUILDING.test(part) ||
    STREET_WORD_FIRST.test(part) ||
    HOUSE_NUMBER_ONLY.test(part) ||
    (HOUSE_NUMBER_FIRST.test(part) && STREET.test(part)) ||
    (STREET_LAST_WORD.test(part) && !hasInstitutionWord(part))
  );
}

/**
 * Among the parts left for bodies, also a street written number last or a neighbourhood. Not
 * applied to the location at the end, where `Oslo 0316` and `Vantaa 62` are a city and postcode.
 */
function isStreetAmongBodies(part: string): boolean {
  return (
    isStreet(part) ||
    ((HOUSE_NUMBER_LAST.test(part) || NEIGHBOURHOOD_LAST_WORD.test(part)) && !hasInstitutionWord(part))
  );
}

const isRegion = memoize((s) => isRegionUncached(s), 50_000);

function isRegionUncached(s: string): boolean {
  const t = s.trim().replace(/\.$/, '');
  if (/^[A-Z]{2}$/.test(t)) return US_STATES.has(t) || REGIONS.has(t.toLowerCase());
  return REGIONS.has(letterKey(t));
}

/** Country at the end of a part, with what is left of the part (`Dallas TX 75390 USA` → `Dallas TX 75390`). */
function countryAtEnd(
  part: string,
): { country: ParsedCountry; rest: string; postcode: string | null } | null {
  let t = part.trim().replace(/[.\s]+$/, '');
  // A postcode after the country: `Canada H2L 4M1`, `Poland 02-097`.
  const after = POSTCODE_AFTER.exec(t);
  const postcode = after && /\p{L}{3}/u.test(t.slice(0, after.index)) ? (after[1] as string) : null;
  if (postcode && after) t = t.slice(0, after.index).trim();
  const whole = lookupCountry(t);
  if (whole) return { country: whole, rest: '', postcode };
  const words = t.split(' ');
  for (let n = Math.min(words.length - 1, 4); n >= 1; n--) {
    // `Las Cruces, New Mexico` is not Mexico; `Taiwan (Republic of China)` is Taiwan.
    if (words[words.length - n - 1] === 'New') continue;
    const tail = words.slice(words.length - n);
    if (tail.some((w) => /\d/.test(w))) continue;
    const c = lookupCountry(tail.join(' '));
    if (c) return { country: c, rest: words.slice(0, words.length - n).join(' '), postcode };
  }
  return null;
}

interface Location {
  street: string | null;
  city: string | null;
  region: string | null;
  postalCode: string | null;
  country: ParsedCountry | null;
  /** How many leading parts are left for the organizations and units. */
  bodyParts: number;
}

/** Takes postcodes (and a region) out of one part; returns what is left. */
function takePostcodeAndRegion(part: string, loc: Location): string {
  let rest = part;
  for (const re of POSTCODES) {
    const m = re.exec(rest);
    if (m) {
      loc.postalCode ??= m[0];
      rest = `${rest.slice(0, m.index)} ${rest.slice(m.index + m[0].length)}`;
      break;
    }
  }
  rest = rest.replace(WS_RUN, ' ').replace(TRIM, '');
  // `TX 75390`, `NSW 2050`, `Ill. 60115`, `Jilin 136000`: the region before the postcode.
  const words = rest.split(' ');
  const last = words[words.length - 1] ?? '';
  if (words.length > 1 && isRegion(last)) {
    loc.region ??= last.replace(/\.$/, '');
    rest = words.slice(0, -1).join(' ');
  } else if (isRegion(rest) && loc.postalCode) {
    loc.region ??= rest.replace(/\.$/, '');
    rest = '';
  }
  // `Vantaa 62` (a Finnish postal district) is the city Vantaa; `Marseille Cedex 9` is Marseille.
  return rest
    .replace(/\s+cedex(?:\s+\d+)?$/i, '')
    .replace(/\s+\d{1,3}$/, '')
    .replace(/^\d{1,3}\s+/, '');
}

const INSTITUTIONAL = /\p{L}/u;

function isRegionAndPostcode(part: string): boolean {
  const m = /^([A-Z]{2,3})\.?\s+\d{3,6}$/.exec(part);
  return m != null && isRegion(m[1] as string);
}

function readLocation(parts: string[]): Location {
  const loc: Location = {
    street: null,
    city: null,
    region: null,
    postalCode: null,
    country: null,
    bodyParts: parts.length,
  };
  let end = parts.length;
  // `Iran, Islamic Republic of`, `Korea, Republic of`: a country written backwards over two parts.
  const lastPart = parts[parts.length - 1] ?? '';
  if (
    parts.length >= 2 &&
    /^(?:the\s+)?(?:\p{L}+\s+){0,3}(?:republic|state|kingdom|province)\s+of\b/iu.test(lastPart)
  ) {
    const joined = lookupCountry(`${lastPart} ${parts[parts.length - 2]}`.replace(/[.\s]+$/, ''));
    if (joined) {
      parts.splice(parts.length - 2, 2, joined.name);
      end = parts.length;
    }
  }
  // Country: the last part, or the one before a trailing postcode (`Zagreb, Croatia, 10000`).
  for (let i = parts.length - 1; i >= Math.max(0, parts.length - 3) && !loc.country; i--) {
    const p = parts[i] as string;
    const found = countryAtEnd(p);
    if (found) {
      loc.country = found.country;
      loc.postalCode = found.postcode;
      const tail = parts.slice(i + 1).join(' ');
      if (tail) takePostcodeAndRegion(tail, loc);
      parts[i] = found.rest;
      end = found.rest ? i + 1 : i;
      // `Uzbekistan, Uzbekistan`: the country written twice.
      while (
        end > 1 &&
        lookupCountry((parts[end - 1] as string).replace(/\.$/, ''))?.code === found.country.code
      )
        end--;
      break;
    }
    // Only a postcode after the country may be skipped.
    if (!/^[A-Z\d\s-]+$/.test(p.trim())) break;
  }
  // Never read every part as a place: the first part is kept for the body.
  const streets: string[] = [];
  let lastWasPlace = loc.country != null;
  for (let i = end - 1; i >= 1; i--) {
    const raw = (parts[i] as string).trim();
    if (!raw) {
      end = i;
      continue;
    }
    const hasDigit = /\d/.test(raw);
    const words = raw.split(' ').length;
    // `SA 5042` is South Australia and a postcode, not a company (`S.A.`).
    const institutional = hasInstitutionWord(raw) && !isRegionAndPostcode(raw);
    if (isStreet(raw) || (hasDigit && STREET.test(raw) && !loc.city && !institutional)) {
      streets.unshift(raw);
      end = i;
      continue;
    }
    // A region's name once the region is known is the city (`New York, NY`, `Washington, DC`).
    const regionName = isRegion(raw) || /^[A-Z]{2}$/.test(raw);
    if (!hasDigit && !institutional && regionName && !(loc.region && !loc.city && !/^[A-Z]{2}$/.test(raw))) {
      loc.region ??= raw.replace(/\.$/, '');
      end = i;
      lastWasPlace = true;
      continue;
    }
    if (hasDigit && !institutional && words <= 6) {
      const before = loc.postalCode;
      const rest = takePostcodeAndRegion(raw, loc);
      if (rest && INSTITUTIONAL.test(rest)) {
        if (!loc.city && before === loc.postalCode && /\d/.test(rest)) {
          // A street with a house number (`Akademijos Str. 2`, `1701 Nimbus Road`).
          streets.unshift(raw);
        } else if (!loc.city) loc.city = rest;
        else streets.unshift(raw);
      }
      end = i;
      lastWasPlace = true;
      continue;
    }
    // The city: a short, non-institutional part; after a region/postcode it may be anything short
    // (`University Park, PA 16802`).
    // The only strong body of the address is never the city (`Biology Department, Lincoln University, PA`).
    const strongBefore = () => parts.slice(0, i).some((p) => rankOf(p) === Rank.STRONG);
    if (
      !loc.city &&
      words <= 4 &&
      (!institutional || (lastWasPlace && words <= 2 && loc.region != null && strongBefore()))
    ) {
      loc.city = raw;
      end = i;
      continue;
    }
    if (loc.city && !institutional && hasDigit) {
      streets.unshift(raw);
      end = i;
      continue;
    }
    break;
  }
  // `New York, NY 10028` with no country: a US state with a ZIP code.
  if (
    !loc.country &&
    loc.region &&
    US_STATES.has(loc.region) &&
    /^\d{5}(?:-\d{4})?$/.test(loc.postalCode ?? '')
  )
    loc.country = lookupCountry('United States');
  loc.street = streets.length > 0 ? streets.join(', ') : null;
  loc.bodyParts = end;
  return loc;
}

// ---------------------------------------------------------------------------------------------
// Bodies: organizations and units

/** Rank of a comma part as an organization. */
enum Rank {
  UNIT = 0,
  /** No head word at all: a place (`Fontenay-Aux-Roses`), an acronym, or a body (`TNO Human Factors`). */
  UNKNOWN = 1,
  WEAK = 2,
  AMBIGUOUS = 3,
  STRONG = 4,
}

const UNIT_HEAD =
  /^(?:\d+(?:st|nd|rd|th)\s+|(?:first|second|third)\s+)?(?:univ(?:ersity)?\s+(?=dep|div|clinic|lab))?(?:zak[lł]ad|katedr\w*|dept?s?\b|departments?|departamento|d[ée]partement|departament|dipartimento|abteilung|division|div|divisi[oó]n|section|sect|sektion|secci[oó]n|unit[éeà]?|units?|unidad|laborator(?:y|ies|ium)|labs?\b|laboratoire|laboratorio|program(?:me)?s?|programa|service|servicio|servizio|chair|lehrstuhl|ward|group|team|graduate school|grad sch|klinik f[üu]r|clinic of|cl[ií]nica de|area|branch|core|office of|bureau of|key laboratory|key lab|state key lab\w*)\b/i;
// Web of Science abbreviates `School of Nursing` to `Sch Nursing`: a unit head without `of`.
const WOS_WEAK_HEAD = /^(?:Sch|Coll|Fac|Inst|Ctr|Grad Sch)\s+\p{Lu}/u;
// `Grado Department of …`, `Biology Department`: a department named inside the part.
const INNER_UNIT = /\b(?:department|dept|division)\b/i;
const WEAK_HEAD =
  /^(?:school|sch|college|coll|faculty|fac|facultad|facult[ée]|fakult[äa]t|facolt[àa]|institute|inst|institut|instituto|istituto|centre|center|ctr|centro|zentrum|clinic|klinik|museum|station)\b(?:\s+(?:of|for|de|d'|du|des|für|fur|di|del|della|on))/i;
const STRONG_WORD =
  /\b(?:univ\w*|universit\w*|universidad\w*|universidade|universit[äaée]\w*|hochschule|hosp\w*|h[oô]pital\w*|ospedal\w*|krankenhaus|klinikum|infirmary|medical cent(?:er|re)|med ctr|health (?:system|care|service)s?|healthcare|nhs|ministry|ministerio|minist[eè]re|agency|academy|acad|akademie|acad[ée]mie|academia|foundation|fdn|fondazione|fundaci[oó]n|trust|council|society|association|assoc|federation|commission|corporation|corp|company|inc|ltd|llc|gmbh|plc|ag|s\.?a\.?|s\.?p\.?a\.?|b\.?v\.?|pty|co\.|pharmaceuticals?|pharma|cnrs|inserm|inra|csic|cnr|nih|cdc|usda|who|government|govt|national laboratory|natl lab|observatory|polytechnic|politecnico|polytechnique|suny|cuny|chu|chru|chr|ap-hp|centre hospitalier|centro hospitalar|irccs)\b|\b\p{Lu}\p{L}+ Tech\.?$/iu;
const AMBIGUOUS_WORD =
  /\b(?:inst\w*|institut\w*|istituto|cent(?:er|re|ro|rum)s?|ctr|zentrum|college|coll|school|sch|clinic\w*|klinik|laborator\w*|lab|museum|library)\b/i;
// Non-Latin heads: CJK (大学 university, 医院 hospital, 研究所/研究院 institute, 学院 school,
// 系/科 department, 实验室 lab, 公司 company) and Cyrillic.
const CJK_STRONG = /(?:大学|大學|대학교|医院|醫院|병원|公司|株式会社|科学院|科學院|研究院)$/;
const CJK_AMBIGUOUS = /(?:研究所|研究中心|中心|センター|연구소|研究センター)$/;
const CJK_UNIT = /(?:学院|學院|系|学部|研究科|科|实验室|實驗室|教研室|研究室|学科|학과|대학)$/;
const CYR_STRONG = /(?:университет|академи|больниц|госпитал|клиник|министерств|компани|корпораци)/i;
const CYR_AMBIGUOUS = /(?:институт|центр|НИИ)/i;
const CYR_UNIT = /(?:кафедр|факультет|отдел|лаборатори|отделени|сектор)/i;

function hasInstitutionWord(s: string): boolean {
  return (
    UNIT_HEAD.test(s) ||
    WEAK_HEAD.test(s) ||
    STRONG_WORD.test(s) ||
    AMBIGUOUS_WORD.test(s) ||
    CJK_STRONG.test(s) ||
    CJK_AMBIGUOUS.test(s) ||
    CJK_UNIT.test(s) ||
    CYR_STRONG.test(s) ||
    CYR_AMBIGUOUS.test(s) ||
    CYR_UNIT.test(s)
  );
}

function rankOf(part: string): Rank {
  if (CJK.test(part)) {
    if (CJK_STRONG.test(part)) return Rank.STRONG;
    if (CJK_UNIT.test(part)) return Rank.UNIT;
    if (CJK_AMBIGUOUS.test(part)) return Rank.AMBIGUOUS;
    return Rank.UNKNOWN;
  }
  if (UNIT_HEAD.test(part)) return Rank.UNIT;
  if (/\p{Script=Cyrillic}/u.test(part)) {
    if (CYR_UNIT.test(part)) return Rank.UNIT;
    if (CYR_STRONG.test(part)) return Rank.STRONG;
    if (CYR_AMBIGUOUS.test(part)) return Rank.AMBIGUOUS;
    return Rank.UNKNOWN;
  }
  if (WEAK_HEAD.test(part)) return STRONG_WORD.test(part.replace(WEAK_HEAD, '')) ? Rank.UNIT : Rank.WEAK;
  if (WOS_WEAK_HEAD.test(part) && !STRONG_WORD.test(part)) return Rank.WEAK;
  if (STRONG_WORD.test(part)) return Rank.STRONG;
  if (INNER_UNIT.test(part)) return Rank.UNIT;
  if (AMBIGUOUS_WORD.test(part)) return Rank.AMBIGUOUS;
  return Rank.UNKNOWN;
}

function organizationKind(name: string): OrganizationKind {
  // A hospital named after its university (`Siping Hospital of China Medical University`,
  // `University Hospital Zurich`) is a hospital.
  if (
    /\b(?:hosp\w*|h[oô]pital\w*|ospedal\w*|krankenhaus|klinikum|infirmary|medical cent(?:er|re)|med ctr|clinic\w*|health (?:system|care)|healthcare|nhs)\b|医院|醫院|병원|больниц|госпитал|клиник/i.test(
      name,
    )
  )
    return 'HOSPITAL';
  if (
    /\b(?:univ\w*|universit\w*|hochschule|polytechnic|politecnico|polytechnique)\b|大学|大學|대학교|университет/i.test(
      name,
    )
  )
    return 'UNIVERSITY';
  if (
    /\b(?:corporation|corp|company|inc|ltd|llc|gmbh|plc|ag|pty|pharmaceuticals?|pharma|s\.?a\.?|s\.?p\.?a\.?|b\.?v\.?)\b\.?|公司|株式会社|компани|корпораци/i.test(
      name,
    )
  )
    return 'COMPANY';
  if (
    /\b(?:ministry|ministerio|minist[eè]re|agency|government|govt|department|dept|federal|usda|cdc|nih|council|commission|bureau|office)\b|министерств/i.test(
      name,
    )
  )
    return 'GOVERNMENT';
  if (/\b(?:college|coll|school|sch)\b|\bTech\.?$|学院|學院/i.test(name)) return 'UNIVERSITY';
  if (
    /\b(?:inst\w*|institut\w*|istituto|cent(?:er|re|ro|rum)|ctr|zentrum|laborator\w*|lab|academy|acad|akademie|academia|cnrs|inserm|observatory)\b|研究|中心|институт|центр|академи/i.test(
      name,
    )
  )
    return 'INSTITUTE';
  return 'OTHER';
}

function unitKind(name: string): UnitKind {
  const n = name.replace(/^(?:\d+(?:st|nd|rd|th)|first|second|third)\s+/i, '');
  if (
    /^(?:dept?s?\b|department|departamento|d[ée]partement|departament|dipartimento|abteilung)|系$|학과$|кафедр|отдел/i.test(
      n,
    )
  )
    return 'DEPARTMENT';
  if (/\b(?:department|dept)\b/i.test(n)) return 'DEPARTMENT';
  if (/^(?:faculty|fac|facultad|facult[ée]|fakult[äa]t|facolt[àa])\b|学部$|факультет/i.test(n))
    return 'FACULTY';
  if (/^(?:school|sch|college|coll|graduate school|grad sch)\b|school|sch\b|学院$|學院$|研究科$/i.test(n))
    return 'SCHOOL';
  if (/^(?:division|div|divisi[oó]n|section|sect|sektion|secci[oó]n|branch)\b/i.test(n)) return 'DIVISION';
  if (/\b(?:laborator\w*|labs?|laboratoire|laboratorio)\b|实验室|實驗室|研究室|лаборатори/i.test(n))
    return 'LAB';
  if (
    /\b(?:cent(?:er|re|ro|rum)s?|ctr|zentrum|institute|inst|institut\w*)\b|中心|研究所|центр|институт/i.test(
      n,
    )
  )
    return 'CENTER';
  if (
    /^(?:unit[éeà]?|units?|unidad|service|servicio|servizio|ward|group|team|program(?:me)?|programa|chair|lehrstuhl)\b|отделени|сектор/i.test(
      n,
    )
  )
    return 'UNIT';
  return 'OTHER';
}

// `Yale University School of Medicine`, `Shanghai Jiao Tong University School of Medicine`: the
// university and its school. `北京大学物理学院`: the same without spaces.
const UNIVERSITY_THEN_SCHOOL =
  /^(.*\b(?:University|Univ\.?|Universit\p{L}*)(?:\s+(?:of|at)(?:\s+\p{Lu}[\p{L}-]*){1,3})?)\s+((?:School|Sch|College|Coll|Faculty|Fac|Graduate School|Medical School|Med Sch|Institute|Inst)\b.*)$/u;
const BARE_UNIVERSITY = /^\s*(?:University|Univ\.?|Universit\p{L}*)\s*$/u;
const CJK_UNIVERSITY_THEN_UNIT =
  /^(.+?(?:大学|大學|대학교))(.+(?:学院|學院|系|学部|研究科|研究所|实验室|中心))$/;
// `University Hospital Zurich and University Zurich`: two bodies in one part.
const AND_JOIN = /\s+(?:and|&|und|et|y|e)\s+(?=\p{Lu})/u;

/** One comma part → one or more body parts (a university and its school, `X and Y`). */
function expandPart(part: string): string[] {
  const cjk = CJK_UNIVERSITY_THEN_UNIT.exec(part);
  if (cjk) return [cjk[1] as string, cjk[2] as string];
  const joined = part.split(AND_JOIN);
  if (joined.length > 1 && joined.every((p) => rankOf(p) >= Rank.AMBIGUOUS))
    return joined.flatMap(expandPart);
  const school = UNIVERSITY_THEN_SCHOOL.exec(part);
  // `University College Dublin` is one body: a bare `University` is no university's name.
  if (school && !BARE_UNIVERSITY.test(school[1] as string) && rankOf(school[1] as string) === Rank.STRONG)
    return [school[1] as string, school[2] as string];
  return [part];
}

function cleanName(s: string): string {
  return s.replace(WS_RUN, ' ').replace(TRIM, '');
}

// `Etymotic Research, Inc.`: the legal form is part of the company's name.
const LEGAL_FORM =
  /^(?:inc|ltd|llc|llp|plc|gmbh|ag|corp|co|s\.?a|s\.?p\.?a|s\.?r\.?l|b\.?v|n\.?v|pty(?: ltd)?|kk|oy|ab|as)\.?$/i;

// `Retired Civil Engineer, 1405 … Drive`, `Biological Technician, Rocky Mountain Research Station`:
// what the person is, not where.
const JOB_TITLE =
  /^(?:retired\s+)?(?:[\p{L}-]+\s+){0,2}(?:technician|engineer|consultant|retired|student|physician|practitioner|freelancer?)$/iu;

function readBodies(parts: string[], streets: string[]): ParsedOrganization[] {
  const kept: string[] = [];
  for (const p of parts) {
    if (isStreetAmongBodies(p)) streets.push(p);
    else if (JOB_TITLE.test(p) && !hasInstitutionWord(p)) continue;
    else if (LEGAL_FORM.test(p) && kept.length > 0) kept[kept.length - 1] = `${kept[kept.length - 1]}, ${p}`;
    else kept.push(p);
  }
  const bodies = kept
    .flatMap(expandPart)
    .map(cleanName)
    .filter((p) => /\p{L}/u.test(p));
  if (bodies.length === 0) return [];
  const ranks = bodies.map(rankOf);
  let orgIdx: number[];
  if (ranks.some((r) => r === Rank.STRONG)) {
    orgIdx = ranks.flatMap((r, i) => (r === Rank.STRONG ? [i] : []));
  } else {
    // The best-ranked part; on a tie the first when the address opens with it (Web of Science
    // order), else the last (units come before their organization).
    const best = Math.max(...ranks);
    const first = ranks.indexOf(best);
    orgIdx = [first === 0 ? 0 : ranks.lastIndexOf(best)];
  }
  const orgFirst = orgIdx[0] === 0;
  const orgs: ParsedOrganization[] = orgIdx.map((i) => {
    const name = bodies[i] as string;
    return { name, key: organizationKey(name), kind: organizationKind(name), units: [] };
  });
  const unitLists: ParsedUnit[][] = orgs.map(() => []);
  bodies.forEach((name, i) => {
    if (orgIdx.includes(i)) return;
    // WoS order: a unit belongs to the organization before it; otherwise to the one after it.
    let owner = orgFirst ? orgIdx.filter((o) => o < i).length - 1 : orgIdx.findIndex((o) => o > i);
    if (owner < 0) owner = orgFirst ? 0 : orgIdx.length - 1;
    (unitLists[owner] as ParsedUnit[]).push({ name, key: organizationKey(name), kind: unitKind(name) });
  });
  orgs.forEach((o, k) => {
    const list = unitLists[k] as ParsedUnit[];
    // Most specific first: WoS lists from the organization down, the comma forms from the unit up.
    o.units = orgFirst ? list.reverse() : list;
  });
  return orgs;
}

// ---------------------------------------------------------------------------------------------
// Names in front of an address

const INITIALS_FIRST = /^(?:\p{Lu}\.\s?-?){1,3}\s?\p{Lu}[\p{L}'’-]+$/u;
// Ovid/PsycINFO: `O'Doherty, Kieran C.: Department of …`.
const COLON_NAME = /^([\p{L}'’. -]{1,40},[\p{L}'’. -]{1,40}):\s*/u;

function nameSet(names: readonly string[] | undefined): Set<string> | null {
  if (!names || names.length === 0) return null;
  const out = new Set<string>();
  for (const n of names) {
    const t = n.trim();
    if (!t) continue;
    out.add(t.toLowerCase());
    // Ovid writes `Trindade, Ines A.:` for the author `Trindade, Ines A`, and the reverse.
    out.add(t.replace(/\.$/, '').toLowerCase());
    // `Edward, M.` is written `M. Edward` in front of Embase addresses; `Seppala, Anne` as `Anne Seppala`.
    const comma = t.indexOf(',');
    if (comma > 0) {
      out.add(`${t.slice(comma + 1).trim()} ${t.slice(0, comma).trim()}`.toLowerCase());
      out.add(familyInitialKey(t.slice(0, comma), t.slice(comma + 1)));
    }
  }
  return out;
}

function takeNamePrefix(text: string, names: ReadonlySet<string> | null): { names: string[]; rest: string } {
  // Ovid's `O'Callaghan, Frances, f.ocallaghan@…` and `Mack, David R.: dmack@…`: an author's name
  // and an e-mail, no address at all.
  if (names?.has(text.trim().toLowerCase().replace(/\.$/, ''))) return { names: [text.trim()], rest: '' };
  const colon = COLON_NAME.exec(text);
  if (colon && !hasInstitutionWord(colon[1] as string))
    return { names: [cleanName(colon[1] as string)], rest: text.slice(colon[0].length) };
  // `S. Prowse`: an Embase address that is only the author's name.
  if (INITIALS_FIRST.test(text.trim())) return { names: [text.trim()], rest: '' };
  const comma = text.indexOf(',');
  if (comma > 0) {
    const head = text.slice(0, comma).trim();
    // Initials (`S.A. Fausti`) are never an institution, even when they spell a legal form.
    if (isNamePart(head, names) && (INITIALS_FIRST.test(head) || !hasInstitutionWord(head)))
      return { names: [head], rest: text.slice(comma + 1) };
  }
  return { names: [], rest: text };
}

// ---------------------------------------------------------------------------------------------

function splitParts(text: string): string[] {
  const parts = text.split(/\s*[,，、]\s*/);
  // CJK addresses often separate the parts with spaces only: `北京大学 物理学院 北京 100871 中国`.
  if (parts.length === 1 && CJK.test(text)) return text.split(/\s+(?=\S*[\p{Script=Han}\p{Script=Hangul}])/u);
  return parts;
}

function parseChunk(chunk: AddressChunk, names: ReadonlySet<string> | null): ParsedAddress {
  const raw = chunk.text.trim();
  const emails = raw.match(EMAIL) ?? [];
  const withoutEmail = raw
    .replace(EMAIL, ' ')
    .replace(EMAIL_LABEL, ' ')
    .replace(WS_RUN, ' ')
    .replace(TRIM, '');
  const prefix = takeNamePrefix(withoutEmail, names);
  const parts = splitParts(prefix.rest)
    .map((p) => p.replace(TRIM, ''))
    .filter((p) => p.length > 0);
  const loc = readLocation(parts);
  const streets: string[] = [];
  const organizations = readBodies(parts.slice(0, loc.bodyParts), streets);
  if (streets.length > 0) loc.street = [...streets, ...(loc.street ? [loc.street] : [])].join(', ');
  return {
    raw,
    authorNames: [...chunk.bracketNames, ...prefix.names],
    authorNamesForm:
      chunk.bracketNames.length > 0 ? 'WOS_BRACKET' : prefix.names.length > 0 ? 'NAME_PREFIX' : null,
    organizations,
    street: loc.street,
    city: loc.city,
    region: loc.region,
    postalCode: loc.postalCode,
    country: loc.country,
    emails,
  };
}

/**
 * One affiliation value (which may hold several addresses) → its addresses, in order. Never
 * throws and never drops text: a string nothing can be read from comes back with
 * `organizations: []` and its `raw` text.
 */
export function parseAffiliationValue(value: string, options: ParseAffiliationOptions = {}): ParsedAddress[] {
  const names = nameSet(options.authorNames);
  // The same values recur (one institution's address on many records). Author names change the
  // result only when one of them is a comma part of the value, so the name-free reading is cached
  // and reused whenever no part is a name. Callers get their own copy.
  if (names && namesAuthor(value, names)) return parseUncached(value, names);
  let cached = parsedValues.get(value);
  if (cached === undefined) {
    if (parsedValues.size >= 20_000) parsedValues.clear();
    cached = parseUncached(value, null);
    parsedValues.set(value, cached);
  }
  return structuredClone(cached);
}

const parsedValues = new Map<string, ParsedAddress[]>();

/** Does any part of the value (or its first two, `Family, Given`) name one of the authors? */
function namesAuthor(value: string, names: ReadonlySet<string>): boolean {
  const parts = value.split(/[,;:\n[\]]/).map((p) => p.trim());
  return (
    parts.some((p) => isAuthorName(p, names)) ||
    (parts.length >= 2 && isAuthorName(`${parts[0]}, ${parts[1]}`, names))
  );
}

function parseUncached(value: string, names: ReadonlySet<string> | null): ParsedAddress[] {
  return splitAddressValue(value, names).map((chunk) => parseChunk(chunk, names));
}

/** One address string (already split) → its parts. */
export function parseAddress(text: string, options: ParseAffiliationOptions = {}): ParsedAddress {
  return parseChunk({ text, bracketNames: [], marker: null }, nameSet(options.authorNames));
}
