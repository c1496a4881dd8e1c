import { decodeBase64, decodeCursorChunk } from '@pothos/core';
import { InvalidCursorError } from '../errors.ts';

/**
 * Refuses an `after` / `before` cursor made under another ordering or filter. Cursors lead with the
 * scope key of the query that made them (src/query/ordering.ts); one that does not parse is left
 * to the connection plugin, which refuses it as malformed.
 */
export function assertCursorScope(
  args: { after?: string | null; before?: string | null },
  scopeKey: string,
): void {
  for (const argument of ['after', 'before'] as const) {
    const cursor = args[argument];
    if (!cursor) continue;
    let leading: unknown;
    try {
      const decoded = decodeBase64(cursor);
      if (!decoded.startsWith('DC:')) continue;
      const value = decodeCursorChunk(decoded.slice(3));
      leading = Array.isArray(value) ? value[0] : value;
    } catch {
      continue;
    }
    if (leading !== scopeKey) {
      throw new InvalidCursorError(
        `${argument}: this cursor was made for another ordering or filter than this request's; start again from the first page`,
        argument,
      );
    }
  }
}
