import SchemaBuilder from '@pothos/core';
import ComplexityPlugin from '@pothos/plugin-complexity';
import DrizzlePlugin from '@pothos/plugin-drizzle';
import ErrorsPlugin from '@pothos/plugin-errors';
import RelayPlugin from '@pothos/plugin-relay';
import ScopeAuthPlugin from '@pothos/plugin-scope-auth';
import { getTableConfig } from 'drizzle-orm/pg-core';
import { refusedForCredentials } from '../auth/caller.ts';
import type { Relations } from '../db/client.ts';
import { relations } from '../db/relations.ts';
import { ForbiddenError, UnauthenticatedError } from '../errors.ts';
import { fieldCost } from './complexity.ts';
import type { Context } from './context.ts';
import { MAX_ITEMS } from './extensions.ts';
import { decodeRowGlobalID, existingGlobalIds, NODE_TYPES, rowIdOf } from './node-ids.ts';

export interface PothosTypes {
  Context: Context;
  DrizzleRelations: Relations;
  DefaultFieldNullability: false;
  Scalars: {
    File: { Input: File; Output: never };
    JSON: { Input: unknown; Output: unknown };
    DateTime: { Input: Date; Output: Date | string };
  };
  AuthScopes: {
    /** The request may change data: a valid token, or a loopback client while no token exists. */
    writer: boolean;
  };
}

/** The builder only wires plugins; every type registers itself in its own module. */
export const builder = new SchemaBuilder<PothosTypes>({
  // Errors wraps scope-auth so a refused mutation with ForbiddenError in its union gets it as a
  // result instead of a top-level error.
  plugins: [ErrorsPlugin, ScopeAuthPlugin, RelayPlugin, DrizzlePlugin, ComplexityPlugin],
  scopeAuth: {
    authScopes: (ctx) => ({
      writer: async () => (await ctx.auth.writeDenial()) === null,
    }),
    unauthorizedError: (_parent, ctx) => {
      const reason = ctx.auth.deniedBecause ?? 'This operation is not allowed for this caller';
      return refusedForCredentials(ctx.auth.caller, reason)
        ? new UnauthenticatedError(reason)
        : new ForbiddenError(reason);
    },
  },
  complexity: {
    // Limits are enforced per request by the server (src/server/limits.ts); the builder only
    // says what each field costs.
    fieldComplexity: fieldCost,
  },
  // Fields are non-null unless they say otherwise, so the schema states what a client can rely on.
  defaultFieldNullability: false,
  drizzle: {
    client: (ctx) => ctx.db,
    getTableConfig,
    relations,
    defaultConnectionSize: 20,
    maxConnectionSize: 100,
  },
  relay: {
    clientMutationId: 'omit',
    decodeGlobalID: (globalID) => decodeRowGlobalID(globalID),
    cursorType: 'String',
    nodeQueryOptions: {
      description:
        'Fetches any object by its global ID; null when it does not exist. A malformed ID is an INVALID_ID error.',
      args: { id: { description: 'A global ID as returned by any `id` field.' } },
      resolve: async (_root, args, ctx, _info, resolveNode) => {
        rowIdOf(args.id, NODE_TYPES, 'id');
        const [existing] = await existingGlobalIds(ctx.db, [args.id]);
        if (!existing) return null;
        // Like resolveNodes below, the loader reads args.id, so a merged ID's survivor goes there.
        (args as { id: unknown }).id = existing;
        return resolveNode(existing);
      },
    },
    nodesQueryOptions: {
      description:
        'Fetches several objects by their global IDs, in order; an unknown ID gives null in its place. A malformed ID fails the field with INVALID_ID naming its position.',
      args: {
        ids: {
          description: 'Global IDs as returned by any `id` field.',
          // Bounded like a page, by its own rule with its own message (src/server/limits.ts).
          extensions: { [MAX_ITEMS]: 'BIBGRAPH_MAX_PAGE_SIZE' },
        },
      },
      resolve: async (_root, args, ctx, _info, resolveNodes) => {
        for (const [i, id] of args.ids.entries()) rowIdOf(id, NODE_TYPES, `ids[${i}]`);
        // The relay plugin's resolveNodes reads args.ids, so the checked list goes back there.
        const checked = await existingGlobalIds(ctx.db, args.ids);
        (args as { ids: unknown[] }).ids = checked;
        return resolveNodes(checked.filter((id) => id !== null));
      },
    },
    nodeTypeOptions: { description: 'An object with a global ID that `node` can fetch again.' },
    idFieldOptions: { description: 'Global ID of the object.' },
    pageInfoTypeOptions: { description: 'Where a page sits in a connection.' },
    hasNextPageFieldOptions: { description: 'True when more items follow this page.' },
    hasPreviousPageFieldOptions: { description: 'True when items precede this page.' },
    startCursorFieldOptions: { description: 'Cursor of the first item of the page; null for an empty page.' },
    endCursorFieldOptions: { description: 'Cursor of the last item of the page; null for an empty page.' },
    firstArgOptions: {
      description: 'Page forward: the number of items after `after` (default 20, at most 100).',
    },
    afterArgOptions: { description: 'Cursor after which the page starts (an `endCursor`).' },
    lastArgOptions: { description: 'Page backward: the number of items before `before` (at most 100).' },
    beforeArgOptions: { description: 'Cursor before which the page ends (a `startCursor`).' },
    cursorFieldOptions: { description: 'Opaque cursor of this item, stable while data is added.' },
    nodeFieldOptions: { description: 'The item.' },
    edgesFieldOptions: { description: 'The items of this page with their cursors.' },
    nodesOnConnection: { description: 'The items of this page.' },
    pageInfoFieldOptions: { description: 'Paging information.' },
  },
  errors: {
    defaultTypes: [],
  },
});

builder.queryType({ description: 'Reading the bibliography.' });
builder.mutationType({
  description:
    'Changing the bibliography. Every mutation needs an API token (`Authorization: Bearer <token>`), or a loopback client while no token exists.',
  authScopes: { writer: true },
});
