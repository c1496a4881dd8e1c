import { decodeBase64, decodeCursorChunk } from '@pothos/core';
import { InvalidCursorError } from '../errors.ts';

/**
 * Refuses an `after` / `before` cursor that is malformed or was made under another ordering or
 * filter: cursors lead with the scope key of the query that made them (src/query/ordering.ts).
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
      if (!decoded.startsWith('DC:')) throw new Error('not a cursor');
      const value = decodeCursorChunk(decoded.slice(3));
      leading = Array.isArray(value) ? value[0] : value;
    } catch {
      throw new InvalidCursorError(
        `${argument}: "${cursor.slice(0, 100)}" is not a cursor of this connection`,
        argument,
      );
    }
    if (leading !== scopeKey) {
      throw new InvalidCursorError(
        `${argument}: this cursor was made for another ordering or filter than this request's; start again from the first page`,
        argument,
      );
    }
  }
}
