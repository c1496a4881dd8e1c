import type { FieldKind } from '@pothos/core';
import { sql } from 'drizzle-orm';
import {
  type FieldNode,
  type GraphQLObjectType,
  type GraphQLResolveInfo,
  getArgumentValues,
  Kind,
} from 'graphql';
import type { citations } from '../db/schema.ts';
import { runBuilt } from '../query/built-statements.ts';
import type { CitationFilter } from '../query/citation-filter.ts';
import { type FacetKind, facetSize } from '../query/facets.ts';
import { citationRowsQuery } from '../query/ordering.ts';
import type { builder } from './builder.ts';
import { CitationFilterInput, CitationOrderEnum, toCitationFilter } from './citation-filter.ts';
import { checkPaging, type PagingArgs, pageWhere } from './cursor-scope.ts';
import { CitationFacetsRef, FacetLoader } from './facets.ts';
import { textListExtras } from './text-lists.ts';

type Types = typeof builder extends PothosSchemaTypes.SchemaBuilder<infer T> ? T : never;

interface ConnectionArgs {
  filter?: typeof CitationFilterInput.$inferInput | null;
  orderBy?: typeof CitationOrderEnum.$inferType | null;
}

/**
 * Work started by the page resolver for its siblings. Pothos resolves `totalCount` and `facets`
 * only after the page, which would put three round trips in a row: the total comes with the page's
 * own statement, the facets start beside it. Keyed by the field's args object, which the
 * connection hands on unchanged.
 */
interface Early {
  count?: Promise<number>;
  facets?: FacetLoader;
}
const early = new WeakMap<object, Early>();

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
      const size = facetSize(args.size);
      // A size out of bounds is refused by the facet's own resolver; nothing to start for it.
      if (size !== null) loader.load(s.alias?.value ?? s.name.value, s.name.value as FacetKind, size);
    }
  }
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
        checkPaging(args as PagingArgs, citationRowsQuery(filtersOf(parent, args), args.orderBy));
        return early.get(args)?.count ?? ctx.counts.count(ctx.db, filtersOf(parent, args));
      },
      resolve: async (query, parent, args, ctx, info) => {
        const filters = filtersOf(parent, args);
        const rows = citationRowsQuery(filters, args.orderBy);
        const positions = checkPaging(args as PagingArgs, rows);
        const started: Early = {};
        const facetNodes = selected(info, 'facets');
        if (facetNodes.length > 0) {
          started.facets = new FacetLoader(ctx.db, ctx.counts, filters);
          prefetchFacets(started.facets, info, facetNodes);
        }
        early.set(args, started);
        const planned = query(rows as never) as {
          where?: unknown;
          orderBy?: unknown;
          limit?: number;
          extras?: Record<string, unknown>;
        };
        // Lists the operation answers as text are written by the statement as text, in place of
        // their JSON (src/schema/text-lists.ts).
        const text = textListExtras(ctx, info);
        if (text) {
          const extras = { ...planned.extras };
          for (const key of text.replaced) delete extras[key];
          planned.extras = { ...extras, ...text.extras };
        }
        // The total comes from the count cache when it holds it under the page's generation; else
        // the page's statement counts too (src/query/count-cache.ts).
        const total = selected(info, 'totalCount').length > 0 ? await ctx.counts.pageTotal(filters) : null;
        // The page size as a literal: a prepared statement's generic plan would guess a parameter's
        // LIMIT at a tenth of the table, so PostgreSQL would plan every execution anew (~2 ms).
        const limit = sql.raw(String(Math.max(0, Math.trunc(Number(planned.limit)))));
        // One statement for the page, shaped like a hand-written one. The page's keys come from a
        // subquery over the bare rows: PostgreSQL may build the nested lists (JSON subqueries,
        // lateral joins) of every row it sorts, so only the rows of the page may reach them. The
        // total rides along as an uncorrelated subquery, which runs once per statement, and so
        // does the write generation.
        // The statement is built once per selection and inputs (src/query/built-statements.ts);
        // the plan above still runs every time: it tells the fields below what the page loaded.
        const inputs = {
          variables: info.variableValues,
          filters,
          orderBy: args.orderBy ?? null,
          positions,
          limit: Number(planned.limit),
          totalExtras: total ? Object.keys(total.extras) : null,
          textExtras: text ? Object.keys(text.extras) : null,
        };
        const page = await runBuilt<Array<Record<string, unknown>>>(ctx.db, info.fieldNodes, inputs, () => {
          const keys = ctx.db.query.citations
            .findMany({
              columns: { id: true },
              // The ordering's own (rank, cursor scope): the page's other extras are its rows' lists.
              extras: rows.extras,
              where: pageWhere(rows, positions, planned.where),
              orderBy: planned.orderBy,
              limit,
            } as never)
            .getSQL();
          return ctx.db.query.citations.findMany({
            ...planned,
            limit,
            extras: total ? { ...planned.extras, ...total.extras } : planned.extras,
            where: { RAW: (t: typeof citations) => sql`${t.id} in (select "id" from (${keys}) as "page")` },
          } as never);
        });
        if (total) {
          started.count = total.total(ctx.db, page[0]);
          started.count.catch(() => {});
        }
        return page as never;
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
            return early.get(args)?.facets ?? new FacetLoader(ctx.db, ctx.counts, filtersOf(parent, args));
          },
        }),
      }),
    },
    { name: `${options.typeName}Edge`, description: 'A citation in a connection page, with its cursor.' },
  );
}
