import { type GraphQLFieldResolver, type GraphQLSchema, isObjectType } from 'graphql';

/** Extension naming the row column an exposed field reads (see `readLoadedColumns`). */
export const LOADED_COLUMN = 'bibgraphLoadedColumn';

/**
 * A field that exposes one column (`t.exposeString('title')` on a drizzle object) reads the
 * column straight off the row when the row carries it. Pothos' drizzle plugin otherwise asks its
 * per-request plan, for every row, whether the row was loaded with that column and records the
 * answer for fields below — a leaf has none — which was the largest share of a page's per-field
 * cost after the executor (250 of the canonical page's fields). A row holds a column's key only
 * when the column was selected (drizzle builds rows from the selection), so a row without the key
 * — a bibliography entry's citation carries only its ID — still goes to the plugin, which loads it.
 */
export function readLoadedColumns(schema: GraphQLSchema): GraphQLSchema {
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isObjectType(type) || type.name.startsWith('__')) continue;
    for (const field of Object.values(type.getFields())) {
      const extensions = field.extensions as Record<string, unknown>;
      const column = extensions.pothosExposedField;
      const select = extensions.pothosDrizzleSelect as { columns?: Record<string, unknown> } | undefined;
      const original = extensions.pothosOriginalResolve as GraphQLFieldResolver<unknown, unknown> | undefined;
      const planned = field.resolve as GraphQLFieldResolver<unknown, unknown> | undefined;
      if (typeof column !== 'string' || !original || !planned || extensions.pothosDrizzleLoaded) continue;
      // Exactly the one column: a field selecting more (or a relation) keeps the plugin's check.
      const columns = Object.keys(select?.columns ?? {});
      if (Object.keys(select ?? {}).length !== 1 || columns.length !== 1 || columns[0] !== column) continue;
      field.resolve = (row, args, context, info) =>
        row !== null && typeof row === 'object' && column in row
          ? original(row, args, context, info)
          : planned(row, args, context, info);
      field.extensions = { ...extensions, [LOADED_COLUMN]: column };
    }
  }
  return schema;
}
