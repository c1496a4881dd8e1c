import { type GraphQLOutputType, getNamedType, getNullableType, isListType } from 'graphql';

/** Page size the drizzle connections use when neither `first` nor `last` is given. */
const DEFAULT_PAGE = 20;
/** Assumed length of a plain list field without a size argument (authors of a citation: typically a handful). */
const DEFAULT_LIST = 5;

/**
 * Page size from `first` / `last`. Facet `size` is left out on purpose: buckets are the rows of
 * one aggregate query, so more of them cost little, while a page multiplies everything under it.
 */
function requestedSize(args: Record<string, unknown>): number | null {
  for (const key of ['first', 'last']) {
    const v = args[key];
    if (typeof v === 'number' && Number.isFinite(v)) return Math.max(0, v);
  }
  return null;
}

/**
 * Cost of one field for the complexity plugin: 1 for the field itself, and its selections
 * multiplied by how many items it can return. A connection counts its page size once; its
 * `edges` / `nodes` lists then multiply by 1, so a page is not counted twice.
 */
export function fieldCost(
  args: Record<string, unknown>,
  _ctx: unknown,
  field: { name: string; type: GraphQLOutputType },
): { field: number; multiplier: number } {
  const named = getNamedType(field.type);
  // `nodes(ids:)` fetches one object per ID, each with everything selected under it.
  if (field.name === 'nodes' && 'ids' in args) {
    return { field: 1, multiplier: Array.isArray(args.ids) ? args.ids.length : 1 };
  }
  if (named.name.endsWith('Connection')) {
    return { field: 1, multiplier: requestedSize(args) ?? DEFAULT_PAGE };
  }
  if ((field.name === 'edges' || field.name === 'nodes') && isListType(getNullableType(field.type))) {
    return { field: 1, multiplier: 1 };
  }
  if (isListType(getNullableType(field.type))) {
    return { field: 1, multiplier: requestedSize(args) ?? DEFAULT_LIST };
  }
  return { field: 1, multiplier: 1 };
}

/**
 * Cost of a field that builds a whole set at once (a bibliography, an export document): the
 * number of entries it may hold — the IDs given, or else its cap, since a filter's size is only
 * known once it runs — charged once for the work. With `perEntry`, what is selected under the
 * field is multiplied by that number too (a bibliography's entries).
 */
export function setCost(cap: number, perEntry = false) {
  return (args: Record<string, unknown>): { field: number; multiplier: number } => {
    const entries = Array.isArray(args.ids) ? Math.min(args.ids.length, cap) : cap;
    return { field: 1 + entries, multiplier: perEntry ? entries : 1 };
  };
}
