/**
 * Writes one record in the 2011 spec's layout (`TAG  - value`, `ER  - ` last). Readers differ in
 * what they accept, so the output sticks to the strictest form: two spaces before the hyphen,
 * one after, TY first, and multi-line values as untagged continuation lines.
 */

export interface FormatRisOptions {
  /** Line ending; the spec says CR LF, most tools accept LF. Default "\n". */
  eol?: '\n' | '\r\n';
}

const TAG_LIKE = /^[A-Z][A-Z0-9] *-|^ER\s*$/;

function continuation(line: string): string {
  // A continuation line that starts like a tag would be read back as one; a leading space keeps
  // it a continuation (readers trim continuation lines, so the value survives the round trip).
  return TAG_LIKE.test(line) ? ` ${line}` : line;
}

export function formatRisTags(
  tags: ReadonlyArray<{ tag: string; value: string }>,
  options: FormatRisOptions = {},
): string {
  const eol = options.eol ?? '\n';
  const ordered = [
    ...tags.filter((t) => t.tag === 'TY'),
    ...tags.filter((t) => t.tag !== 'TY' && t.tag !== 'ER'),
  ];
  const out: string[] = [];
  for (const { tag, value } of ordered) {
    const lines = value.split(/\r\n|\r|\n|\u2028|\u2029/);
    out.push(`${tag}  - ${(lines[0] ?? '').trimEnd()}`);
    for (let i = 1; i < lines.length; i++) {
      const line = (lines[i] as string).trim();
      if (line !== '') out.push(continuation(line));
    }
  }
  out.push('ER  - ');
  return out.join(eol) + eol;
}
