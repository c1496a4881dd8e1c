import type { MappedName } from '../citation/types.ts';
import type { RisTag } from '../ris/types.ts';

/** A structured name as an RIS author line (`Family, Given, Suffix`, or the literal as it is). */
export function nameAsRis(name: MappedName): string {
  if (name.literal) return name.literal;
  return [name.family ?? '', name.given ?? '', name.suffix ?? ''].filter((p, i) => i === 0 || p).join(', ');
}

export function person(
  family: string | null,
  given: string | null,
  suffix: string | null = null,
): MappedName {
  return { family: family || null, given: given || null, suffix: suffix || null, literal: null };
}

export function literalName(name: string): MappedName {
  return { family: null, given: null, suffix: null, literal: name };
}

/**
 * Appends a value to `out` as a tag, trimmed, unless it is blank: how every reader builds its tags.
 * `written` is the field as the input wrote it, for problems to quote (see `RisTag.written`).
 */
export function tagAppender(
  out: RisTag[],
): (tag: string, value: string | null | undefined, line: number, written?: RisTag['written']) => void {
  return (tag, value, line, written) => {
    const v = value?.trim();
    if (v) out.push(written ? { tag, value: v, line, written } : { tag, value: v, line });
  };
}

/**
 * The people of a BibTeX entry or CSL item (`author`, `editor`, `translator` lists), each read by
 * `toName`, as RIS author/editor/translator tags plus the structured names in the same order.
 */
export function creatorTags(
  fields: Record<string, unknown>,
  toName: (creator: unknown) => MappedName | null,
  add: (tag: string, value: string, line: number, written?: RisTag['written']) => void,
  line: number,
): MappedName[] {
  const names: MappedName[] = [];
  for (const [key, tag] of [
    ['author', 'AU'],
    ['editor', 'ED'],
    ['translator', 'TA'],
  ] as const) {
    const list = fields[key];
    if (!Array.isArray(list)) continue;
    for (const creator of list) {
      const name = toName(creator);
      if (!name) continue;
      names.push(name);
      const value = nameAsRis(name);
      add(tag, value, line, { tag: key, value });
    }
  }
  return names;
}
