/**
 * Two-character tags a RIS lexer should trust. A tag outside this set is still kept when it is
 * written in the spec's `XX  - ` form, but the looser forms (`XX - value`) and tags found inside
 * flattened one-line records are only believed for tags listed here, because prose such as
 * `NF - kappa` or `History of the CDC PY - 1999` would otherwise be torn apart.
 */

// 2011 RefMan specification (per-type tables) plus the tags it still lists as legacy.
const SPEC_2011 = [
  'TY',
  'ER',
  'ID',
  'TI',
  'T1',
  'T2',
  'T3',
  'CT',
  'BT',
  'ST',
  'TT',
  'AU',
  'A1',
  'A2',
  'A3',
  'A4',
  'ED',
  'TA',
  'AD',
  'AB',
  'N1',
  'N2',
  'RN',
  'KW',
  'PY',
  'DA',
  'Y1',
  'Y2',
  'JF',
  'JO',
  'JA',
  'J1',
  'J2',
  'VL',
  'IS',
  'CP',
  'SP',
  'EP',
  'SE',
  'SV',
  'NV',
  'ET',
  'PB',
  'CY',
  'SN',
  'M1',
  'M2',
  'M3',
  'C1',
  'C2',
  'C3',
  'C4',
  'C5',
  'C6',
  'C7',
  'C8',
  'OP',
  'RI',
  'RP',
  'DO',
  'UR',
  'LK',
  'L1',
  'L2',
  'L3',
  'L4',
  'AN',
  'CN',
  'DB',
  'DP',
  'LA',
  'LB',
  'CA',
  'AV',
  'U1',
  'U2',
  'U3',
  'U4',
  'U5',
  'U6',
] as const;

// Vendor tags seen in real exports: Web of Science (J9, JI, PU, PI, PA, FU, FX, WE, BN, SO),
// Citavi (H1, H2, M4, TS), IEEE/ProQuest (VO, PP), EndNote's NL (non-English title language).
const VENDOR = [
  'J9',
  'JI',
  'PU',
  'PI',
  'PA',
  'FU',
  'FX',
  'WE',
  'BN',
  'SO',
  'H1',
  'H2',
  'M4',
  'TS',
  'VO',
  'PP',
  'NL',
] as const;

export const KNOWN_TAGS: ReadonlySet<string> = new Set<string>([...SPEC_2011, ...VENDOR]);

export function isKnownTag(tag: string): boolean {
  return KNOWN_TAGS.has(tag);
}

/** Same test on two char codes, without building a string (hot path of the lexer). */
const KNOWN_CODES = new Set<number>([...KNOWN_TAGS].map((t) => t.charCodeAt(0) * 128 + t.charCodeAt(1)));

export function isKnownTagCodes(c0: number, c1: number): boolean {
  return KNOWN_CODES.has(c0 * 128 + c1);
}
