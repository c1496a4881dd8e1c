/**
 * Country names as they end affiliation strings, each with its ISO 3166-1 alpha-2 code and a
 * canonical English short name.
 * ISO 3166 short names plus the spellings exporters actually write: Web of Science (`USA`,
 * `Peoples R China`, `England`), PubMed (`P.R. China`, `Republic of Korea`), local-language
 * names (`Brasil`, `Deutschland`) and formal ISO names (`Russian Federation`, `Viet Nam`).
 * Ambiguous words that are also common US state names (Georgia) are kept: the mapper only looks
 * at the last comma part of an address, where a bare `Georgia` is no worse than a guess.
 * CJK and Cyrillic names (`中国`, `Россия`) are listed for addresses written in those scripts.
 */

import { memoize } from '../memo.ts';
import type { ParsedCountry } from './types.js';

// `ISO code|Canonical|variant|variant…`, one country per entry.
const ENTRIES: readonly string[] = [
  'AF|Afghanistan',
  'AL|Albania',
  'DZ|Algeria',
  'AD|Andorra',
  'AO|Angola',
  'AG|Antigua and Barbuda',
  'AR|Argentina|Argentine Republic',
  'AM|Armenia',
  'AU|Australia',
  'AT|Austria|Österreich|Osterreich',
  'AZ|Azerbaijan',
  'BS|Bahamas|The Bahamas',
  'BH|Bahrain',
  'BD|Bangladesh',
  'BB|Barbados',
  'BY|Belarus|Беларусь|Белоруссия',
  'BE|Belgium|Belgique|België|Belgie',
  'BZ|Belize',
  'BJ|Benin',
  'BT|Bhutan',
  'BO|Bolivia|Plurinational State of Bolivia',
  'BA|Bosnia and Herzegovina|Bosnia & Herzegovina|Bosnia Herceg|Bosnia-Herzegovina',
  'BW|Botswana',
  'BR|Brazil|Brasil',
  'BN|Brunei|Brunei Darussalam',
  'BG|Bulgaria|България',
  'BF|Burkina Faso',
  'BI|Burundi',
  'CV|Cabo Verde|Cape Verde',
  'KH|Cambodia',
  'CM|Cameroon',
  'CA|Canada',
  'CF|Central African Republic',
  'TD|Chad',
  'CL|Chile',
  "CN|China|P.R. China|PR China|P. R. China|P.R.China|PRC|P.R.C.|People's Republic of China|Peoples Republic of China|Peoples R China|Mainland China|中国|中华人民共和国|Китай",
  'CO|Colombia',
  'KM|Comoros',
  'CG|Congo|Republic of the Congo|Republic of Congo',
  'CD|Democratic Republic of the Congo|DR Congo|Dem Rep Congo|DRC',
  'CR|Costa Rica',
  "CI|Côte d'Ivoire|Cote d'Ivoire|Cote Ivoire|Ivory Coast",
  'HR|Croatia|Hrvatska',
  'CU|Cuba',
  'CY|Cyprus',
  'CZ|Czech Republic|Czechia|Czech',
  'DK|Denmark|Danmark',
  'DJ|Djibouti',
  'DM|Dominica',
  'DO|Dominican Republic|Dominican Rep',
  'EC|Ecuador',
  'EG|Egypt|Arab Republic of Egypt',
  'SV|El Salvador',
  'GQ|Equatorial Guinea|Equat Guinea',
  'ER|Eritrea',
  'EE|Estonia',
  'SZ|Eswatini|Swaziland',
  'ET|Ethiopia',
  'FJ|Fiji',
  'FI|Finland|Suomi',
  'FR|France',
  'GA|Gabon',
  'GM|Gambia|The Gambia',
  'GE|Georgia',
  'DE|Germany|Deutschland|Federal Republic of Germany|Fed Rep Ger|Германия',
  'GH|Ghana',
  'GR|Greece|Hellas',
  'GD|Grenada',
  'GT|Guatemala',
  'GN|Guinea',
  'GW|Guinea-Bissau|Guinea Bissau',
  'GY|Guyana',
  'HT|Haiti',
  'HN|Honduras',
  'HK|Hong Kong|Hong Kong SAR|Hong Kong S.A.R.|HKSAR|香港',
  'HU|Hungary',
  'IS|Iceland',
  'IN|India',
  'ID|Indonesia',
  'IR|Iran|Islamic Republic of Iran|Iran (Islamic Republic of)',
  'IQ|Iraq',
  'IE|Ireland|Republic of Ireland|Eire',
  'IL|Israel',
  'IT|Italy|Italia',
  'JM|Jamaica',
  'JP|Japan|日本|Япония',
  'JO|Jordan',
  'KZ|Kazakhstan|Казахстан|Қазақстан',
  'KE|Kenya',
  'KI|Kiribati',
  'XK|Kosovo',
  'KW|Kuwait',
  'KG|Kyrgyzstan|Kyrgyz Republic',
  "LA|Laos|Lao People's Democratic Republic|Lao PDR",
  'LV|Latvia',
  'LB|Lebanon',
  'LS|Lesotho',
  'LR|Liberia',
  'LY|Libya',
  'LI|Liechtenstein',
  'LT|Lithuania',
  'LU|Luxembourg',
  'MO|Macao|Macau',
  'MG|Madagascar',
  'MW|Malawi',
  'MY|Malaysia',
  'MV|Maldives',
  'ML|Mali',
  'MT|Malta',
  'MH|Marshall Islands',
  'MR|Mauritania',
  'MU|Mauritius',
  'MX|Mexico|México',
  'FM|Micronesia',
  'MD|Moldova|Republic of Moldova',
  'MC|Monaco',
  'MN|Mongolia',
  'ME|Montenegro',
  'MA|Morocco',
  'MZ|Mozambique',
  'MM|Myanmar|Burma',
  'NA|Namibia',
  'NR|Nauru',
  'NP|Nepal',
  'NL|Netherlands|The Netherlands|Holland|Nederland',
  'NZ|New Zealand',
  'NI|Nicaragua',
  'NE|Niger',
  'NG|Nigeria',
  "KP|North Korea|DPR Korea|Democratic People's Republic of Korea|DPRK",
  'MK|North Macedonia|Macedonia|Republic of North Macedonia',
  'NO|Norway|Norge',
  'OM|Oman',
  'PK|Pakistan',
  'PW|Palau',
  'PS|Palestine|State of Palestine',
  'PA|Panama',
  'PG|Papua New Guinea',
  'PY|Paraguay',
  'PE|Peru',
  'PH|Philippines|The Philippines',
  'PL|Poland|Polska',
  'PT|Portugal',
  'PR|Puerto Rico',
  'QA|Qatar',
  'RO|Romania',
  'RU|Russia|Russian Federation|Россия|Российская Федерация|РФ',
  'RW|Rwanda',
  'KN|Saint Kitts and Nevis',
  'LC|Saint Lucia',
  'VC|Saint Vincent and the Grenadines',
  'WS|Samoa',
  'SM|San Marino',
  'ST|Sao Tome and Principe|São Tomé and Príncipe',
  'SA|Saudi Arabia|Kingdom of Saudi Arabia|KSA',
  'SN|Senegal',
  'RS|Serbia|Србија',
  'SC|Seychelles',
  'SL|Sierra Leone',
  'SG|Singapore',
  'SK|Slovakia|Slovak Republic',
  'SI|Slovenia',
  'SB|Solomon Islands',
  'SO|Somalia',
  'ZA|South Africa|Republic of South Africa|RSA',
  'KR|South Korea|Korea|Republic of Korea|Rep. of Korea|Korea (South)|S Korea|ROK|韩国|大韩民国|대한민국|한국',
  'SS|South Sudan',
  'ES|Spain|España|Espana',
  'LK|Sri Lanka',
  'SD|Sudan',
  'SR|Suriname',
  'SE|Sweden|Sverige',
  'CH|Switzerland|Schweiz|Suisse|Svizzera',
  'SY|Syria|Syrian Arab Republic',
  'TW|Taiwan|Taiwan, ROC|Taiwan ROC|Republic of China|R.O.C.|台湾|臺灣',
  'TJ|Tajikistan',
  'TZ|Tanzania|United Republic of Tanzania',
  'TH|Thailand',
  'TL|Timor-Leste|East Timor',
  'TG|Togo',
  'TO|Tonga',
  'TT|Trinidad and Tobago|Trinidad & Tobago|Trinid & Tobago',
  'TN|Tunisia',
  'TR|Turkey|Türkiye|Turkiye',
  'TM|Turkmenistan',
  'TV|Tuvalu',
  'UG|Uganda',
  'UA|Ukraine|Україна|Украина',
  'AE|United Arab Emirates|UAE|U.A.E.|U Arab Emirates',
  'GB|United Kingdom|UK|U.K.|Great Britain|England|Scotland|Wales|Northern Ireland|North Ireland',
  'US|United States|USA|U.S.A.|U.S.A|US|U.S.|United States of America|США',
  'UY|Uruguay',
  'UZ|Uzbekistan',
  'VU|Vanuatu',
  'VA|Vatican City|Holy See',
  'VE|Venezuela|Bolivarian Republic of Venezuela',
  'VN|Vietnam|Viet Nam',
  'YE|Yemen',
  'ZM|Zambia',
  'ZW|Zimbabwe',
];

