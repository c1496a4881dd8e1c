import { type SQL, sql } from 'drizzle-orm';
import { affiliations, authors } from '../db/schema.ts';
import { foldQuery } from '../query/names.ts';
import { affiliationCitationCountSql, atAffiliationSql } from '../query/navigation.ts';
import { type EntityOrder, entityRowsQuery } from '../query/ordering.ts';
import { AuthorFilterInput, AuthorOrderEnum, authorsQuery } from './author-filter.ts';
import { builder } from './builder.ts';
import { citationConnectionField } from './citation-connection.ts';
import { checkedTotal, pagedQuery } from './cursor-scope.ts';
import { searchBound } from './extensions.ts';
import { ROW_COLUMN } from './loaded-columns.ts';
import { rowIdOf } from './node-ids.ts';

export const AffiliationRef = builder.drizzleNode('affiliations', {
  // A page of citations lists many of these. What a list shows (name, country, and the country code
  // that `countryInfo` reads) is always selected and read by plain resolvers: a field that selects
  // its own column costs Pothos a lookup and a write per row to check that the column was loaded,
  // ~1,000 times on a page of 50. The other fields select their own columns, so keys and timestamps
  // are never encoded as JSON, sent and parsed to be dropped.
  select: { columns: { id: true, name: true, country: true, countryCode: true } },
  name: 'Affiliation',
  description: 'An institution or address that authors are affiliated with, deduplicated by normalised text.',
  id: { column: (a) => a.id, description: 'Global ID of the affiliation.' },
  fields: (t) => ({
    name: t.string({
      description: 'The affiliation as written in its first source.',
      resolve: (a) => a.name,
      extensions: { [ROW_COLUMN]: 'name' },
    }),
    country: t.string({
      nullable: true,
      description: 'Country recognised at the end of the address (English name); null when none was found.',
      resolve: (a) => a.country,
      extensions: { [ROW_COLUMN]: 'country' },
    }),
  }),
});

builder.drizzleObjectFields(AffiliationRef, (t) => ({
  citationCount: t.relatedCount('citations', { description: 'Number of citations naming this affiliation.' }),
  // The cast spares the compiler a structural comparison of two field builders that it gives
  // up on (TS2589); the row type is stated instead.
  citations: citationConnectionField<typeof affiliations.$inferSelect>(t as never, {
    typeName: 'AffiliationCitations',
    description: 'Citations naming this affiliation, filterable and sortable like `Query.citations`.',
    scope: (affiliation) => ({ affiliationIds: [affiliation.id] }),
  }),
  authors: t.drizzleConnection(
    {
      type: 'authors',
      description: 'Authors seen at this affiliation, in pages (default 20, at most 100).',
      args: {
        search: t.arg.string({
          description: 'Fuzzy name search among them; blank means none.',
          extensions: searchBound,
        }),
        filter: t.arg({ type: AuthorFilterInput, description: 'Further conditions on the authors.' }),
        orderBy: t.arg({
          type: AuthorOrderEnum,
          description: 'Sort order; default RELEVANCE with a search, NAME without.',
        }),
      },
      totalCount: (affiliation, args, ctx) =>
        checkedTotal(ctx.db, authors, args, authorsAt(affiliation.id, args)),
      resolve: (query, affiliation, args, ctx) =>
        ctx.db.query.authors.findMany(pagedQuery(query, args, authorsAt(affiliation.id, args)) as never),
    },
    {
      name: 'AffiliationAuthorsConnection',
      description: 'A page of authors with cursors and the size of the whole set.',
    },
    { name: 'AffiliationAuthorsEdge', description: 'An author in a connection page, with its cursor.' },
  ),
}));

export const AffiliationOrderEnum = builder.enumType('AffiliationOrder', {
  description: 'How a list of affiliations is sorted; ties are broken by name, then ID.',
  values: {
    RELEVANCE: {
      value: 'relevance',
      description: 'Closest name match first (with `search`; otherwise NAME).',
    },
    NAME: { value: 'name', description: 'By name, ignoring case and accents.' },
    CITATION_COUNT: { value: 'citation_count', description: 'Most citations first.' },
  } as const,
});

export const AffiliationFilterInput = builder.inputType('AffiliationFilter', {
  description: 'Selects affiliations. Fields combine with AND; list values with OR.',
  fields: (t) => ({
    countries: t.stringList({
      description: 'Country names as in `Affiliation.country` ("Germany"), case-insensitive.',
    }),
  }),
});

function affiliationsQuery(args: {
  search?: string | null;
  filter?: typeof AffiliationFilterInput.$inferInput | null;
  orderBy?: EntityOrder | null;
}) {
  const conditions: Array<(t: typeof affiliations) => SQL> = [];
  const countries = (args.filter?.countries ?? []).map((c) => c.toLowerCase());
  if (countries.length > 0) conditions.push((t) => sql`lower(${t.country}) in ${countries}`);
  const folded = args.search ? foldQuery(args.search) : '';
  return entityRowsQuery<typeof affiliations>({
    list: 'affiliations',
    key: (t) => t.nameKey,
    citationCount: (t) => affiliationCitationCountSql(t.id),
    search: folded === '' ? null : folded,
    conditions,
    order: args.orderBy,
    scope: args.filter,
  });
}

/** The authors seen at an affiliation, as `Affiliation.authors` lists them. */
function authorsAt(affiliationId: number, args: Parameters<typeof authorsQuery>[0]) {
  return authorsQuery(args, [(a) => atAffiliationSql(a.id, affiliationId)], { affiliation: affiliationId });
}

builder.queryFields((t) => ({
  affiliation: t.drizzleField({
    type: AffiliationRef,
    nullable: true,
    description: 'One affiliation by global ID; null when it does not exist.',
    args: { id: t.arg.globalID({ required: true, description: 'Global ID of the affiliation.' }) },
    resolve: async (query, _root, args, ctx) => {
      const id = rowIdOf(args.id, 'Affiliation', 'id');
      return (await ctx.db.query.affiliations.findFirst(query({ where: { id } }))) ?? null;
    },
  }),
  affiliations: t.drizzleConnection(
    {
      type: AffiliationRef,
      description:
        'Affiliations, optionally fuzzy-searched by name (accents, case, word order and small typos do not matter), in pages (default 20, at most 100).',
      args: {
        search: t.arg.string({
          description: 'Name or part of it; blank means no search.',
          extensions: searchBound,
        }),
        filter: t.arg({ type: AffiliationFilterInput, description: 'Which affiliations; absent means all.' }),
        orderBy: t.arg({
          type: AffiliationOrderEnum,
          description: 'Sort order; default RELEVANCE with a search, NAME without.',
        }),
      },
      totalCount: (_root, args, ctx) => checkedTotal(ctx.db, affiliations, args, affiliationsQuery(args)),
      resolve: (query, _root, args, ctx) =>
        ctx.db.query.affiliations.findMany(pagedQuery(query, args, affiliationsQuery(args)) as never),
    },
    {
      name: 'AffiliationConnection',
      description: 'A page of affiliations with cursors and the size of the whole set.',
    },
    { name: 'AffiliationEdge', description: 'An affiliation in a connection page, with its cursor.' },
  ),
}));
