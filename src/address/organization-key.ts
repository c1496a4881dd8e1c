/**
 * Identity key of an organization (or unit) name. Organizations are one per (key, country), so
 * this function decides which spellings are the same body:
 *
 * - case, accents and punctuation are folded (`Université` = `universite`);
 * - a bracketed acronym is dropped (`Queensland Brain Institute (QBI)` = `Queensland Brain Institute`);
 * - every word is reduced to one stem shared by its full, Web of Science and common foreign forms
 *   (`University`, `Univ`, `Universität`, `Universidad` → `univ`; `Medical`, `Medicine`, `Med` →
 *   `med`; `Center`, `Centre`, `Ctr` → `ctr` …), so the WoS abbreviations match the full names;
 * - small connecting words (`the`, `of`, `and`, `&`, `de`, `für` …) are dropped;
 * - word ORDER IS IGNORED: the key is the sorted set of stems. `The University of Sydney`,
 *   `University of Sydney`, `Univ Sydney` and `Sydney University` share one key. The price is
 *   that two bodies named by the same words in another order (`New York University` and a
 *   hypothetical `University of New York`) would be merged; names differing in any word stay apart,
 *   and curation can split what the key merged wrongly.
 */

import { memoize } from '../memo.ts';
import { foldText } from '../ris/normalize.js';

// Full, Web of Science and foreign forms → one stem. Keys are folded (lower-case, no accents).
const STEMS: Readonly<Record<string, string>> = {};
function stem(to: string, forms: string): void {
  for (const f of forms.split(' ')) (STEMS as Record<string, string>)[f] = to;
}
stem(
  'univ',
  'univ university universities universite universites universitat universitaet universita universidad universidade universiteit universitet uniwersytet univerzita univerzitet egyetem yliopisto universitario universitaria universitair universitatsklinikum',
);
stem(
  'hosp',
  'hosp hospital hospitals hopital hopitaux ospedale ospedaliera krankenhaus hospitalier hospitalario',
);
stem('med', 'med medical medicine medicina medecine medizin medizinische medica medico');
stem('ctr', 'ctr center centre centro centrum zentrum cent centers centres');
stem('dept', 'dept department departments departamento departement departament dipartimento dep');
stem('inst', 'inst institute institutes institut instituto istituto instytut institutet');
stem('sch', 'sch school schools escuela ecole scuola');
stem('coll', 'coll college colleges colegio');
stem('natl', 'natl national nacional nationale nazionale');
stem('sci', 'sci science sciences scientific ciencias sciences scienze wissenschaften');
stem('technol', 'technol technology technologies technological tecnologia technologie tech');
stem('res', 'res research recherche investigacion ricerca forschung');
stem('lab', 'lab labs laboratory laboratories laboratoire laboratorio labor');
stem('hlth', 'hlth health sante salud');
stem('publ', 'publ public');
stem('fac', 'fac faculty faculte facultad facolta fakultat faculdade');
stem('engn', 'engn engineering eng ingenieria');
stem('biol', 'biol biology biological');
stem('chem', 'chem chemistry chemical');
stem('phys', 'phys physics physical');
stem('psychol', 'psychol psychology psychological');
stem('environm', 'environm environment environmental');
stem('agr', 'agr agriculture agricultural agr');
stem('acad', 'acad academy academia akademie academie');
stem('assoc', 'assoc association associacao');
stem('soc', 'soc society societe');
stem('int', 'int intl international internacional');
stem('gen', 'gen general');
stem('clin', 'clin clinic clinical clinica clinique klinik clinics');
stem('canc', 'canc cancer');
stem('childrens', 'childrens children child');
stem('mem', 'mem memorial');
stem('amer', 'amer american');
stem('appl', 'appl applied');
stem('comp', 'comp computer computing');
stem('dev', 'dev development');
stem('educ', 'educ education educational');
stem('mol', 'mol molecular');
stem('neurosci', 'neurosci neuroscience neurosciences');
stem('fdn', 'fdn foundation fondation fundacion');
stem('fed', 'fed federal');
stem('govt', 'govt government');
stem('saint', 'st saint sankt san santa sainte');
stem('mt', 'mt mount');
stem('sw', 'sw southwestern');
stem('polytech', 'polytech polytechnic politecnico polytechnique');
stem('div', 'div division');
stem('minist', 'minist ministry ministerio');
stem('off', 'off office');
stem('serv', 'serv service services servicio');
stem('syst', 'syst system systems');
stem('trop', 'trop tropical');
stem('hyg', 'hyg hygiene');
stem('vet', 'vet veterinary');
stem('pharm', 'pharm pharmacy pharmaceutical pharmaceutics');
stem('nursing', 'nurs nursing');
stem('dent', 'dent dental dentistry');
stem('surg', 'surg surgery surgical');
stem('nucl', 'nucl nuclear');
stem('biomed', 'biomed biomedical');
stem('econ', 'econ economics economic');
stem('management', 'management manag');
stem('studies', 'studies study');
stem('ecol', 'ecol ecology');
stem('geog', 'geog geography');
stem('math', 'math mathematics');
stem('stat', 'stat statistics');

// Words that carry no identity. `de`/`di`/`du` etc. only as separate words (`Universite de Paris`).
const STOP = new Set(
  'the of and for at in on a an de des du la le les di del della degli dei da do das dos der die das fur und y e et i im am zu van voor'.split(
    ' ',
  ),
);
const BRACKETED = /\([^)]*\)|\[[^\]]*\]/g;
const APOSTROPHE_S = /['’]s\b/g;

/** The dedup key of an organization or unit name (see the module comment for the rules). */
export function organizationKey(name: string): string {
  return cachedKey(name);
}
// Every organization and unit of every address goes through here; names repeat.
const cachedKey = memoize((name) => computeKey(name), 50_000);

function computeKey(name: string): string {
  const text = name.replace(BRACKETED, ' ').replace(APOSTROPHE_S, 's');
  const words = foldText(text).split(' ');
  const out = new Set<string>();
  for (const w of words) {
    if (!w || STOP.has(w)) continue;
    out.add(STEMS[w] ?? w);
  }
  // A name of stop words or a bracket only (`(AIST)`) keeps its folded text rather than vanishing.
  if (out.size === 0) return foldText(name);
  return [...out].sort().join(' ');
}
