/**
 * The RIS reference-type table: what each `TY` code means and how its tags must be read.
 * Sources: docs/ris-tag-map.md §2–§3, which merge the 2011 RefMan per-type tables (as encoded in
 * citation-js `spec/new.json`), Zotero's RIS translator and the pre-2011 list. The mapper reads
 * the per-type switches below; exporters read `csl` to pick a CSL type.
 */

import type { ContributorRole } from '../citation/types.ts';

export type RisTypeEra = 'old' | '2011' | 'x' | 'unknown';

/** Which tag carries the container (journal, book, proceedings) for a type. */
export type ContainerRule =
  /** T2 is the journal; legacy JF/JO/SO as fallbacks. */
  | 'journal'
  /** T2 is the book title, legacy BT as fallback. */
  | 'book'
  /** T2 is the conference name; C3 is the proceedings title. */
  | 'conference'
  /** T2 means series / committee / department / section: no container. */
  | 'none'
  /** Generic: T2, then BT, then journal tags. */
  | 'generic';

/** What SN holds for a type. */
export type SnKind = 'issn' | 'isbn' | 'either' | 'number';

export interface RisTypeInfo {
  code: string;
  label: string;
  era: RisTypeEra;
  /** CSL type chosen on import by citation-js (also what exporters emit). */
  csl: string;
  /** Zotero item type on import. */
  zotero: string;
  /** In the pre-2011 or 2011 lists, or EndNote's WEB. False for codes we have never heard of. */
  known: boolean;
  /** Pre-2011 type missing from EndNote's all-types fixture: expect it only from old tools. */
  legacy: boolean;
  /** A serial article: SN is an ISSN, IS/CP the issue, JF/JO the journal. */
  periodical: boolean;
  /** A whole book: BT is the primary title, SN an ISBN. */
  book: boolean;
  container: ContainerRule;
  sn: SnKind;
  /** VL is a volume (elsewhere it is edition, degree, access year, version, dimensions…). */
  vlIsVolume: boolean;
  /** SP is a number of pages / running time, not a first page, unless it holds a range. */
  spIsExtent: boolean;
  /** DA is an access date (2011 spec), not the publication date. */
  daIsAccessed: boolean;
  /** IS is not an issue here (CHAP: number of volumes). */
  isNotIssue: boolean;
  /** Tags that hold the issue when IS/CP are absent (M1 for CONF/EJOUR/MGZN, C2 for NEWS, …). */
  issueFallback: readonly string[];
  /** C7 is an article number (used when SP is absent). */
  c7IsArticleNumber: boolean;
  roles: {
    au: ContributorRole;
    a2: ContributorRole;
    a3: ContributorRole;
    a4: ContributorRole;
  };
}

type Row = [code: string, label: string, era: RisTypeEra, csl: string, zotero: string, legacy?: boolean];

