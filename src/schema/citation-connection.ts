import type { FieldKind } from '@pothos/core';
import {
  type FieldNode,
  type GraphQLObjectType,
  type GraphQLResolveInfo,
  getArgumentValues,
  Kind,
} from 'graphql';
import { ValidationError } from '../errors.ts';
import type { CitationFilter } from '../query/citation-filter.ts';
import { clampFacetSize, countCitations, type FacetKind } from '../query/facets.ts';
import { citationRowsQuery } from '../query/ordering.ts';
import type { builder } from './builder.ts';
import { CitationFilterInput, CitationOrderEnum, toCitationFilter } from './citation-filter.ts';
import { assertCursorScope } from './cursor-scope.ts';
import { CitationFacetsRef, FacetLoader } from './facets.ts';

type Types = typeof builder extends PothosSchemaTypes.SchemaBuilder<infer T> ? T : never;

interface ConnectionArgs {
  filter?: typeof CitationFilterInput.$inferInput | null;
  orderBy?: typeof CitationOrderEnum.$inferType | null;
}

/**
 * Work started by the page resolver for its siblings. Pothos resolves `totalCount` and `facets`
 * only after the page, which would put three round trips in a row; started together they overlap.
 * Keyed by the field's args object, which the connection hands on unchanged.
 */
const early = new WeakMap<object, { count?: Promise<number>; facets?: FacetLoader }>();

function selected(info: GraphQLResolveInfo, name: string): FieldNode[] {
  return info.fieldNodes.flatMap((node) =>
    (node.selectionSet?.selections ?? []).filter(
      (s): s is FieldNode => s.kind === Kind.FIELD && s.name.value === name,
    ),
  );
}

/** Starts the facets named directly under `facets { … }` (fragments are left to the lazy path). */
function prefetchFacets(loader: FacetLoader, info: GraphQLResolveInfo, nodes: FieldNode[]): void {
  const facetsType = info.schema.getType('CitationFacets') as GraphQLObjectType | undefined;
  if (!facetsType) return;
  const fields = facetsType.getFields();
  for (const node of nodes) {
    for (const s of node.selectionSet?.selections ?? []) {
      if (s.kind !== Kind.FIELD || !fields[s.name.value]) continue;
      const def = fields[s.name.value];
      if (!def) continue;
      const args = getArgumentValues(def, s, info.variableValues) as { size?: number | null };
      loader.load(s.alias?.value ?? s.name.value, s.name.value as FacetKind, clampFacetSize(args.size));
    }
  }
}

type PagingArgs = {
  first?: number | null;
  last?: number | null;
  after?: string | null;
  before?: string | null;
};

/**
 * The paging arguments, checked whatever the request selects: the connection plugin checks them
 * only when it reads rows, so a request for `totalCount` alone took `first: -1` or a foreign
 * cursor without a word.
 */
function checkPaging(args: PagingArgs, scopeKey: string): void {
  for (const name of ['first', 'last'] as const) {
    const value = args[name];
    if (value != null && value < 0)
      throw new ValidationError(`${name} must be 0 or more, got ${value}`, name);
  }
  if (args.first != null && args.last != null) {
    throw new ValidationError('Give first (paging forward) or last (paging backward), not both', 'last');
  }
  assertCursorScope(args, scopeKey);
}

/**
 * A filterable, sortable connection of citations with `totalCount` and `facets`, used by the root
 * `citations` query and by the navigation fields of authors, affiliations and keywords. `scope`
 * is the parent's own restriction (e.g. "credits this author"), applied on top of `filter`.
 */
export function citationConnectionField<Parent>(
  t: PothosSchemaTypes.RootFieldBuilder<Types, Parent, FieldKind>,
  options: { description: string; typeName: string; scope: (parent: Parent) => CitationFilter | null },
) {
  const filtersOf = (parent: Parent, args: ConnectionArgs): CitationFilter[] => {
    const scope = options.scope(parent);
    return scope ? [toCitationFilter(args.filter), scope] : [toCitationFilter(args.filter)];
  };
  return t.drizzleConnection(
    {
      type: 'citations',
      description: options.description,
      args: {
        filter: t.arg({ type: CitationFilterInput, description: 'Which citations; absent means all.' }),
        orderBy: t.arg({
          type: CitationOrderEnum,
          description: 'Sort order; default RELEVANCE with a search, RECENTLY_ADDED without.',
        }),
      },
      totalCount: (parent, args, ctx) => {
        checkPaging(args as PagingArgs, citationRowsQuery(filtersOf(parent, args), args.orderBy).scopeKey);
        return early.get(args)?.count ?? countCitations(ctx.db, filtersOf(parent, args));
      },
      resolve: async (query, parent, args, ctx, info) => {
        const started: { count?: Promise<number>; facets?: FacetLoader } = {};
        if (selected(info, 'totalCount').length > 0) {
          started.count = countCitations(ctx.db, filtersOf(parent, args));
          started.count.catch(() => {});
        }
        const facetNodes = selected(info, 'facets');
        if (facetNodes.length > 0) {
          started.facets = new FacetLoader(ctx.db, filtersOf(parent, args));
          prefetchFacets(started.facets, info, facetNodes);
        }
        early.set(args, started);
        const rows = citationRowsQuery(filtersOf(parent, args), args.orderBy);
        checkPaging(args as PagingArgs, rows.scopeKey);
        const planned = query(rows as never) as {
          where?: unknown;
          orderBy?: unknown;
          limit?: number;
          extras?: Record<string, unknown>;
        };
        // Two steps: PostgreSQL evaluates the nested lists (lateral joins) for every row it sorts,
        // so the page is chosen first from the bare rows, and only its rows get the nested lists.
        const page = await ctx.db.query.citations.findMany({
          columns: { id: true },
          extras: planned.extras,
          where: planned.where,
          orderBy: planned.orderBy,
          limit: planned.limit,
        } as never);
        const ids = (page as Array<{ id: number }>).map((row) => row.id);
        if (ids.length === 0) return [];
        return ctx.db.query.citations.findMany({ ...planned, where: { id: { in: ids } } } as never);
      },
    },
    {
      name: `${options.typeName}Connection`,
      description:
        'A page of citations with cursors, the size of the whole filtered set, and facets over it.',
      fields: (c) => ({
        facets: c.field({
          type: CitationFacetsRef,
          description:
            'Counts by year, type, container, keyword, author and affiliation over the whole filtered set.',
          // Marked like totalCount so a request for only counts and facets skips loading the page.
          extensions: { pothosDrizzleTotalCount: true },
          resolve: (connection, _args, ctx) => {
            const { parent, args } = connection as unknown as { parent: Parent; args: ConnectionArgs };
            return early.get(args)?.facets ?? new FacetLoader(ctx.db, filtersOf(parent, args));
          },
        }),
      }),
    },
    { name: `${options.typeName}Edge`, description: 'A citation in a connection page, with its cursor.' },
  );
}