const BY_KEY = new Map<string, ParsedCountry>();
const BY_CODE = new Map<string, ParsedCountry>();
const VARIANTS: string[] = [];

/** Letters only, folded (case, accents, dots): how country and region spellings are compared. */
export function letterKey(s: string): string {
  return s
    .replace(/\./g, '')
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[^\p{L}]+/gu, ' ')
    .trim();
}

for (const entry of ENTRIES) {
  const [code, ...names] = entry.split('|') as [string, ...string[]];
  const country: ParsedCountry = { code, name: names[0] as string };
  BY_CODE.set(code, country);
  for (const n of names) {
    BY_KEY.set(letterKey(n), country);
    VARIANTS.push(n);
  }
}
const byName = (name: string): ParsedCountry => BY_KEY.get(letterKey(name)) as ParsedCountry;
// `Korea, Republic of`-style names only occur whole; the comma splitter would cut them anyway.
BY_KEY.set(letterKey('Korea Republic of'), byName('South Korea'));
// Sub-national names whose last word is a country elsewhere.
BY_KEY.set(letterKey('New South Wales'), byName('Australia'));
BY_KEY.set(letterKey('New Mexico'), byName('United States'));
// Embase writes `Taiwan (Republic of China)`; the bracket is part of the country, not a new address.
BY_KEY.set(letterKey('Taiwan (Republic of China)'), byName('Taiwan'));
BY_KEY.set(letterKey('Taiwan (ROC)'), byName('Taiwan'));

