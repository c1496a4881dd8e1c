/**
 * Deterministic generator of realistic RIS for benchmarks: journal articles, books, chapters and
 * conference papers shaped like database exports (~5 authors, addresses, keywords, a ~600-char
 * abstract), so parse and ingest numbers reflect real files rather than toy records.
 *
 * By default people, addresses and keywords come from small fixed lists (400 names, 8 addresses,
 * 16 keywords) and every record is a new work. `generateLibraryStream` instead shapes a library
 * of a given size (bench/ingest-size.ts): people, institutions and terms grow with it as in the
 * query benchmark's seed (bench/lib/seed.ts), picked with a power law, some records carry no DOI,
 * and some are copies of an earlier record as another export spells it.
 */

export const FAMILY = [
  'Wang',
  'Smith',
  'Müller',
  'García',
  'Kowalski',
  'Nguyen',
  'van der Berg',
  'Rossi',
  'Kim',
  'Silva',
  'Johansson',
  'Dubois',
  'Novák',
  'Yilmaz',
  'Okafor',
  'Tanaka',
  'Ivanova',
  "O'Brien",
  'Cohen',
  'Haddad',
];
export const GIVEN = [
  'Xiaohua',
  'John',
  'Anna',
  'Carlos',
  'Maria',
  'Thi Mai',
  'Pieter',
  'Giulia',
  'Min-jun',
  'João',
  'Erik',
  'Claire',
  'Jan',
  'Ayşe',
  'Chinedu',
  'Haruto',
  'Olga',
  'Siobhan',
  'David',
  'Layla',
];
const INSTITUTIONS = [
  'Department of Hematology, Siping Hospital of China Medical University, Siping, Jilin 136000, P.R. China',
  'Institute of Neuroscience, University of Amsterdam, Amsterdam, Netherlands',
  'School of Public Health, Harvard University, Boston, MA, USA',
  'Max Planck Institute for Chemistry, Mainz, Germany',
  'Department of Ecology, Universidade de São Paulo, São Paulo, Brazil',
  'Faculty of Medicine, University of Tokyo, Tokyo, Japan',
  'Centre for Evidence Synthesis, University of Oxford, Oxford, UK',
  'Laboratoire de Physique, CNRS, Paris, France',
];
const KEYWORDS = [
  'mesenchymal stem cells',
  'systematic review',
  'meta-analysis',
  'machine learning',
  'climate change',
  'randomized controlled trial',
  'immune thrombocytopenia',
  'sleep disturbance',
  'wildfires',
  'biodiversity',
  'public health',
  'deep learning',
  'epidemiology',
  'gene expression',
  'cohort study',
  'air pollution',
];
const JOURNALS: Array<[string, string, string]> = [
  ['Experimental and Therapeutic Medicine', 'Exp Ther Med', '1792-0981'],
  ['Journal of Ecology', 'J Ecol', '0022-0477'],
  ['The Lancet', 'Lancet', '0140-6736'],
  ['Nature Communications', 'Nat Commun', '2041-1723'],
  ['PLOS ONE', 'PLoS One', '1932-6203'],
];
const WORDS = (
  'the of and in to a with for patients results study was were data analysis effect treatment ' +
  'significant model group clinical outcomes associated between increased using methods we ' +
  'observed compared response population risk after during higher lower cells samples years'
).split(' ');
const TYPES = ['JOUR', 'JOUR', 'JOUR', 'JOUR', 'JOUR', 'BOOK', 'CHAP', 'CONF'] as const;

