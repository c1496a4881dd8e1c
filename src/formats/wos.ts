/**
 * Web of Science plain text ("Other file formats → Plain text"): `FN`/`VR` header, two-letter
 * tags followed by one space, continuation lines indented by three spaces (one item each for
 * author lists, addresses and cited references), `ER` after each record, `EF` at the end. `C1`
 * writes `[Author; Author] Address`: explicit author affiliations.
 */
import type { RisTag } from '../ris/types.ts';
import { tagAppender } from './names.ts';
import { readTaggedLines, toSourceRecords } from './tagged-lines.ts';
import type { FormatReadResult } from './types.ts';

const MONTHS: Record<string, string> = {
  JAN: '01',
  FEB: '02',
  MAR: '03',
  APR: '04',
  MAY: '05',
  JUN: '06',
  JUL: '07',
  AUG: '08',
  SEP: '09',
  OCT: '10',
  NOV: '11',
  DEC: '12',
};

// Tags whose continuation lines are separate items rather than a wrapped value.
const LIST_TAGS = new Set([
  'AU',
  'AF',
  'BA',
  'BF',
  'CA',
  'GP',
  'ED',
  'C1',
  'C3',
  'CR',
  'EM',
  'RI',
  'OI',
  'FU',
]);

function risType(tags: readonly RisTag[]): string {
  const pt = tags
    .find((t) => t.tag === 'PT')
    ?.value.trim()
    .toUpperCase();
  const dt = (tags.find((t) => t.tag === 'DT')?.value ?? '').toLowerCase();
  if (dt.includes('proceedings paper') || pt === 'C') return 'CPAPER';
  if (dt.includes('book chapter')) return 'CHAP';
  if (pt === 'B') return 'BOOK';
  if (pt === 'P') return 'PAT';
  if (pt === 'J' || pt === 'S') return 'JOUR';
  return 'GEN';
}

function toRisTags(tags: readonly RisTag[]): RisTag[] {
  const out: RisTag[] = [];
  const append = tagAppender(out);
  // Problems quote the Web of Science tag a RIS tag was read from, when they differ.
  let from: RisTag | null = null;
  const push = (tag: string, value: string | null | undefined, line: number) =>
    append(tag, value, line, from && from.tag !== tag ? { tag: from.tag, value: from.value } : undefined);
  const items = (t: RisTag) => t.value.split('\n').filter((v) => v.trim() !== '');
  const has = (tag: string) => tags.some((t) => t.tag === tag);
  push('TY', risType(tags), tags[0]?.line ?? 1);
  // Full names (AF) when the record has them, else the abbreviated AU list; same for editors.
  const authorTag = has('AF') ? 'AF' : 'AU';
  const bookAuthorTag = has('BF') ? 'BF' : 'BA';
  const month = tags
    .find((t) => t.tag === 'PD')
    ?.value.trim()
    .toUpperCase()
    .slice(0, 3);
  for (const t of tags) {
    const v = t.value;
    from = t;
    switch (t.tag) {
      case authorTag:
      case bookAuthorTag:
      case 'CA':
        for (const name of items(t)) push('AU', name, t.line);
        break;
      case 'ED':
        for (const name of items(t)) push('ED', name, t.line);
        break;
      case 'TI':
        push('TI', v, t.line);
        break;
      case 'SO':
        push('T2', v, t.line);
        break;
      case 'SE':
        push('T3', v, t.line);
        break;
      case 'J9':
      case 'JI':
        push('J2', v, t.line);
        break;
      case 'PY': {
        push('PY', v, t.line);
        const mm = month ? MONTHS[month] : undefined;
        if (mm && /^\d{4}$/.test(v.trim())) push('DA', `${v.trim()}/${mm}`, t.line);
        break;
      }
      case 'VL':
        push('VL', v, t.line);
        break;
      case 'IS':
        push('IS', v, t.line);
        break;
      case 'BP':
        push('SP', v, t.line);
        break;
      case 'EP':
        push('EP', v, t.line);
        break;
      case 'AR':
        push('C7', v, t.line);
        break;
      case 'DI':
        push('DO', v, t.line);
        break;
      case 'SN':
      case 'EI':
      case 'BN':
        push('SN', v, t.line);
        break;
      case 'AB':
        push('AB', v, t.line);
        break;
      case 'DE':
        for (const k of v.split(';')) push('KW', k, t.line);
        break;
      case 'LA':
        push('LA', v, t.line);
        break;
      case 'PU':
        push('PB', v, t.line);
        break;
      case 'PI':
        push('CY', v, t.line);
        break;
      case 'C1':
        for (const address of items(t)) push('C1', address, t.line);
        break;
      case 'UT':
        push('AN', v, t.line);
        break;
      default:
        break;
    }
  }
  return out;
}

export function readWebOfScience(text: string): FormatReadResult {
  const { records, problems } = readTaggedLines(text, {
    formatName: 'Web of Science',
    tagLine: /^([A-Z][A-Z0-9])(?: (.*))?$/,
    continuation: /^ {2,3}(\S.*)$/,
    joinContinuation: (tag) => (LIST_TAGS.has(tag) ? '\n' : ' '),
    startsRecord: (tag) => tag === 'PT',
    endsRecord: (line) => /^ER\s*$/.test(line),
    ignoreLine: (line) => /^(?:FN |VR |EF\s*$)/.test(line),
  });
  return { records: toSourceRecords('WOS', records, risType, toRisTags), problems };
}
