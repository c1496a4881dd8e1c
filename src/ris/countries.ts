/**
 * Country names as they end affiliation strings, each with a canonical English short name.
 * ISO 3166 short names plus the spellings exporters actually write: Web of Science (`USA`,
 * `Peoples R China`, `England`), PubMed (`P.R. China`, `Republic of Korea`), local-language
 * names (`Brasil`, `Deutschland`) and formal ISO names (`Russian Federation`, `Viet Nam`).
 * Ambiguous words that are also common US state names (Georgia) are kept: the mapper only looks
 * at the last comma part of an address, where a bare `Georgia` is no worse than a guess.
 */

// `Canonical|variant|variant…`, one country per entry.
const ENTRIES: readonly string[] = [
  'Afghanistan',
  'Albania',
  'Algeria',
  'Andorra',
  'Angola',
  'Antigua and Barbuda',
  'Argentina|Argentine Republic',
  'Armenia',
  'Australia',
  'Austria|Österreich|Osterreich',
  'Azerbaijan',
  'Bahamas|The Bahamas',
  'Bahrain',
  'Bangladesh',
  'Barbados',
  'Belarus',
  'Belgium|Belgique|België|Belgie',
  'Belize',
  'Benin',
  'Bhutan',
  'Bolivia|Plurinational State of Bolivia',
  'Bosnia and Herzegovina|Bosnia & Herzegovina|Bosnia Herceg|Bosnia-Herzegovina',
  'Botswana',
  'Brazil|Brasil',
  'Brunei|Brunei Darussalam',
  'Bulgaria',
  'Burkina Faso',
  'Burundi',
  'Cabo Verde|Cape Verde',
  'Cambodia',
  'Cameroon',
  'Canada',
  'Central African Republic',
  'Chad',
  'Chile',
  "China|P.R. China|PR China|P. R. China|P.R.China|PRC|P.R.C.|People's Republic of China|Peoples Republic of China|Peoples R China|Mainland China",
  'Colombia',
  'Comoros',
  'Congo|Republic of the Congo|Republic of Congo',
  'Democratic Republic of the Congo|DR Congo|Dem Rep Congo|DRC',
  'Costa Rica',
  "Côte d'Ivoire|Cote d'Ivoire|Cote Ivoire|Ivory Coast",
  'Croatia|Hrvatska',
  'Cuba',
  'Cyprus',
  'Czech Republic|Czechia|Czech',
  'Denmark|Danmark',
  'Djibouti',
  'Dominica',
  'Dominican Republic|Dominican Rep',
  'Ecuador',
  'Egypt|Arab Republic of Egypt',
  'El Salvador',
  'Equatorial Guinea|Equat Guinea',
  'Eritrea',
  'Estonia',
  'Eswatini|Swaziland',
  'Ethiopia',
  'Fiji',
  'Finland|Suomi',
  'France',
  'Gabon',
  'Gambia|The Gambia',
  'Georgia',
  'Germany|Deutschland|Federal Republic of Germany|Fed Rep Ger',
  'Ghana',
  'Greece|Hellas',
  'Grenada',
  'Guatemala',
  'Guinea',
  'Guinea-Bissau|Guinea Bissau',
  'Guyana',
  'Haiti',
  'Honduras',
  'Hong Kong|Hong Kong SAR|Hong Kong S.A.R.|HKSAR',
  'Hungary',
  'Iceland',
  'India',
  'Indonesia',
  'Iran|Islamic Republic of Iran|Iran (Islamic Republic of)',
  'Iraq',
  'Ireland|Republic of Ireland|Eire',
  'Israel',
  'Italy|Italia',
  'Jamaica',
  'Japan',
  'Jordan',
  'Kazakhstan',
  'Kenya',
  'Kiribati',
  'Kosovo',
  'Kuwait',
  'Kyrgyzstan|Kyrgyz Republic',
  "Laos|Lao People's Democratic Republic|Lao PDR",
  'Latvia',
  'Lebanon',
  'Lesotho',
  'Liberia',
  'Libya',
  'Liechtenstein',
  'Lithuania',
  'Luxembourg',
  'Macao|Macau',
  'Madagascar',
  'Malawi',
  'Malaysia',
  'Maldives',
  'Mali',
  'Malta',
  'Marshall Islands',
  'Mauritania',
  'Mauritius',
  'Mexico|México',
  'Micronesia',
  'Moldova|Republic of Moldova',
  'Monaco',
  'Mongolia',
  'Montenegro',
  'Morocco',
  'Mozambique',
  'Myanmar|Burma',
  'Namibia',
  'Nauru',
  'Nepal',
  'Netherlands|The Netherlands|Holland|Nederland',
  'New Zealand',
  'Nicaragua',
  'Niger',
  'Nigeria',
  "North Korea|DPR Korea|Democratic People's Republic of Korea|DPRK",
  'North Macedonia|Macedonia|Republic of North Macedonia',
  'Norway|Norge',
  'Oman',
  'Pakistan',
  'Palau',
  'Palestine|State of Palestine',
  'Panama',
  'Papua New Guinea',
  'Paraguay',
  'Peru',
  'Philippines|The Philippines',
  'Poland|Polska',
  'Portugal',
  'Puerto Rico',
  'Qatar',
  'Romania',
  'Russia|Russian Federation',
  'Rwanda',
  'Saint Kitts and Nevis',
  'Saint Lucia',
  'Saint Vincent and the Grenadines',
  'Samoa',
  'San Marino',
  'Sao Tome and Principe|São Tomé and Príncipe',
  'Saudi Arabia|Kingdom of Saudi Arabia|KSA',
  'Senegal',
  'Serbia',
  'Seychelles',
  'Sierra Leone',
  'Singapore',
  'Slovakia|Slovak Republic',
  'Slovenia',
  'Solomon Islands',
  'Somalia',
  'South Africa|Republic of South Africa|RSA',
  'South Korea|Korea|Republic of Korea|Rep. of Korea|Korea (South)|S Korea|ROK',
  'South Sudan',
  'Spain|España|Espana',
  'Sri Lanka',
  'Sudan',
  'Suriname',
  'Sweden|Sverige',
  'Switzerland|Schweiz|Suisse|Svizzera',
  'Syria|Syrian Arab Republic',
  'Taiwan|Taiwan, ROC|Taiwan ROC|Republic of China|R.O.C.',
  'Tajikistan',
  'Tanzania|United Republic of Tanzania',
  'Thailand',
  'Timor-Leste|East Timor',
  'Togo',
  'Tonga',
  'Trinidad and Tobago|Trinidad & Tobago|Trinid & Tobago',
  'Tunisia',
  'Turkey|Türkiye|Turkiye',
  'Turkmenistan',
  'Tuvalu',
  'Uganda',
  'Ukraine',
  'United Arab Emirates|UAE|U.A.E.|U Arab Emirates',
  'United Kingdom|UK|U.K.|Great Britain|England|Scotland|Wales|Northern Ireland|North Ireland',
  'United States|USA|U.S.A.|U.S.A|US|U.S.|United States of America',
  'Uruguay',
  'Uzbekistan',
  'Vanuatu',
  'Vatican City|Holy See',
  'Venezuela|Bolivarian Republic of Venezuela',
  'Vietnam|Viet Nam',
  'Yemen',
  'Zambia',
  'Zimbabwe',
];