/** mulberry32: tiny, fast, deterministic. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function pick<T>(r: () => number, list: readonly T[]): T {
  return list[Math.floor(r() * list.length)] as T;
}

function sentence(r: () => number, words: number): string {
  const out: string[] = [];
  for (let i = 0; i < words; i++) out.push(pick(r, WORDS));
  const s = out.join(' ');
  return `${s.charAt(0).toUpperCase()}${s.slice(1)}`;
}

function abstract(r: () => number): string {
  let text = '';
  while (text.length < 560) text += `${sentence(r, 8 + Math.floor(r() * 10))}. `;
  return text.trim();
}

/** One record, CRLF-free, ending with `ER  - ` and a blank line. `i` is 0-based. */
export function generateRecord(i: number, seed = 1): string {
  const r = rng(seed * 1_000_003 + i);
  const type = pick(r, TYPES);
  const [journal, abbr, issn] = pick(r, JOURNALS);
  const year = 1990 + Math.floor(r() * 35);
  const month = 1 + Math.floor(r() * 12);
  const day = 1 + Math.floor(r() * 28);
  const sp = 1 + Math.floor(r() * 3000);
  const lines: string[] = [`TY  - ${type}`];
  const title = sentence(r, 8 + Math.floor(r() * 8));
  lines.push(`TI  - ${title} (${i + 1})`);
  const authors = 3 + Math.floor(r() * 5);
  for (let a = 0; a < authors; a++) lines.push(`AU  - ${pick(r, FAMILY)}, ${pick(r, GIVEN)}`);
  const ads = 1 + Math.floor(r() * 3);
  for (let a = 0; a < ads; a++) lines.push(`AD  - ${pick(r, INSTITUTIONS)}`);
  if (type === 'CHAP') {
    lines.push(`T2  - Handbook of ${pick(r, KEYWORDS)}`);
    lines.push(`A2  - ${pick(r, FAMILY)}, ${pick(r, GIVEN)}`);
    lines.push(`PB  - Springer`, `CY  - Cham`);
  } else if (type === 'CONF') {
    lines.push(`T2  - Proceedings of the ${year} Conference on ${pick(r, KEYWORDS)}`);
  } else if (type === 'BOOK') {
    lines.push(`T2  - Series in ${pick(r, KEYWORDS)}`, `PB  - Elsevier`, `CY  - Amsterdam`);
  } else {
    lines.push(`T2  - ${journal}`, `JO  - ${abbr}`);
  }
  lines.push(`PY  - ${year}`);
  lines.push(`DA  - ${year}/${String(month).padStart(2, '0')}/${String(day).padStart(2, '0')}`);
  lines.push(`VL  - ${1 + Math.floor(r() * 80)}`, `IS  - ${1 + Math.floor(r() * 12)}`);
  lines.push(`SP  - ${sp}`, `EP  - ${sp + 1 + Math.floor(r() * 20)}`);
  const kws = 3 + Math.floor(r() * 4);
  for (let k = 0; k < kws; k++) lines.push(`KW  - ${pick(r, KEYWORDS)}`);
  const doi = `10.${5000 + (seed % 1000)}/bench.${year}.${i + 1}`;
  lines.push(`DO  - ${doi}`);
  lines.push(
    `SN  - ${type === 'BOOK' || type === 'CHAP' ? `978-3-16-${String(148410 + (i % 1000)).padStart(6, '0')}-0` : issn}`,
  );
  lines.push(`AB  - ${abstract(r)}`);
  lines.push(`UR  - https://doi.org/${doi}`);
  lines.push('ER  - ', '');
  return lines.join('\n');
}

export function generateRis(n: number, seed = 1): string {
  const parts: string[] = [];
  for (let i = 0; i < n; i++) parts.push(generateRecord(i, seed));
  return parts.join('\n');
}

/** Same records as `generateRis`, in ~`chunkSize` string chunks, never holding the whole file. */
export async function* generateRisStream(n: number, seed = 1, chunkSize = 64 * 1024): AsyncGenerator<string> {
  let buf: string[] = [];
  let size = 0;
  for (let i = 0; i < n; i++) {
    const rec = i === 0 ? generateRecord(i, seed) : `\n${generateRecord(i, seed)}`;
    buf.push(rec);
    size += rec.length;
    if (size >= chunkSize) {
      yield buf.join('');
      buf = [];
      size = 0;
    }
  }
  if (buf.length > 0) yield buf.join('');
}

