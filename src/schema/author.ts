import { authors } from '../db/schema.ts';
import { ValidationError } from '../errors.ts';
import {
  type AuthorAffiliationRow,
  type AuthorRow,
  authorAffiliationsSql,
  authorKeywordsSql,
  type CountedRow,
  coauthorsSql,
  type KeywordRow,
  parseJsonArray,
} from '../query/navigation.ts';
import { AffiliationRef } from './affiliation.ts';
import { AuthorFilterInput, AuthorOrderEnum, authorsQuery } from './author-filter.ts';
import { builder } from './builder.ts';
import { citationConnectionField } from './citation-connection.ts';
import { checkedTotal, pagedQuery } from './cursor-scope.ts';
import { searchBound } from './extensions.ts';
import { KeywordRef } from './keyword.ts';
import { checkedListSize, LIST_SIZE_DESCRIPTION, listSize } from './list-size.ts';
import { ROW_COLUMN } from './loaded-columns.ts';
import { rowIdOf } from './node-ids.ts';

export const AuthorRef = builder.drizzleNode('authors', {
  // A page of citations lists many of these. What a list shows (the name) is always selected and read
  // by plain resolvers: a field that selects its own column costs Pothos a lookup and a write per
  // row to check that the column was loaded, ~1,000 times on a page of 50. The other fields select
  // their own columns, so keys and timestamps are never encoded as JSON, sent and parsed to be dropped.
  select: { columns: { id: true, name: true } },
  name: 'Author',
  description:
    'A person or organisation credited on citations, deduplicated across records by normalised name.',
  id: { column: (a) => a.id, description: 'Global ID of the author.' },
  fields: (t) => ({
    family: t.exposeString('family', {
      nullable: true,
      description: 'Family name; null for corporate names.',
    }),
    given: t.exposeString('given', {
      nullable: true,
      description: 'Given names or initials, as first seen.',
    }),
    suffix: t.exposeString('suffix', { nullable: true, description: 'Name suffix such as "Jr." or "III".' }),
    literal: t.exposeString('literal', {
      nullable: true,
      description: 'The whole name of a corporate or unsplittable author ("World Health Organization").',
    }),
    name: t.string({
      description: 'Display form: "Xiaohua Wang", "World Health Organization".',
      resolve: (a) => a.name,
      extensions: { [ROW_COLUMN]: 'name' },
    }),
    orcid: t.exposeString('orcid', { nullable: true, description: 'ORCID iD, when known.' }),
  }),
});

export const AuthorAffiliationRef = builder.objectRef<AuthorAffiliationRow>('AuthorAffiliation').implement({
  description: 'An affiliation an author was seen at, with when and how often.',
  fields: (t) => ({
    affiliation: t.field({
      type: AffiliationRef,
      description: 'The affiliation.',
      resolve: (r) => r.affiliation as never,
    }),
    firstYear: t.exposeInt('firstYear', {
      nullable: true,
      description:
        'Earliest publication year of a citation showing the author there; null when none is dated.',
    }),
    lastYear: t.exposeInt('lastYear', {
      nullable: true,
      description: 'Latest publication year of a citation showing the author there; null when none is dated.',
    }),
    count: t.exposeInt('count', {
      description: 'Number of citations showing the author at this affiliation.',
    }),
  }),
});

export const CoauthorRef = builder.objectRef<CountedRow<AuthorRow>>('Coauthor').implement({
  description: 'Someone who shares citations with an author.',
  fields: (t) => ({
    author: t.field({ type: AuthorRef, description: 'The co-author.', resolve: (r) => r.row as never }),
    count: t.exposeInt('count', { description: 'Number of citations the two share.' }),
  }),
});

export const AuthorKeywordRef = builder.objectRef<CountedRow<KeywordRow>>('AuthorKeyword').implement({
  description: 'A keyword on an author’s citations.',
  fields: (t) => ({
    keyword: t.field({ type: KeywordRef, description: 'The keyword.', resolve: (r) => r.row as never }),
    count: t.exposeInt('count', { description: 'Number of the author’s citations with this keyword.' }),
  }),
});

