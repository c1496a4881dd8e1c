import { type SQL, sql } from 'drizzle-orm';
import { alias } from 'drizzle-orm/pg-core';
import { authorAffiliations, type authors, citations, contributions } from '../db/schema.ts';
import { citationFilterSql } from '../query/citation-filter.ts';
import { foldQuery } from '../query/names.ts';
import { authorCitationCountSql } from '../query/navigation.ts';
import { type EntityOrder, entityRowsQuery } from '../query/ordering.ts';
import { builder } from './builder.ts';
import { CitationFilterInput, toCitationFilter } from './citation-filter.ts';
import { rowIdsOf } from './node-ids.ts';

// Author search and ordering live apart from the Author type so that Affiliation.authors can use
// them without a module cycle between author.ts and affiliation.ts.

export const AuthorOrderEnum = builder.enumType('AuthorOrder', {
  description: 'How a list of authors is sorted; ties are broken by name, then ID.',
  values: {
    RELEVANCE: {
      value: 'relevance',
      description: 'Closest name match first (with `search`; otherwise NAME).',
    },
    NAME: { value: 'name', description: 'By family name, then given name, ignoring case and accents.' },
    CITATION_COUNT: { value: 'citation_count', description: 'Most citations first.' },
  } as const,
});

export const AuthorFilterInput = builder.inputType('AuthorFilter', {
  description: 'Selects authors. Fields combine with AND; list values with OR.',
  fields: (t) => ({
    affiliationIds: t.globalIDList({ description: 'Affiliation IDs: authors seen at any of them.' }),
    citations: t.field({
      type: CitationFilterInput,
      description: 'Authors credited on at least one citation matching this filter.',
    }),
  }),
});

/** The alias of the citations an author filter looks through. */
const FILTERED = 'fc';

export function authorsQuery(
  args: {
    search?: string | null;
    filter?: typeof AuthorFilterInput.$inferInput | null;
    orderBy?: EntityOrder | null;
  },
  extra: Array<(t: typeof authors) => SQL> = [],
  /** What `extra` restricts to, for the cursors' scope (the parent's ID). */
  extraScope: unknown = null,
) {
  const conditions = [...extra];
  const affiliationIds = rowIdsOf(args.filter?.affiliationIds ?? [], 'Affiliation', 'filter.affiliationIds');
  if (affiliationIds.length > 0) {
    conditions.push(
      (t) =>
        sql`exists (select 1 from ${authorAffiliations} where ${authorAffiliations.authorId} = ${t.id} and ${authorAffiliations.affiliationId} in ${affiliationIds})`,
    );
  }
  const citationFilter = toCitationFilter(args.filter?.citations);
  // The aliased table names its columns; the join names the table under that alias itself (drizzle
  // writes an aliased table in raw SQL as the bare alias, which was an undefined relation).
  const fc = alias(citations, FILTERED);
  // An alias keeps the inner citation apart from any citations table of the outer query.
  const citationCondition = citationFilterSql(citationFilter, fc as unknown as typeof citations);
  if (citationCondition) {
    conditions.push(
      (t) =>
        sql`exists (select 1 from ${contributions} fct join ${citations} ${sql.identifier(FILTERED)} on ${fc.id} = fct.citation_id where fct.author_id = ${t.id} and ${citationCondition})`,
    );
  }
  const search = args.search && foldQuery(args.search) !== '' ? foldQuery(args.search) : null;
  return entityRowsQuery<typeof authors>({
    list: 'authors',
    key: (t) => t.nameKey,
    citationCount: (t) => authorCitationCountSql(t.id),
    search,
    conditions,
    order: args.orderBy,
    scope: [args.filter, extraScope],
  });
}