const SYLLABLES =
  'ka to mi ra ne so lu be da fi ge ho ji ko la ma no pe ri sa ta vo wi ya zu an el in or us ber gar son man ler sky ova ez ski ton'.split(
    ' ',
  );
export const DEPTS = [
  'Department of Hematology',
  'Institute of Neuroscience',
  'School of Public Health',
  'Faculty of Medicine',
  'Department of Ecology',
  'Laboratoire de Physique',
  'Centre for Evidence Synthesis',
  'Department of Chemistry',
];
export const PLACES: Array<[string, string]> = [
  ['University of Amsterdam, Amsterdam', 'Netherlands'],
  ['Harvard University, Boston, MA', 'USA'],
  ['Max Planck Institute, Mainz', 'Germany'],
  ['Universidade de São Paulo, São Paulo', 'Brazil'],
  ['University of Tokyo, Tokyo', 'Japan'],
  ['University of Oxford, Oxford', 'United Kingdom'],
  ['CNRS, Paris', 'France'],
  ['China Medical University, Siping', 'China'],
  ['University of Lagos, Lagos', 'Nigeria'],
  ['Charles University, Prague', 'Czech Republic'],
];
export const QUALIFIERS = ['', ' in children', ' in adults', ' modelling', ' outcomes'];

/** How many people, institutions and terms a library of `n` records has (as bench/lib/seed.ts). */
export function libraryShape(n: number) {
  return {
    authors: Math.max(1000, Math.round(n * 0.6)),
    affiliations: 80 + Math.round(n / 500),
    keywords: KEYWORDS.length * QUALIFIERS.length + Math.round(n / 200),
  };
}

/** One record in 50 is a copy of an earlier one (its DOI as a link, its family names in capitals). */
const COPY_EVERY = 50;
/** One original in 10 has no DOI: its copies are found by title, year and first author. */
const NO_DOI_EVERY = 10;

/** Records of a generated library of `n` that are copies of an earlier record. */
export function libraryCopies(n: number): number {
  return Math.floor(n / COPY_EVERY);
}

function personName(m: number): string {
  // A bijection of the index onto family × given × initial keeps every name distinct.
  const S = SYLLABLES.length;
  const x = (m * 7919 + 13) % (S * S * S * GIVEN.length * 26);
  const syl = (k: number) => SYLLABLES[k % S] as string;
  const third = Math.floor(x / (S * S)) % 3 === 0 ? '' : syl(Math.floor(x / (S * S)));
  const fam = `${syl(x)}${syl(Math.floor(x / S))}${third}`;
  const given = GIVEN[Math.floor(x / (S * S * S)) % GIVEN.length] as string;
  const initial = String.fromCharCode(65 + (Math.floor(x / (S * S * S * GIVEN.length)) % 26));
  return `${fam.charAt(0).toUpperCase()}${fam.slice(1)}, ${given} ${initial}.`;
}

function address(i: number): string {
  const [place, country] = PLACES[Math.floor(i / DEPTS.length) % PLACES.length] as [string, string];
  const dept = `${DEPTS[i % DEPTS.length]}${i >= DEPTS.length * PLACES.length ? ` ${i}` : ''}`;
  return `${dept}, ${place}, ${country}`;
}

function term(i: number): string {
  const base = KEYWORDS.length * QUALIFIERS.length;
  if (i < base) return `${KEYWORDS[Math.floor(i / QUALIFIERS.length)]}${QUALIFIERS[i % QUALIFIERS.length]}`;
  const S = SYLLABLES.length;
  const s = (k: number) => SYLLABLES[k % S] as string;
  return `${KEYWORDS[i % KEYWORDS.length]} ${s(Math.floor(i / 20))}${s(Math.floor(i / (20 * S)))}${s(Math.floor(i / (20 * S * S)))}`;
}

