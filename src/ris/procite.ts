/**
 * Reference Manager and ProCite write the book-level fields they have no RIS tag for as labelled
 * notes: `N1  - Author, Monographic: Jane Editor`, `N1  - Title Monographic: The Book`,
 * `N1  - Series Title: …`. Zotero reads them back as the fields they name; so does this, by
 * rewriting those notes into the tags that carry the fields before the record is mapped.
 */
import type { RisTag } from './types.ts';

const LABELLED = /^([A-Za-z][A-Za-z, ]{2,40}?)\s*:\s*([\s\S]+)$/;

/** `Title Monographic` and `Title, Monographic` alike. */
function label(raw: string): string {
  return raw.replace(/,/g, '').replace(/\s+/g, ' ').trim().toLowerCase();
}

/**
 * The tags with labelled book-level notes rewritten: the monographic (book) author becomes an
 * `A2` per name (`;`-separated, given name first as ProCite writes them), the monographic title
 * the container title `T2` and the series title `T3` — each only where the record has no such tag.
 */
export function rewriteLabelledNotes(tags: readonly RisTag[]): RisTag[] {
  if (!tags.some((t) => t.tag === 'N1' && LABELLED.test(t.value))) return tags as RisTag[];
  const has = (tag: string) => tags.some((t) => t.tag === tag && t.value.trim() !== '');
  const out: RisTag[] = [];
  for (const t of tags) {
    const m = t.tag === 'N1' ? LABELLED.exec(t.value.trim()) : null;
    const value = m?.[2]?.trim() ?? '';
    switch (m ? label(m[1] as string) : '') {
      case 'author monographic':
        if (has('A2')) break;
        for (const name of value.split(/\s*;\s*/))
          if (name) out.push({ tag: 'A2', value: name, line: t.line });
        continue;
      case 'title monographic':
        if (has('T2') || has('BT')) break;
        out.push({ tag: 'T2', value, line: t.line });
        continue;
      case 'series title':
        if (has('T3')) break;
        out.push({ tag: 'T3', value, line: t.line });
        continue;
      default:
        break;
    }
    out.push(t);
  }
  return out;
}