// §2 of the tag map. `legacy` = the † column.
const ROWS: readonly Row[] = [
  ['ABST', 'Abstract', 'old', 'article-journal', 'journalArticle', true],
  ['ADVS', 'Audiovisual material', 'old', 'motion_picture', 'film'],
  ['AGGR', 'Aggregated database', '2011', 'dataset', 'document'],
  ['ANCIENT', 'Ancient text', '2011', 'classic', 'document'],
  ['ART', 'Art work', 'old', 'graphic', 'artwork'],
  ['BILL', 'Bill / resolution', 'old', 'bill', 'bill'],
  ['BLOG', 'Blog', '2011', 'post-weblog', 'blogPost'],
  ['BOOK', 'Whole book', 'old', 'book', 'book'],
  ['CASE', 'Case', 'old', 'legal_case', 'case'],
  ['CHAP', 'Book section', 'old', 'chapter', 'bookSection'],
  ['CHART', 'Chart', '2011', 'figure', 'artwork'],
  ['CLSWK', 'Classical work', '2011', 'classic', 'book'],
  ['COMP', 'Computer program', 'old', 'software', 'computerProgram'],
  ['CONF', 'Conference proceedings', 'old', 'paper-conference', 'conferencePaper'],
  ['CPAPER', 'Conference paper', '2011', 'paper-conference', 'conferencePaper'],
  ['CTLG', 'Catalog', 'old', 'entry', 'magazineArticle'],
  ['DATA', 'Data file', 'old', 'dataset', 'dataset'],
  ['DBASE', 'Online database', '2011', 'dataset', 'dataset'],
  ['DICT', 'Dictionary', '2011', 'entry-dictionary', 'dictionaryEntry'],
  ['EBOOK', 'Electronic book', '2011', 'book', 'book'],
  ['ECHAP', 'Electronic book section', '2011', 'chapter', 'bookSection'],
  ['EDBOOK', 'Edited book', '2011', 'book', 'book'],
  ['EJOUR', 'Electronic article', '2011', 'article-journal', 'journalArticle'],
  ['ELEC', 'Web page', 'old', 'webpage', 'webpage', true],
  ['ENCYC', 'Encyclopedia', '2011', 'entry-encyclopedia', 'encyclopediaArticle'],
  ['EQUA', 'Equation', '2011', 'article', 'document'],
  ['FIGURE', 'Figure', '2011', 'figure', 'artwork'],
  ['GEN', 'Generic', 'old', 'document', 'journalArticle'],
  ['GOVDOC', 'Government document', '2011', 'report', 'report'],
  ['GRANT', 'Grant', '2011', 'article', 'journalArticle'],
  ['HEAR', 'Hearing', 'old', 'hearing', 'hearing'],
  ['ICOMM', 'Internet communication', 'old', 'personal_communication', 'email', true],
  ['INPR', 'In press', 'old', 'article-journal', 'manuscript', true],
  ['JFULL', 'Journal (full)', 'old', 'article-journal', 'journalArticle', true],
  ['JOUR', 'Journal article', 'old', 'article-journal', 'journalArticle'],
  ['LEGAL', 'Legal rule / regulation', '2011', 'legislation', 'case'],
  ['MANSCPT', 'Manuscript', '2011', 'manuscript', 'manuscript'],
  ['MAP', 'Map', 'old', 'map', 'map'],
  ['MGZN', 'Magazine article', 'old', 'article-magazine', 'magazineArticle'],
  ['MPCT', 'Motion picture', 'old', 'broadcast', 'film'],
  ['MULTI', 'Online multimedia', '2011', 'motion_picture', 'videoRecording'],
  ['MUSIC', 'Music score', 'old', 'musical_score', 'audioRecording'],
  ['NEWS', 'Newspaper article', 'old', 'article-newspaper', 'newspaperArticle'],
  ['PAMP', 'Pamphlet', 'old', 'pamphlet', 'manuscript'],
  ['PAT', 'Patent', 'old', 'patent', 'patent'],
  ['PCOMM', 'Personal communication', 'old', 'personal_communication', 'letter'],
  ['RPRT', 'Report', 'old', 'report', 'report'],
  ['SER', 'Serial publication', 'old', 'periodical', 'book'],
  ['SLIDE', 'Slide', 'old', 'motion_picture', 'presentation', true],
  ['SOUND', 'Sound recording', 'old', 'motion_picture', 'audioRecording', true],
  ['STAND', 'Standard', '2011', 'standard', 'report'],
  ['STAT', 'Statute', 'old', 'legislation', 'statute'],
  ['THES', 'Thesis / dissertation', 'old', 'thesis', 'thesis'],
  ['UNBILL', 'Unenacted bill', 'old', 'manuscript', 'manuscript', true],
  ['UNPB', 'Unpublished work', 'old', 'manuscript', 'journalArticle'],
  ['VIDEO', 'Video recording', 'old', 'motion_picture', 'videoRecording', true],
  ['WEB', 'Web page (EndNote)', 'x', 'webpage', 'webpage'],
];

const set = (codes: string): ReadonlySet<string> => new Set(codes.split(' '));

const PERIODICAL = set('JOUR EJOUR MGZN NEWS ABST INPR JFULL');
// BT is the primary title only for these (old spec: BOOK, UNPB; EDBOOK/EBOOK are 2011 books).
const BOOK = set('BOOK UNPB EDBOOK EBOOK');

// T2 per type (§3): series for BOOK, EDBOOK, RPRT, MAP, COMP, WEB, UNPB and the CJ collection-title
// list; committee HEAR, department THES, section STAND — none of these is a container.
const T2_NONE = set(
  'BOOK EDBOOK RPRT MAP COMP WEB UNPB AGGR CLSWK CTLG DBASE ELEC MANSCPT MPCT MULTI HEAR THES STAND',
);
const T2_BOOK = set('CHAP ECHAP');
const T2_CONF = set('CONF CPAPER');

// SN per type: CJ spec/new.json. LEGAL/STAND/RPRT/PAT/DBASE/GOVDOC hold document numbers.
const SN_NUMBER = set('RPRT PAT STAND LEGAL DBASE GOVDOC');
const SN_ISSN = set('JOUR EJOUR MGZN NEWS ABST INPR JFULL DATA MUSIC');
const SN_EITHER = set('GEN CLSWK AGGR');

// VL is a volume only here (CJ list); elsewhere it is edition (COMP), degree (THES), access year
// (BLOG, WEB, ELEC), patent version (PAT), dimensions (CHART, EQUA, FIGURE), number (PAMP).
const VL_VOLUME = set(
  'ABST ADVS AGGR ANCIENT BILL BOOK CASE CHAP CLSWK CONF CPAPER CTLG DBASE DICT EBOOK ECHAP EDBOOK EJOUR ENCYC GEN GOVDOC INPR JFULL JOUR LEGAL MANSCPT MGZN MUSIC NEWS RPRT SER SLIDE SOUND STAND UNBILL VIDEO',
);
// SP is "number of pages" (BOOK, EBOOK, THES …) or running time (MPCT).
const SP_EXTENT = set('BOOK EBOOK EDBOOK THES MPCT');
const DA_ACCESSED = set('AGGR DBASE EBOOK EJOUR MULTI');

