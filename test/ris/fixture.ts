import type { RisRecord } from '../../src/ris/types.js';

/** A `RisRecord` built by hand (the mapper is tested without the lexer). Lines count from 1 at TY. */
export function rec(type: string, tags: Array<[string, string]>, index = 1): RisRecord {
  const all = [
    { tag: 'TY', value: type, line: 1 },
    ...tags.map(([tag, value], i) => ({ tag, value, line: i + 2 })),
  ];
  return {
    index,
    line: 1,
    type: type.trim().toUpperCase(),
    tags: all,
    raw: `${all.map((t) => `${t.tag}  - ${t.value}`).join('\n')}\nER  - \n`,
  };
}
