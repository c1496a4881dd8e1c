import { type GraphQLSchema, isObjectType } from 'graphql';
import { builder } from './builder.ts';
import { boundInputs } from './input-limits.ts';
import './scalars.ts';
import './author.ts';
import './affiliation.ts';
import './keyword.ts';
import './citation.ts';
import './ingestion.ts';
import './errors.ts';
import './curation.ts';
import './audit.ts';
import './export.ts';
import './suggest.ts';

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

export const schema = boundInputs(describeConnections(builder.toSchema({ sortSchema: true })));
