import { GraphQLError, Kind, type ValueNode } from 'graphql';
import { builder } from './builder.ts';

builder.scalarType('File', {
  description: 'A file sent as a multipart request part (GraphQL multipart request spec).',
  serialize: () => {
    throw new GraphQLError('File is an input-only scalar');
  },
  // Only a multipart request part arrives as a File; a string or object in its place is a client
  // mistake to name, not an internal error later.
  parseValue: (value) => {
    if (value !== null && typeof value === 'object' && typeof (value as File).stream === 'function') {
      return value as File;
    }
    throw new GraphQLError(
      'File expects an uploaded file: send a multipart request (GraphQL multipart request spec) with the file as a part mapped to this variable',
    );
  },
  parseLiteral: () => {
    throw new GraphQLError(
      'File cannot be written inline in the query: send a multipart request with the file mapped to a variable',
    );
  },
});

function literalToJson(ast: ValueNode): unknown {
  switch (ast.kind) {
    case Kind.STRING:
    case Kind.BOOLEAN:
      return ast.value;
    case Kind.INT:
    case Kind.FLOAT:
      return Number(ast.value);
    case Kind.NULL:
      return null;
    case Kind.LIST:
      return ast.values.map(literalToJson);
    case Kind.OBJECT:
      return Object.fromEntries(ast.fields.map((f) => [f.name.value, literalToJson(f.value)]));
    default:
      throw new GraphQLError('JSON literals cannot contain variables');
  }
}

builder.scalarType('JSON', {
  description: 'Any JSON value.',
  serialize: (value) => value,
  parseValue: (value) => value,
  parseLiteral: literalToJson,
});

builder.scalarType('DateTime', {
  description: 'A point in time, ISO 8601 with time zone (e.g. 2026-11-25T14:44:00.000Z).',
  serialize: (value) => (value instanceof Date ? value.toISOString() : new Date(String(value)).toISOString()),
  parseValue: (value) => {
    const text = String(value);
    const d = new Date(text);
    if (Number.isNaN(d.getTime()) || !calendarDay(text)) throw new GraphQLError(`Invalid DateTime: ${text}`);
    return d;
  },
});

/**
 * False when the text starts with a date that no calendar has ("2020-02-30", "2021-02-29",
 * month 13): JavaScript's Date rolls those over into the next month, so a `since` of February 30th
 * quietly meant March 1st.
 */
function calendarDay(text: string): boolean {
  const date = /^(\d{4})-(\d{2})-(\d{2})/.exec(text);
  if (!date) return true;
  const [year, month, day] = [Number(date[1]), Number(date[2]), Number(date[3])];
  const probe = new Date(Date.UTC(year, month - 1, day));
  return probe.getUTCMonth() === month - 1 && probe.getUTCDate() === day;
}
