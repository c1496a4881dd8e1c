import { keywordKey } from '../citation/keys.ts';
import { keywords } from '../db/schema.ts';
import { ValidationError } from '../errors.ts';
import { foldQuery } from '../query/names.ts';
import {
  type CountedRow,
  type KeywordRow,
  keywordCitationCountSql,
  parseJsonArray,
  relatedKeywordsSql,
} from '../query/navigation.ts';
import { type EntityOrder, entityRowsQuery } from '../query/ordering.ts';
import { builder } from './builder.ts';
import { citationConnectionField } from './citation-connection.ts';
import { checkedTotal, pagedQuery } from './cursor-scope.ts';
import { searchBound } from './extensions.ts';
import { checkedListSize, LIST_SIZE_DESCRIPTION, listSize } from './list-size.ts';
import { ROW_COLUMN } from './loaded-columns.ts';
import { rowIdOf } from './node-ids.ts';

export const KeywordRef = builder.drizzleNode('keywords', {
  // A page of citations lists many of these. What a list shows (the term) is always selected and read
  // by plain resolvers: a field that selects its own column costs Pothos a lookup and a write per
  // row to check that the column was loaded, ~1,000 times on a page of 50. The other fields select
  // their own columns, so keys and timestamps are never encoded as JSON, sent and parsed to be dropped.
  select: { columns: { id: true, term: true } },
  name: 'Keyword',
  description: 'A subject term; the same term in any letter case is one keyword.',
  id: { column: (k) => k.id, description: 'Global ID of the keyword.' },
  fields: (t) => ({
    term: t.string({
      description:
        'The term as most of its citations spell it (ties: the spelling seen first). A curator merge keeps the surviving keyword; a later ingest of its citations may respell it.',
      resolve: (k) => k.term,
      extensions: { [ROW_COLUMN]: 'term' },
    }),
  }),
});

export const RelatedKeywordRef = builder.objectRef<CountedRow<KeywordRow>>('RelatedKeyword').implement({
  description: 'A keyword that appears on the same citations as another.',
  fields: (t) => ({
    keyword: t.field({
      type: KeywordRef,
      description: 'The co-occurring keyword.',
      resolve: (r) => r.row as never,
    }),
    count: t.exposeInt('count', { description: 'Number of citations carrying both keywords.' }),
  }),
});

builder.drizzleObjectFields(KeywordRef, (t) => ({
  citationCount: t.relatedCount('citations', { description: 'Number of citations with this keyword.' }),
  // The cast spares the compiler a structural comparison of two field builders that it gives
  // up on (TS2589); the row type is stated instead.
  citations: citationConnectionField<typeof keywords.$inferSelect>(t as never, {
    typeName: 'KeywordCitations',
    description: 'Citations with this keyword, filterable and sortable like `Query.citations`.',
    scope: (keyword) => ({ keywordIds: [keyword.id] }),
  }),
  related: t.field({
    type: [RelatedKeywordRef],
    description: 'Keywords most often found on the same citations, most co-occurrences first.',
    args: { first: t.arg.int({ description: LIST_SIZE_DESCRIPTION, defaultValue: 10 }) },
    // Named by its argument so two aliased selections with different sizes coexist.
    select: (args) => ({
      extras: {
        [`related${listSize(args.first)}`]: (k: typeof keywords) =>
          relatedKeywordsSql(k.id, listSize(args.first)),
      },
    }),
    resolve: (k, args) =>
      parseJsonArray<CountedRow<KeywordRow>>(
        (k as Record<string, unknown>)[`related${checkedListSize(args.first)}`],
      ),
  }),
}));

export const KeywordOrderEnum = builder.enumType('KeywordOrder', {
  description: 'How a list of keywords is sorted; ties are broken by term, then ID.',
  values: {
    RELEVANCE: { value: 'relevance', description: 'Closest match first (with `search`; otherwise TERM).' },
    TERM: { value: 'name', description: 'Alphabetically, ignoring case and accents.' },
    CITATION_COUNT: { value: 'citation_count', description: 'Most citations first.' },
  } as const,
});

function keywordsQuery(args: { search?: string | null; orderBy?: EntityOrder | null }) {
  const folded = args.search ? foldQuery(args.search) : '';
  return entityRowsQuery<typeof keywords>({
    list: 'keywords',
    key: (t) => t.termKey,
    citationCount: (t) => keywordCitationCountSql(t.id),
    search: folded === '' ? null : folded,
    conditions: [],
    order: args.orderBy,
    scope: null,
  });
}

builder.queryFields((t) => ({
  keyword: t.drizzleField({
    type: KeywordRef,
    nullable: true,
    description:
      'One keyword by global ID or by term (case- and accent-insensitive); null when none matches.',
    args: {
      id: t.arg.globalID({ description: 'Global ID of the keyword.' }),
      term: t.arg.string({ description: 'The term in any letter case.' }),
    },
    resolve: async (query, _root, args, ctx) => {
      if ((args.id == null) === (args.term == null)) {
        throw new ValidationError('keyword takes exactly one of id and term');
      }
      if (args.id) {
        const id = rowIdOf(args.id, 'Keyword', 'id');
        return (await ctx.db.query.keywords.findFirst(query({ where: { id } }))) ?? null;
      }
      const termKey = keywordKey(args.term ?? '');
      return (await ctx.db.query.keywords.findFirst(query({ where: { termKey } }))) ?? null;
    },
  }),
  keywords: t.drizzleConnection(
    {
      type: KeywordRef,
      description: 'Keywords, optionally fuzzy-searched, in pages (default 20, at most 100).',
      args: {
        search: t.arg.string({
          description: 'Term or part of it; blank means no search.',
          extensions: searchBound,
        }),
        orderBy: t.arg({
          type: KeywordOrderEnum,
          description: 'Sort order; default RELEVANCE with a search, TERM without.',
        }),
      },
      totalCount: (_root, args, ctx) => checkedTotal(ctx.db, keywords, args, keywordsQuery(args)),
      resolve: (query, _root, args, ctx) =>
        ctx.db.query.keywords.findMany(pagedQuery(query, args, keywordsQuery(args)) as never),
    },
    {
      name: 'KeywordConnection',
      description: 'A page of keywords with cursors and the size of the whole set.',
    },
    { name: 'KeywordEdge', description: 'A keyword in a connection page, with its cursor.' },
  ),
}));
