import { GraphQLDeferDirective, GraphQLStreamDirective } from '@graphql-tools/utils';
import {
  type GraphQLSchema,
  getNullableType,
  isNonNullType,
  isObjectType,
  specifiedDirectives,
} from 'graphql';
import { builder } from './builder.ts';
import { boundInputs } from './input-limits.ts';
import { readLoadedColumns } from './loaded-columns.ts';
import { syncNodeIds } from './node-ids.ts';
import './scalars.ts';
import './author.ts';
import './affiliation.ts';
import './keyword.ts';
import './organization.ts';
import './citation.ts';
import './ingestion.ts';
import './errors.ts';
import './error-code.ts';
import './curation.ts';
import './audit.ts';
import './export.ts';
import './suggest.ts';
import './live.ts';

/**
 * Connection and edge types are generated per field by the relay and drizzle plugins; give the
 * ones left without a description the standard wording so the schema documents itself throughout.
 */
function describeConnections(schema: GraphQLSchema): GraphQLSchema {
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isObjectType(type) || type.name.startsWith('__')) continue;
    if (type.name.endsWith('ConnectionEdge') || type.name.endsWith('Edge')) {
      type.description ??= 'An item of a connection page, with its cursor.';
    } else if (type.name.endsWith('Connection')) {
      type.description ??= 'A page of items with cursors for forward and backward paging.';
      const totalCount = type.getFields().totalCount;
      if (totalCount) totalCount.description ??= 'Number of items across all pages (the whole filtered set).';
    }
  }
  return schema;
}

/**
 * A bad argument (a malformed ID or cursor, a negative `first`) must fail only its own field. An
 * error on a non-null field nulls its parent instead, up to the whole response for a root field,
 * taking every sibling with it. So every root field that takes arguments, and every connection
 * (cursors and filters are arguments), is nullable: null with an error in `errors` at its path.
 */
function nullableWhereArgumentsCanFail(schema: GraphQLSchema): GraphQLSchema {
  const query = schema.getQueryType();
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isObjectType(type) || type.name.startsWith('__')) continue;
    for (const field of Object.values(type.getFields())) {
      const fallible =
        (type === query && field.args.length > 0) ||
        getNullableType(field.type).toString().endsWith('Connection');
      if (fallible && isNonNullType(field.type)) field.type = getNullableType(field.type);
    }
  }
  return schema;
}

// @defer and @stream are part of the schema (not only added by Yoga's plugin at run time), so
// codegen and client validation against schema.graphql accept documents that use them.
const built = builder.toSchema({
  sortSchema: true,
  directives: [...specifiedDirectives, GraphQLDeferDirective, GraphQLStreamDirective],
});

// Resolver-level steps (syncNodeIds, readLoadedColumns) change how fields answer, never the SDL.
export const schema = readLoadedColumns(
  syncNodeIds(nullableWhereArgumentsCanFail(boundInputs(describeConnections(built)))),
);