/** Country (ISO code + English name) for a spelling, or null. Case, accents and dots are ignored. */
export function lookupCountry(name: string): ParsedCountry | null {
  return cachedLookup(name);
}
// Called for every comma part of every address in the ingest hot path; spellings repeat.
const cachedLookup = memoize((name) => BY_KEY.get(letterKey(name)) ?? null, 50_000);

/** The country of an ISO 3166-1 alpha-2 code (any case), or null for a code bibgraph does not know. */
export function countryByCode(code: string): ParsedCountry | null {
  return BY_CODE.get(code.trim().toUpperCase()) ?? null;
}

/** Canonical English name for a country spelling, or null. Case, accents and dots are ignored. */
export function canonicalCountry(name: string): string | null {
  return lookupCountry(name)?.name ?? null;
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

// Variants a flattened address run can *start* a comma part with, longest first so `P.R. China`
// beats `China`. Capitalised forms only: a lower-case `china` is prose, not the end of an address.
// Two-letter `US` and short codes are excluded here: too many false starts (`US Army Institute`).
// `UK` is the exception: British addresses end with it far more often than an institution after a
// city starts with it.
const START_VARIANTS = [...new Set(VARIANTS.flatMap((v) => [v, v.toUpperCase()]))]
  .filter((v) => (v.length > 2 || v === 'UK') && /^\p{Lu}/u.test(v) && !v.includes(','))
  .sort((a, b) => b.length - a.length);

const COUNTRY_THEN_NEXT_RE = new RegExp(
  `^(${START_VARIANTS.map(escapeRegExp).join('|')})(?:\\.\\s+(?=[\\p{Lu}\\d\\[(])|\\s+(?:and\\s+)?(?=[\\p{Lu}\\[(]))(.*)$`,
  'su',
);
// A postcode written after the country (`Montreal, Quebec, Canada H2L 4M1`, `Poland 02-097`).
const POSTCODE_AFTER_COUNTRY =
  /^(?:[A-Z]\d[A-Z] ?\d[A-Z]\d|[A-Z]{1,2}\d[A-Z\d]? ?\d[A-Z]{2}|\d{2,3}-?\d{3})\b/;
const LABEL_AFTER_COUNTRY = /^(?:e-?mail|tel|phone|fax)\b/i;

/**
 * A country name at the start of a comma part, followed by the start of the next address:
 * whitespace (or ` and `) then a capitalised word / opening bracket, or `. ` then also a digit
 * (`Greece. 2nd Department of …`). Returns the country as written and the rest, or null. Never a
 * cut: a name that goes on being a country (`Brunei Darussalam`, `Taiwan (Republic of China)`), a
 * postcode after the country (`Canada H2L 4M1`), an `E-mail`/`Tel` label.
 */
export function countryThenNext(segment: string): { country: string; rest: string } | null {
  const m = COUNTRY_THEN_NEXT_RE.exec(segment);
  if (!m) return null;
  let country = m[1] as string;
  let rest = m[2] as string;
  // The longest country name the words after it continue (`Brunei` + `Darussalam`).
  const words = segment.slice(country.length).trim().split(/\s+/);
  for (let k = Math.min(4, words.length); k >= 1; k--) {
    const longer = `${country} ${words.slice(0, k).join(' ')}`.replace(/[.,;]+$/, '');
    if (lookupCountry(longer)) {
      country = longer;
      rest = words
        .slice(k)
        .join(' ')
        .replace(/^[.,;]\s*/, '');
      break;
    }
  }
  if (!rest || !/^[\p{Lu}\d[(]/u.test(rest)) return null;
  if (POSTCODE_AFTER_COUNTRY.test(rest) || LABEL_AFTER_COUNTRY.test(rest)) return null;
  return { country, rest };
}

// US addresses often end `Boston, MA 02114` with no country at all (PubMed, Embase).
export const US_STATES = new Set(
  'AL AK AZ AR CA CO CT DE DC FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH NJ NM NY NC ND OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY PR'.split(
    ' ',
  ),
);
const US_ZIP_TAIL = /\b([A-Z]{2})\s+\d{5}(?:-\d{4})?$/;

/** `MA 02114`, `New York, NY 10028-1234` → United States. */
export function usStateZipCountry(segment: string): string | null {
  const m = US_ZIP_TAIL.exec(segment);
  return m && US_STATES.has(m[1] as string) ? 'United States' : null;
}