const A2_SERIES_EDITOR = set('BOOK EDBOOK RPRT MAP COMP WEB UNPB CLSWK ELEC MULTI');
// performers, reporter, issuing body, producer, recipient, sponsor: not editors.
const A2_CONTRIBUTOR = set('ADVS SLIDE SOUND VIDEO CASE PAT DATA PCOMM ICOMM BILL');
// advisor THES, producer MPCT, publisher RPRT, higher court CASE, illustrator BLOG.
const A3_CONTRIBUTOR = set('THES MPCT RPRT CASE BLOG');
const A4_TRANSLATOR = set('BOOK CHAP ECHAP EDBOOK EBOOK DICT ENCYC ANCIENT CLSWK CTLG GRANT PAMP');

const ISSUE_FALLBACK: Readonly<Record<string, readonly string[]>> = {
  // EndNote writes a journal's issue in M1 (Zotero's EndNote cleaner reads it there too).
  JOUR: ['M1'],
  JFULL: ['M1'],
  CONF: ['M1'],
  EJOUR: ['M1'],
  MGZN: ['M1'],
  GOVDOC: ['M1'],
  NEWS: ['C2'],
  RPRT: ['C6'],
};
const NO_FALLBACK: readonly string[] = [];

function build(
  code: string,
  label: string,
  era: RisTypeEra,
  csl: string,
  zotero: string,
  legacy: boolean,
  known: boolean,
): RisTypeInfo {
  const container: ContainerRule = PERIODICAL.has(code)
    ? 'journal'
    : T2_BOOK.has(code)
      ? 'book'
      : T2_CONF.has(code)
        ? 'conference'
        : T2_NONE.has(code)
          ? 'none'
          : 'generic';
  const sn: SnKind = SN_NUMBER.has(code)
    ? 'number'
    : SN_ISSN.has(code)
      ? 'issn'
      : SN_EITHER.has(code) || !known
        ? 'either'
        : 'isbn';
  return {
    code,
    label,
    era,
    csl,
    zotero,
    known,
    legacy,
    periodical: PERIODICAL.has(code),
    book: BOOK.has(code),
    container,
    sn,
    vlIsVolume: !known || VL_VOLUME.has(code),
    spIsExtent: SP_EXTENT.has(code),
    daIsAccessed: DA_ACCESSED.has(code),
    isNotIssue: code === 'CHAP',
    issueFallback: ISSUE_FALLBACK[code] ?? NO_FALLBACK,
    c7IsArticleNumber: PERIODICAL.has(code) || T2_CONF.has(code) || code === 'GEN' || !known,
    roles: {
      au: code === 'EDBOOK' ? 'editor' : 'author',
      a2: A2_SERIES_EDITOR.has(code) ? 'series_editor' : A2_CONTRIBUTOR.has(code) ? 'contributor' : 'editor',
      a3: code === 'BOOK' ? 'editor' : A3_CONTRIBUTOR.has(code) ? 'contributor' : 'series_editor',
      a4: A4_TRANSLATOR.has(code) ? 'translator' : 'contributor',
    },
  };
}

const TABLE: ReadonlyMap<string, RisTypeInfo> = new Map(
  ROWS.map(([code, label, era, csl, zotero, legacy]) => [
    code,
    build(code, label, era, csl, zotero, legacy ?? false, true),
  ]),
);

/** Every known type code, in table order. */
export const RIS_TYPE_CODES: readonly string[] = ROWS.map((r) => r[0]);

const unknownCache = new Map<string, RisTypeInfo>();

/**
 * Type information for a TY code (upper-cased by the lexer). Unknown codes (`HTML`, `PDF` …) get
 * generic rules, like Zotero and citation-js which fall back to a journal-ish/document type.
 * `JOURN` is citation-js' alias for JOUR.
 */
export function risTypeInfo(code: string): RisTypeInfo {
  const key = code === 'JOURN' ? 'JOUR' : code;
  const hit = TABLE.get(key);
  if (hit) return hit;
  let info = unknownCache.get(code);
  if (!info) {
    info = build(code, code, 'unknown', 'document', 'journalArticle', false, false);
    // The cache is bounded so a hostile file full of invented types cannot grow it forever.
    if (unknownCache.size < 256) unknownCache.set(code, info);
  }
  return info;
}

export function isKnownRisType(code: string): boolean {
  return TABLE.has(code) || code === 'JOURN';
}