const BY_KEY = new Map<string, string>();
const VARIANTS: string[] = [];

function lookupKey(s: string): string {
  return s
    .replace(/\./g, '')
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[^a-z]+/g, ' ')
    .trim();
}

for (const entry of ENTRIES) {
  const names = entry.split('|');
  const canonical = names[0] as string;
  for (const n of names) {
    BY_KEY.set(lookupKey(n), canonical);
    VARIANTS.push(n);
  }
}
// `Korea, Republic of`-style names only occur whole; the comma splitter would cut them anyway.
BY_KEY.set(lookupKey('Korea Republic of'), 'South Korea');
// Sub-national names whose last word is a country elsewhere.
BY_KEY.set(lookupKey('New South Wales'), 'Australia');
BY_KEY.set(lookupKey('New Mexico'), 'United States');

/** Canonical English name for a country spelling, or null. Case, accents and dots are ignored. */
export function canonicalCountry(name: string): string | null {
  return BY_KEY.get(lookupKey(name)) ?? null;
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

/**
 * Matches a country name at the start of a comma part, followed by the start of the next address:
 * whitespace then a capitalised word / opening bracket, or `. ` then also a digit (`Greece. 2nd
 * Department of …`). Group 1 = country, group 2 = rest.
 */
export const COUNTRY_THEN_NEXT = new RegExp(
  `^(${START_VARIANTS.map(escapeRegExp).join('|')})(?:\\.\\s+(?=[\\p{Lu}\\d\\[(])|\\s+(?=[\\p{Lu}\\[(]))(.*)$`,
  'su',
);

// US addresses often end `Boston, MA 02114` with no country at all (PubMed, Embase).
const US_STATES = new Set(
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
