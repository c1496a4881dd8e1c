import { countryByCode, lookupCountry } from '../address/countries.ts';
import { ValidationError } from '../errors.ts';
import type { CitationFilter } from '../query/citation-filter.ts';
import type { CitationOrder } from '../query/ordering.ts';
import { builder } from './builder.ts';
import { searchBound } from './extensions.ts';
import { rowIdsOf } from './node-ids.ts';

export const CitationFilterInput = builder.inputType('CitationFilter', {
  description:
    'Selects citations. Fields combine with AND; the values of one list field combine with OR; an empty or absent field does not constrain.',
  fields: (t) => ({
    search: t.string({
      description:
        'Full-text search in web-search syntax ("stem cells" -mouse, or, quoted phrases) over title, keywords, container title and abstract, weighted in that order; English stemming, accents ignored.',
      extensions: searchBound,
    }),
    yearFrom: t.int({
      description: 'Earliest publication year, inclusive. Citations without a year are excluded.',
    }),
    yearTo: t.int({
      description: 'Latest publication year, inclusive. Citations without a year are excluded.',
    }),
    types: t.stringList({ description: 'RIS type codes (JOUR, BOOK, CHAP, CONF …), case-insensitive.' }),
    containerTitle: t.string({ description: 'Exact journal, book or proceedings title, case-insensitive.' }),
    doi: t.string({
      description:
        'A DOI in any common form ("10.1/x", "doi:10.1/X", "https://doi.org/10.1/x"), case-insensitive.',
    }),
    authorIds: t.globalIDList({ description: 'Author IDs: citations crediting any of them, in any role.' }),
    affiliationIds: t.globalIDList({ description: 'Affiliation IDs: citations naming any of them.' }),
    keywords: t.stringList({
      description: 'Keyword terms, matched case- and accent-insensitively: citations with any of them.',
    }),
    keywordIds: t.globalIDList({ description: 'Keyword IDs: citations with any of them.' }),
    organizationIds: t.globalIDList({
      description:
        'Organization IDs: citations whose addresses name any of them; an organization includes its units.',
    }),
    countries: t.stringList({
      description:
        'ISO 3166-1 alpha-2 country codes ("AU"), case-insensitive: citations with an address there.',
    }),
    hasDoi: t.boolean({ description: 'True: only citations with a DOI; false: only those without.' }),
  }),
});

export const CitationOrderEnum = builder.enumType('CitationOrder', {
  description:
    'How a list of citations is sorted. Every order ends with the citation ID, so pages never overlap.',
  values: {
    RELEVANCE: {
      value: 'relevance',
      description:
        'Best full-text match first; only meaningful with `search`, otherwise RECENTLY_ADDED. The default with a search.',
    },
    YEAR_DESC: {
      value: 'year_desc',
      description: 'Newest publication year first; citations without a year last.',
    },
    YEAR_ASC: {
      value: 'year_asc',
      description: 'Oldest publication year first; citations without a year last.',
    },
    TITLE: { value: 'title', description: 'By title, ignoring case and accents; untitled citations last.' },
    RECENTLY_ADDED: {
      value: 'recently_added',
      description: 'Most recently stored first. The default without a search.',
    },
  } as const,
});

type GlobalIdArg = { typename: string; id: string };

function idsOf(
  list: readonly GlobalIdArg[] | null | undefined,
  typename: string,
  field: string,
): number[] | null {
  return list ? rowIdsOf(list, typename, `filter.${field}`) : null;
}

export type CitationFilterArg = typeof CitationFilterInput.$inferInput;

/** The GraphQL input as the query layer's filter, with global IDs turned into row ids. */
export function toCitationFilter(input: CitationFilterArg | null | undefined): CitationFilter {
  if (!input) return {};
  return {
    search: input.search,
    yearFrom: input.yearFrom,
    yearTo: input.yearTo,
    types: input.types,
    containerTitle: input.containerTitle,
    doi: input.doi,
    authorIds: idsOf(input.authorIds, 'Author', 'authorIds'),
    affiliationIds: idsOf(input.affiliationIds, 'Affiliation', 'affiliationIds'),
    keywords: input.keywords,
    keywordIds: idsOf(input.keywordIds, 'Keyword', 'keywordIds'),
    organizationIds: idsOf(input.organizationIds, 'Organization', 'organizationIds'),
    countries: countryCodesOf(input.countries, 'countries'),
    hasDoi: input.hasDoi,
  };
}

export type { CitationOrder };

/**
 * A country code as given, checked: a name ("Germany") or an unknown code would match nothing, and
 * an empty result would not say why. `argument` names it in the error.
 */
export function countryCodeOf(code: string, argument: string): string {
  const country = countryByCode(code);
  if (country) return country.code;
  const named = lookupCountry(code);
  throw new ValidationError(
    named
      ? `${argument} takes ISO 3166-1 alpha-2 codes: "${code}" is ${named.code}`
      : `${argument}: "${code.slice(0, 40)}" is not an ISO 3166-1 alpha-2 country code ("AU", "DE", "US")`,
    argument,
  );
}

function countryCodesOf(codes: readonly string[] | null | undefined, argument: string): string[] | undefined {
  return codes?.map((code, i) => countryCodeOf(code, `${argument}[${i}]`));
}