builder.drizzleObjectFields(AuthorRef, (t) => ({
  citationCount: t.relatedCount('citations', {
    description: 'Number of citations crediting this author in any role.',
  }),
  // The cast spares the compiler a structural comparison of two field builders that it gives
  // up on (TS2589); the row type is stated instead.
  citations: citationConnectionField<typeof authors.$inferSelect>(t as never, {
    typeName: 'AuthorCitations',
    description:
      'Citations crediting this author in any role, filterable and sortable like `Query.citations`.',
    scope: (author) => ({ authorIds: [author.id] }),
  }),
  affiliations: t.field({
    type: [AuthorAffiliationRef],
    description: 'Affiliations the author was seen at, most frequent first, with first and last year.',
    select: { extras: { affiliationHistory: (a) => authorAffiliationsSql(a.id) } },
    resolve: (a) =>
      parseJsonArray<AuthorAffiliationRow>((a as { affiliationHistory?: unknown }).affiliationHistory),
  }),
  coauthors: t.field({
    type: [CoauthorRef],
    description:
      'People credited as authors on the citations the author wrote (editors and other roles do not count), most shared citations first.',
    args: { first: t.arg.int({ description: LIST_SIZE_DESCRIPTION, defaultValue: 10 }) },
    // The extra is named by its argument so two aliased selections with different sizes coexist.
    select: (args) => ({
      extras: {
        [`coauthors${listSize(args.first)}`]: (a: typeof authors) => coauthorsSql(a.id, listSize(args.first)),
      },
    }),
    resolve: (a, args) =>
      parseJsonArray<CountedRow<AuthorRow>>(
        (a as Record<string, unknown>)[`coauthors${checkedListSize(args.first)}`],
      ),
  }),
  keywords: t.field({
    type: [AuthorKeywordRef],
    description: 'Keywords on the author’s citations, most frequent first.',
    args: { first: t.arg.int({ description: LIST_SIZE_DESCRIPTION, defaultValue: 10 }) },
    select: (args) => ({
      extras: {
        [`keywords${listSize(args.first)}`]: (a: typeof authors) =>
          authorKeywordsSql(a.id, listSize(args.first)),
      },
    }),
    resolve: (a, args) =>
      parseJsonArray<CountedRow<KeywordRow>>(
        (a as Record<string, unknown>)[`keywords${checkedListSize(args.first)}`],
      ),
  }),
}));

/** ORCID iDs arrive bare or as links, with any letter case for the check digit. */
function normalizeOrcid(input: string): string | null {
  const m = input.toUpperCase().match(/(\d{4})-?(\d{4})-?(\d{4})-?(\d{3}[\dX])/);
  return m ? `${m[1]}-${m[2]}-${m[3]}-${m[4]}` : null;
}

builder.queryFields((t) => ({
  author: t.drizzleField({
    type: AuthorRef,
    nullable: true,
    description: 'One author by global ID or ORCID iD; null when none matches.',
    args: {
      id: t.arg.globalID({ description: 'Global ID of the author.' }),
      orcid: t.arg.string({ description: 'ORCID iD, bare ("0000-0002-1825-0097") or as an orcid.org link.' }),
    },
    resolve: async (query, _root, args, ctx) => {
      if ((args.id == null) === (args.orcid == null)) {
        throw new ValidationError('author takes exactly one of id and orcid');
      }
      if (args.id) {
        const id = rowIdOf(args.id, 'Author', 'id');
        return (await ctx.db.query.authors.findFirst(query({ where: { id } }))) ?? null;
      }
      const orcid = normalizeOrcid(args.orcid ?? '');
      if (!orcid) return null;
      return (await ctx.db.query.authors.findFirst(query({ where: { orcid } }))) ?? null;
    },
  }),
  authors: t.drizzleConnection(
    {
      type: AuthorRef,
      description:
        'Authors, optionally fuzzy-searched by name (accents, letter case, word order and small typos do not matter: "muller kathe" finds "Müller, Käthe"), in pages (default 20, at most 100).',
      args: {
        search: t.arg.string({
          description: 'Name or part of a name; blank means no search.',
          extensions: searchBound,
        }),
        filter: t.arg({ type: AuthorFilterInput, description: 'Which authors; absent means all.' }),
        orderBy: t.arg({
          type: AuthorOrderEnum,
          description: 'Sort order; default RELEVANCE with a search, NAME without.',
        }),
      },
      totalCount: (_root, args, ctx) => checkedTotal(ctx.db, authors, args, authorsQuery(args)),
      resolve: (query, _root, args, ctx) =>
        ctx.db.query.authors.findMany(pagedQuery(query, args, authorsQuery(args)) as never),
    },
    {
      name: 'AuthorConnection',
      description: 'A page of authors with cursors and the size of the whole set.',
    },
    { name: 'AuthorEdge', description: 'An author in a connection page, with its cursor.' },
  ),
}));
