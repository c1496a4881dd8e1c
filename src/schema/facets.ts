import { encodeGlobalID } from '@pothos/plugin-relay';
import { countryByCode } from '../address/countries.ts';
import type { Database } from '../db/client.ts';
import { ValidationError } from '../errors.ts';
import type { CitationFilter } from '../query/citation-filter.ts';
import type { CountCache } from '../query/count-cache.ts';
import {
  DEFAULT_FACET_SIZE,
  type FacetBucket,
  type FacetKind,
  type FacetRequest,
  facetSize,
  MAX_FACET_SIZE,
} from '../query/facets.ts';
import { risTypeInfo } from '../ris/types-map.ts';
import { builder } from './builder.ts';

/**
 * The facets of one citation set. Every facet field asks this loader; fields of one selection are
 * resolved in the same tick, so the loader waits a microtask and counts them all in one statement
 * (or finds them in the count cache under the current write generation).
 */
export class FacetLoader {
  private pending: Array<
    FacetRequest & { resolve: (b: FacetBucket[]) => void; reject: (e: unknown) => void }
  > = [];

  constructor(
    private readonly db: Database,
    private readonly counts: CountCache,
    private readonly filters: readonly CitationFilter[],
  ) {}

  private readonly started = new Map<string, Promise<FacetBucket[]>>();

  load(key: string, kind: FacetKind, size: number): Promise<FacetBucket[]> {
    const id = `${key}\u0000${kind}\u0000${size}`;
    const known = this.started.get(id);
    if (known) return known;
    const promise = new Promise<FacetBucket[]>((resolve, reject) => {
      if (this.pending.length === 0) queueMicrotask(() => void this.flush());
      this.pending.push({ key, kind, size, resolve, reject });
    });
    // A prefetched facet may never be awaited (an error elsewhere ends the request first).
    promise.catch(() => {});
    this.started.set(id, promise);
    return promise;
  }

  private async flush(): Promise<void> {
    const batch = this.pending;
    this.pending = [];
    try {
      const results = await this.counts.facets(this.db, this.filters, batch);
      for (const request of batch) request.resolve(results.get(request.key) ?? []);
    } catch (error) {
      for (const request of batch) request.reject(error);
    }
  }
}

interface BucketShape {
  value: string;
  label: string;
  count: number;
}

export const FacetBucketRef = builder.objectRef<BucketShape>('FacetBucket').implement({
  description: 'One value of a facet and how many citations of the filtered set have it.',
  fields: (t) => ({
    value: t.exposeString('value', {
      description:
        'What to put in the matching CitationFilter field: a year, a RIS type code, a container title, or a global ID for authors, affiliations and keywords.',
    }),
    label: t.exposeString('label', {
      description: 'Text to show: the year, a type name ("Journal article"), a title, a name or a term.',
    }),
    count: t.exposeInt('count', { description: 'Number of citations in the filtered set with this value.' }),
  }),
});

const typenames: Partial<Record<FacetKind, string>> = {
  authors: 'Author',
  affiliations: 'Affiliation',
  keywords: 'Keyword',
  organizations: 'Organization',
};

function present(kind: FacetKind, buckets: FacetBucket[]): BucketShape[] {
  const typename = typenames[kind];
  return buckets.map((b) => {
    if (typename && b.id !== null)
      return { value: encodeGlobalID(typename, b.id), label: b.label, count: b.count };
    if (kind === 'types') return { value: b.value, label: risTypeInfo(b.value).label, count: b.count };
    if (kind === 'countries')
      return { value: b.value, label: countryByCode(b.value)?.name ?? b.value, count: b.count };
    return { value: b.value, label: b.label, count: b.count };
  });
}

const facetFields: Array<[FacetKind, string]> = [
  ['years', 'Publication years (citations without a year are not counted).'],
  ['types', 'RIS reference types; `value` is the code for `CitationFilter.types`.'],
  ['containerTitles', 'Journals, books and proceedings; `value` is for `CitationFilter.containerTitle`.'],
  ['keywords', 'Keywords; `value` is a Keyword ID for `CitationFilter.keywordIds`.'],
  [
    'authors',
    'People and organisations credited in any role; `value` is an Author ID for `CitationFilter.authorIds`.',
  ],
  ['affiliations', 'Affiliations; `value` is an Affiliation ID for `CitationFilter.affiliationIds`.'],
  [
    'organizations',
    'Organizations named in the addresses, units rolled up into their organization; `value` is an Organization ID for `CitationFilter.organizationIds`.',
  ],
  [
    'countries',
    'Countries of the addresses; `value` is the ISO 3166-1 alpha-2 code for `CitationFilter.countries`, `label` the English name.',
  ],
];

export const CitationFacetsRef = builder.objectRef<FacetLoader>('CitationFacets').implement({
  description:
    'Counts over the whole filtered set of citations (not just the page), for drawing filter sidebars. Each list holds the `size` most frequent values, highest count first; all requested lists are computed in one database statement.',
  fields: (t) =>
    Object.fromEntries(
      facetFields.map(([kind, description]) => [
        kind,
        t.field({
          type: [FacetBucketRef],
          description,
          args: {
            size: t.arg.int({
              description: `How many buckets to return (default ${DEFAULT_FACET_SIZE}, 0 to ${MAX_FACET_SIZE}; outside that, BAD_USER_INPUT).`,
              defaultValue: DEFAULT_FACET_SIZE,
            }),
          },
          resolve: async (loader, args, _ctx, info) => {
            const size = facetSize(args.size);
            // Refused, not cut: a client asking for 1,000 buckets should learn it gets 100.
            if (size === null) {
              throw new ValidationError(
                `size must be between 0 and ${MAX_FACET_SIZE}, not ${args.size}`,
                'size',
              );
            }
            return present(kind, await loader.load(String(info.path.key), kind, size));
          },
        }),
      ]),
    ),
});
