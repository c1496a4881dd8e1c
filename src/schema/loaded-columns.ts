import {
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLFieldResolver,
  type GraphQLObjectType,
  type GraphQLResolveInfo,
  type GraphQLSchema,
  getNamedType,
  isObjectType,
  Kind,
  type SelectionSetNode,
} from 'graphql';

/** Extension naming the row column an exposed field reads (see `readLoadedColumns`). */
export const LOADED_COLUMN = 'bibgraphLoadedColumn';

/**
 * Extension a list field sets to the key its whole list may arrive under on the parent row, as
 * JSON of columns only (src/query/linked-lists.ts): `extensions: { [ROW_LIST]: 'authorList' }`.
 */
export const ROW_LIST = 'bibgraphRowList';

/**
 * Extension a plain field sets to the column (drizzle key) it answers with unchanged, when the
 * column is one the type always selects: `extensions: { [ROW_COLUMN]: 'name' }` for
 * `resolve: (a) => a.name`. Lists written as text in the statement (src/schema/text-lists.ts) may
 * then write it there.
 */
export const ROW_COLUMN = 'bibgraphRowColumn';

/** Extension `syncNodeIds` sets on every `id` it answers with the row's global ID (src/schema/node-ids.ts). */
export const GLOBAL_ROW_ID = 'bibgraphGlobalRowId';

/**
 * Extension `readLoadedColumns` sets on every field it lets answer from the row: given the row and
 * the resolve info, whether this call does. Such a call needs neither the plugin's plan nor a
 * shared path (src/server/jit.ts reads it).
 */
export const FROM_ROW = 'bibgraphFromRow';

export type FromRow = (row: unknown, info: GraphQLResolveInfo) => boolean;

/**
 * Fields that answer from the row in hand, past Pothos' drizzle plugin, when the row holds what
 * they read. The plugin otherwise asks its per-request plan, for every row, whether the row was
 * loaded with the field's data and records the answer for the fields below — the largest share of
 * a page's per-field cost after the executor.
 * - A field exposing one column (`t.exposeString('title')` on a drizzle object), when the row
 *   carries the column: 250 of the canonical page's fields. A row holds a column's key only when
 *   the column was selected (drizzle builds rows from the selection), so a row without the key — a
 *   bibliography entry's citation carries only its ID — still goes to the plugin, which loads it.
 * - A list loaded as JSON on the parent row (`ROW_LIST`: a citation's authors, affiliations and
 *   keywords, 150 calls on the canonical page), when the row carries the list and every field asked
 *   of its items is answered from the item or by a plain resolver. The plugin's record is what
 *   fields below with a selection of their own read; with none below, it is never read (~5 % of the
 *   page's CPU).
 */
export function readLoadedColumns(schema: GraphQLSchema): GraphQLSchema {
  const plainBelow = plainSelections();
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isObjectType(type) || type.name.startsWith('__')) continue;
    for (const field of Object.values(type.getFields())) {
      const extensions = field.extensions as Record<string, unknown>;
      const original = extensions.pothosOriginalResolve as GraphQLFieldResolver<unknown, unknown> | undefined;
      const planned = field.resolve as GraphQLFieldResolver<unknown, unknown> | undefined;
      if (!original || !planned || extensions.pothosDrizzleLoaded) continue;
      const fromRow = rowAnswer(extensions, plainBelow);
      if (!fromRow) continue;
      field.resolve = (row, args, context, info) =>
        fromRow(row, info) ? original(row, args, context, info) : planned(row, args, context, info);
      field.extensions = {
        ...extensions,
        [FROM_ROW]: fromRow,
        ...(typeof extensions.pothosExposedField === 'string' && !extensions[ROW_LIST]
          ? { [LOADED_COLUMN]: extensions.pothosExposedField }
          : {}),
      };
    }
  }
  return schema;
}

function hasKey(row: unknown, key: string): boolean {
  return row !== null && typeof row === 'object' && key in row;
}

function rowAnswer(
  extensions: Record<string, unknown>,
  plainBelow: (info: GraphQLResolveInfo) => boolean,
): FromRow | null {
  const list = extensions[ROW_LIST];
  if (typeof list === 'string') return (row, info) => hasKey(row, list) && plainBelow(info);
  const column = extensions.pothosExposedField;
  const select = extensions.pothosDrizzleSelect as { columns?: Record<string, unknown> } | undefined;
  if (typeof column !== 'string') return null;
  // Exactly the one column: a field selecting more (or a relation) keeps the plugin's check.
  const columns = Object.keys(select?.columns ?? {});
  if (Object.keys(select ?? {}).length !== 1 || columns.length !== 1 || columns[0] !== column) return null;
  return (row) => hasKey(row, column);
}

/**
 * Whether every field a list field's items are asked for (through fragments too, whatever their
 * conditions) reads nothing from the plugin's record: `__typename`, a field without a selection of
 * its own, or a single loaded column (which the item carries: the list's JSON holds every column
 * asked for, or the list is not loaded as JSON). Decided once per set of field nodes: graphql-jit
 * and graphql-js hand a field the same array at every call of an operation.
 */
function plainSelections(): (info: GraphQLResolveInfo) => boolean {
  const decided = new WeakMap<readonly FieldNode[], boolean>();
  return (info) => {
    let plain = decided.get(info.fieldNodes);
    if (plain === undefined) {
      const itemType = getNamedType(info.returnType);
      plain =
        isObjectType(itemType) &&
        info.fieldNodes.every(
          (node) =>
            !node.selectionSet || selectionIsPlain(node.selectionSet, itemType, info.fragments, new Set()),
        );
      decided.set(info.fieldNodes, plain);
    }
    return plain;
  };
}

function selectionIsPlain(
  set: SelectionSetNode,
  type: GraphQLObjectType,
  fragments: Record<string, FragmentDefinitionNode>,
  visited: Set<string>,
): boolean {
  const fields = type.getFields();
  return set.selections.every((selection) => {
    if (selection.kind === Kind.INLINE_FRAGMENT)
      return selectionIsPlain(selection.selectionSet, type, fragments, visited);
    if (selection.kind === Kind.FRAGMENT_SPREAD) {
      const name = selection.name.value;
      if (visited.has(name)) return true;
      visited.add(name);
      const fragment = fragments[name];
      return fragment !== undefined && selectionIsPlain(fragment.selectionSet, type, fragments, visited);
    }
    if (selection.name.value === '__typename') return true;
    const field = fields[selection.name.value];
    if (!field) return false;
    const extensions = field.extensions as Record<string, unknown>;
    return !extensions.pothosDrizzleSelect || typeof extensions[LOADED_COLUMN] === 'string';
  });
}