/** Power-law pick in [0, size): low indexes frequent, a long tail of rare ones. */
function powerPick(r: () => number, size: number, k: number): number {
  return Math.floor(size * r() ** k);
}

/** Original record `i` (0-based) of a library of `n`; `copy` writes it as another export would. */
export function generateLibraryRecord(i: number, n: number, seed = 1, copy = false): string {
  const shape = libraryShape(n);
  const r = rng(seed * 1_000_003 + i);
  const type = pick(r, TYPES);
  const [journal, abbr, issn] = pick(r, JOURNALS);
  const year = 1990 + Math.floor(r() * 35);
  const sp = 1 + Math.floor(r() * 3000);
  const lines: string[] = [
    `TY  - ${type}`,
    `TI  - ${sentence(r, 8 + Math.floor(r() * 8))} ${pick(r, KEYWORDS)} (${i + 1})`,
  ];
  const authors = 3 + Math.floor(r() * 5);
  for (let a = 0; a < authors; a++) {
    const name = personName(powerPick(r, shape.authors, 2));
    // Another export's copy writes family names in capitals: the same person once folded.
    lines.push(`AU  - ${copy ? name.replace(/^[^,]+/, (f) => f.toUpperCase()) : name}`);
  }
  const ads = 1 + Math.floor(r() * 3);
  for (let a = 0; a < ads; a++) lines.push(`AD  - ${address(powerPick(r, shape.affiliations, 2))}`);
  if (type === 'CHAP') lines.push(`T2  - Handbook of ${pick(r, KEYWORDS)}`, 'PB  - Springer', 'CY  - Cham');
  else if (type === 'CONF') lines.push(`T2  - Proceedings of the ${year} Conference on ${pick(r, KEYWORDS)}`);
  else if (type === 'BOOK')
    lines.push(`T2  - Series in ${pick(r, KEYWORDS)}`, 'PB  - Elsevier', 'CY  - Amsterdam');
  else lines.push(`T2  - ${journal}`, `JO  - ${abbr}`);
  lines.push(
    `PY  - ${year}`,
    `VL  - ${1 + Math.floor(r() * 80)}`,
    `SP  - ${sp}`,
    `EP  - ${sp + 1 + Math.floor(r() * 20)}`,
  );
  const kws = 3 + Math.floor(r() * 4);
  for (let k = 0; k < kws; k++) lines.push(`KW  - ${term(powerPick(r, shape.keywords, 3))}`);
  if (i % NO_DOI_EVERY !== 0) {
    const doi = `10.${5000 + (seed % 1000)}/lib.${year}.${i + 1}`;
    lines.push(copy ? `DO  - https://doi.org/${doi.toUpperCase()}` : `DO  - ${doi}`);
  }
  if (type === 'JOUR') lines.push(`SN  - ${issn}`);
  lines.push(`AB  - ${abstract(r)}`, 'ER  - ', '');
  return lines.join('\n');
}

/**
 * A library of `n` records in ~`chunkSize` string chunks, never holding the whole file. Every
 * COPY_EVERY-th record repeats an earlier original (chosen by the seed), so the ingest should
 * store `n - libraryCopies(n)` citations.
 */
export async function* generateLibraryStream(
  n: number,
  seed = 1,
  chunkSize = 64 * 1024,
): AsyncGenerator<string> {
  const r = rng(seed ^ 0x5eed);
  let buf: string[] = [];
  let size = 0;
  let originals = 0;
  for (let i = 0; i < n; i++) {
    const copy = (i + 1) % COPY_EVERY === 0;
    const rec = copy
      ? generateLibraryRecord(Math.floor(r() * originals), n, seed, true)
      : generateLibraryRecord(originals++, n, seed);
    const text = i === 0 ? rec : `\n${rec}`;
    buf.push(text);
    size += text.length;
    if (size >= chunkSize) {
      yield buf.join('');
      buf = [];
      size = 0;
    }
  }
  if (buf.length > 0) yield buf.join('');
}
