/**
 * PubMed/MEDLINE (`.nbib`, "PubMed format"): `PMID- 123`, four-character tags padded to `TAG - `,
 * continuation lines indented by six spaces, a blank line between records. Authors come as
 * `FAU` (full) + `AU` (initials) pairs, each followed by that author's `AD` lines — explicit
 * author affiliations that RIS exports of the same record flatten.
 */
import type { RisTag } from '../ris/types.ts';
import { tagAppender } from './names.ts';
import { readTaggedLines, toSourceRecords } from './tagged-lines.ts';
import type { FormatReadResult } from './types.ts';

const MONTHS: Record<string, string> = {
  jan: '01',
  feb: '02',
  mar: '03',
  apr: '04',
  may: '05',
  jun: '06',
  jul: '07',
  aug: '08',
  sep: '09',
  oct: '10',
  nov: '11',
  dec: '12',
};

/** `2020 Mar 15`, `2020 Mar`, `2020 Mar-Apr`, `2019 Winter`, `2020` → RIS `DA` (`2020/03/15`). */
export function medlineDate(dp: string): string | null {
  const m = /^(\d{4})(?:\s+([A-Za-z]{3})[a-z]*(?:\s+(\d{1,2}))?)?/.exec(dp.trim());
  if (!m) return null;
  const month = m[2] ? MONTHS[m[2].toLowerCase()] : undefined;
  if (!month) return `${m[1]}`;
  return m[3] ? `${m[1]}/${month}/${m[3].padStart(2, '0')}` : `${m[1]}/${month}`;
}

/** The RIS type of a MEDLINE record from its publication types (`PT`) and what it has. */
function risType(tags: readonly RisTag[]): string {
  const pts = tags.filter((t) => t.tag === 'PT').map((t) => t.value.toLowerCase());
  const has = (tag: string) => tags.some((t) => t.tag === tag);
  if (has('BTI') && !has('JT')) return has('TI') ? 'CHAP' : 'BOOK';
  if (pts.some((p) => p === 'book' || p === 'books')) return 'BOOK';
  if (pts.includes('preprint') && !has('JT')) return 'UNPB';
  if (has('JT') || has('TA')) return 'JOUR';
  return 'GEN';
}

/** One MEDLINE record → RIS tags, in an order the RIS mapper reads as intended. */
function toRisTags(tags: readonly RisTag[]): RisTag[] {
  const out: RisTag[] = [];
  const append = tagAppender(out);
  // Problems quote the MEDLINE tag and value a RIS tag was read from, when they differ.
  let from: RisTag | null = null;
  const push = (tag: string, value: string | null | undefined, line: number) =>
    append(
      tag,
      value,
      line,
      from && (from.tag !== tag || from.value !== value) ? { tag: from.tag, value: from.value } : undefined,
    );
  const first = tags[0]?.line ?? 1;
  push('TY', risType(tags), first);
  let lastFullName = false;
  for (const t of tags) {
    const v = t.value;
    from = t;
    switch (t.tag) {
      case 'TI':
      case 'BTI':
        push(t.tag === 'BTI' && tags.some((x) => x.tag === 'TI') ? 'T2' : 'TI', v, t.line);
        break;
      case 'CTI':
        push('T3', v, t.line);
        break;
      case 'AB':
        push('AB', v, t.line);
        break;
      case 'FAU':
      case 'FED':
        // Full name (author or editor); the AU/ED line that follows gives it again as initials.
        push(t.tag === 'FAU' ? 'AU' : 'ED', v, t.line);
        lastFullName = true;
        continue;
      case 'AU':
      case 'ED':
        if (!lastFullName) push(t.tag, v, t.line);
        break;
      case 'CN':
        push('AU', v, t.line);
        break;
      case 'AD':
        push('AD', v, t.line);
        // Kept right after their author: the mapper links an address that follows each author.
        continue;
      case 'JT':
        push('T2', v, t.line);
        break;
      case 'TA':
        push('J2', v, t.line);
        break;
      case 'DP': {
        // A DP with no year is passed on as it is, for the mapper to say it is no usable date.
        push('DA', medlineDate(v) ?? v, t.line);
        const year = /^\d{4}/.exec(v)?.[0];
        if (year) push('PY', year, t.line);
        break;
      }
      case 'VI':
        push('VL', v, t.line);
        break;
      case 'IP':
        push('IS', v, t.line);
        break;
      case 'PG':
        push('SP', v, t.line);
        break;
      case 'LID':
      case 'AID':
        if (/\[doi\]\s*$/i.test(v)) push('DO', v.replace(/\s*\[doi\]\s*$/i, ''), t.line);
        break;
      case 'IS':
      case 'ISBN':
        push('SN', v.replace(/\s*\((?:Print|Electronic|Linking)\)\s*$/i, ''), t.line);
        break;
      case 'LA':
        push('LA', v, t.line);
        break;
      case 'MH':
        // `*Neoplasms/therapy`: the descriptor, without the major-topic star and the qualifiers.
        push('KW', v.replace(/^\*/, '').split('/')[0] ?? '', t.line);
        break;
      case 'OT':
        push('KW', v, t.line);
        break;
      case 'PB':
        push('PB', v, t.line);
        break;
      case 'PL':
        if (tags.some((x) => x.tag === 'PB')) push('CY', v, t.line);
        break;
      case 'PMID':
        push('AN', `PMID:${v}`, t.line);
        break;
      case 'PMC':
        push('UR', `https://www.ncbi.nlm.nih.gov/pmc/articles/${v}/`, t.line);
        break;
      case 'GN':
        push('N1', v, t.line);
        break;
      default:
        break;
    }
    lastFullName = false;
  }
  return out;
}

export function readMedline(text: string): FormatReadResult {
  const { records, problems } = readTaggedLines(text, {
    formatName: 'MEDLINE',
    tagLine: /^([A-Z][A-Z0-9]{0,3})\s*-\s?(.*)$/,
    continuation: /^\s{2,}(\S.*)$/,
    joinContinuation: () => ' ',
    startsRecord: (tag) => tag === 'PMID',
  });
  return { records: toSourceRecords('MEDLINE', records, risType, toRisTags), problems };
}
