import type { MappedName } from '../ris/types.ts';

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
