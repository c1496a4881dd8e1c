import { resolveOffsetConnection } from '@pothos/plugin-relay';
import { type SQL, sql } from 'drizzle-orm';
import { organizationKey } from '../address/organization-key.ts';
import type { authors } from '../db/schema.ts';
import { organizations } from '../db/schema.ts';
import { ValidationError } from '../errors.ts';
import { DEFAULT_LINK_THRESHOLD } from '../organizations/infer.ts';
import { foldQuery } from '../query/names.ts';
import { parseJsonArray } from '../query/navigation.ts';
import { type EntityOrder, entityRowsQuery } from '../query/ordering.ts';
import {
  type AuthorOrganizationRow,
  authorOrganizationsSql,
  type OrganizationPersonRow,
  organizationCitationCountSql,
  organizationCitationsPerYearSql,
  organizationPeople,
  organizationSpellingsSql,
  type PeoplePage,
  type SpellingCount,
  type YearCount,
} from '../query/organizations.ts';
import { AffiliationRef } from './affiliation.ts';
import { AuthorRef } from './author.ts';
import { builder } from './builder.ts';
import { citationConnectionField } from './citation-connection.ts';
import { countryCodeOf } from './citation-filter.ts';
import type { Context } from './context.ts';
import { checkedTotal, offsetCursors, pagedQuery } from './cursor-scope.ts';
import { searchBound } from './extensions.ts';
import { rowIdOf } from './node-ids.ts';

export const OrganizationKindEnum = builder.enumType('OrganizationKind', {
  description:
    'What kind of body an organization is, or what kind of part of one a unit is; guessed from the head words of its name.',
  values: {
    UNIVERSITY: { description: 'A university, college or school of higher education.' },
    HOSPITAL: { description: 'A hospital, clinic or medical centre.' },
    INSTITUTE: { description: 'A research institute, academy or laboratory that stands alone.' },
    COMPANY: { description: 'A company.' },
    GOVERNMENT: { description: 'A ministry, agency or other public body.' },
    DEPARTMENT: { description: 'A department (unit).' },
    SCHOOL: { description: 'A school within an organization (unit).' },
    FACULTY: { description: 'A faculty (unit).' },
    DIVISION: { description: 'A division (unit).' },
    CENTER: { description: 'A centre within an organization (unit).' },
    LAB: { description: 'A laboratory within an organization (unit).' },
    UNIT: { description: 'A unit, section or group (unit).' },
    OTHER: { description: 'Anything else.' },
  } as const,
});

export const LinkEvidenceEnum = builder.enumType('LinkEvidence', {
  description: 'Why bibgraph believes an author was at an organization.',
  values: {
    EXPLICIT: {
      description: 'A record says so (one author, addresses in author order, a name in the address …).',
    },
    INFERRED: {
      description:
        'One of the documented rules (docs/organizations.md), with a confidence in [0, 1] and the citations that support it.',
    },
  } as const,
});

export const LinkDecisionEnum = builder.enumType('LinkDecision', {
  description: 'A curator’s word on an author ↔ organization link.',
  values: {
    CONFIRMED: { description: 'Confirmed: returned whatever its confidence.' },
    REJECTED: {
      description: 'Rejected: never returned, and never linked again by a later ingest or reindex.',
    },
  } as const,
});

interface CountryShape {
  code: string;
  name: string | null;
}

export const CountryRef = builder.objectRef<CountryShape>('Country').implement({
  description: 'A country, as ISO 3166-1.',
  fields: (t) => ({
    code: t.exposeString('code', {
      description: 'Alpha-2 code ("AU"), as `CitationFilter.countries` takes it.',
    }),
    name: t.exposeString('name', { nullable: true, description: 'English short name ("Australia").' }),
  }),
});

export function countryOf(code: string | null, name: string | null): CountryShape | null {
  return code ? { code, name } : null;
}

export const OrganizationRef = builder.drizzleNode('organizations', {
  name: 'Organization',
  description:
    'An institution (university, hospital, company, institute …) or one of its units (department, school, lab), read from affiliation strings and deduplicated across spellings: one per name and country. A query on an organization includes its units.',
  id: { column: (o) => o.id, description: 'Global ID of the organization.' },
  fields: (t) => ({
    name: t.exposeString('name', { description: 'The spelling the addresses use most.' }),
    kind: t.field({
      type: OrganizationKindEnum,
      description: 'What kind of body or unit it is.',
      resolve: (o) => o.kind as never,
    }),
    country: t.field({
      type: CountryRef,
      nullable: true,
      description: 'Country of the addresses that name it; null when they name none.',
      resolve: (o) => countryOf(o.countryCode, o.countryName),
    }),
    isUnit: t.boolean({
      description: 'True for a unit (department, school, lab …) of another organization.',
      resolve: (o) => o.parentId !== null,
    }),
    parent: t.relation('parent', {
      nullable: true,
      description: 'The organization a unit belongs to; null for an organization.',
    }),
    units: t.relation('units', {
      description: 'Its units, by name.',
      query: { orderBy: { name: 'asc' } },
    }),
  }),
});

type SpellingShape = SpellingCount;

const SpellingRef = builder.objectRef<SpellingShape>('OrganizationSpelling').implement({
  description: 'A way the addresses wrote an organization’s name.',
  fields: (t) => ({
    spelling: t.exposeString('spelling', { description: 'The name as written ("Univ Sydney").' }),
    count: t.exposeInt('count', { description: 'Number of citations whose addresses write it so.' }),
  }),
});

const YearCountRef = builder.objectRef<YearCount>('YearCount').implement({
  description: 'A publication year and a number of citations.',
  fields: (t) => ({
    year: t.exposeInt('year', { description: 'Publication year.' }),
    count: t.exposeInt('count', { description: 'Number of citations published that year.' }),
  }),
});

const OrganizationPersonRef = builder.objectRef<OrganizationPersonRow>('OrganizationPerson').implement({
  description: 'Someone linked to an organization, with when, how often and why.',
  fields: (t) => ({
    author: t.field({ type: AuthorRef, description: 'The person.', resolve: (p) => p.author as never }),
    firstYear: t.exposeInt('firstYear', {
      nullable: true,
      description: 'Earliest year of a citation linking them; null when none is dated.',
    }),
    lastYear: t.exposeInt('lastYear', {
      nullable: true,
      description: 'Latest year of a citation linking them; null when none is dated.',
    }),
    citationCount: t.exposeInt('citationCount', { description: 'Number of citations linking them.' }),
    evidence: t.field({
      type: LinkEvidenceEnum,
      description: 'EXPLICIT when any of those citations says so; INFERRED otherwise.',
      resolve: (p) => p.evidence,
    }),
    confidence: t.exposeFloat('confidence', {
      description: 'Highest confidence among the links, in [0, 1]; 1 for explicit and confirmed links.',
    }),
    decision: t.field({
      type: LinkDecisionEnum,
      nullable: true,
      description: 'A curator’s decision on the link; null when none.',
      resolve: (p) => p.decision,
    }),
  }),
});

type ThresholdArgs = { minConfidence?: number | null; includeBelowThreshold?: boolean | null };

const confidenceInRange = (value: number) => Number.isFinite(value) && value >= 0 && value <= 1;

/**
 * The lowest confidence a list shows. Planning (a field's `select`) never throws, so a value
 * outside 0–1 plans with the default; the field's resolver refuses it (`checkedThreshold`).
 */
const threshold = (args: ThresholdArgs) =>
  args.includeBelowThreshold
    ? 0
    : args.minConfidence != null && confidenceInRange(args.minConfidence)
      ? args.minConfidence
      : DEFAULT_LINK_THRESHOLD;

/** `threshold`, refusing a confidence outside 0–1, which no link has (it was taken as given). */
function checkedThreshold(args: ThresholdArgs): number {
  if (args.minConfidence != null && !confidenceInRange(args.minConfidence)) {
    throw new ValidationError(
      `minConfidence must be between 0 and 1, got ${args.minConfidence}`,
      'minConfidence',
    );
  }
  return threshold(args);
}

/**
 * Pages of `Organization.people` asked for in one tick, loaded in one statement per threshold and
 * page position (src/query/organizations.ts), so a list of organizations with people is not N+1.
 * One per request: keyed by the request's context object, gone with it.
 */
class PeopleLoader {
  private pending: Array<{
    page: PeoplePage;
    resolve: (r: { rows: OrganizationPersonRow[]; total: number }) => void;
    reject: (e: unknown) => void;
  }> = [];

  constructor(private readonly db: Context['db']) {}

  load(page: PeoplePage): Promise<{ rows: OrganizationPersonRow[]; total: number }> {
    return new Promise((resolve, reject) => {
      if (this.pending.length === 0) queueMicrotask(() => void this.flush());
      this.pending.push({ page, resolve, reject });
    });
  }

  private async flush(): Promise<void> {
    const batch = this.pending;
    this.pending = [];
    try {
      const results = await organizationPeople(
        this.db,
        batch.map((b) => b.page),
      );
      batch.forEach((b, i) => {
        b.resolve(results[i] as { rows: OrganizationPersonRow[]; total: number });
      });
    } catch (error) {
      for (const b of batch) b.reject(error);
    }
  }
}

const peopleLoaders = new WeakMap<Context, PeopleLoader>();

function peopleLoader(ctx: Context): PeopleLoader {
  let loader = peopleLoaders.get(ctx);
  if (!loader) {
    loader = new PeopleLoader(ctx.db);
    peopleLoaders.set(ctx, loader);
  }
  return loader;
}

const MIN_CONFIDENCE_DESCRIPTION = `Lowest confidence of an inferred link to return (default ${DEFAULT_LINK_THRESHOLD}, the documented threshold). Confirmed links are always returned, rejected ones never.`;
const BELOW_THRESHOLD_DESCRIPTION = 'True returns the links below the threshold too (minConfidence 0).';

builder.drizzleObjectFields(OrganizationRef, (t) => ({
  spellings: t.field({
    type: [SpellingRef],
    description: 'Every spelling seen in addresses, most used first.',
    select: { extras: { spellings: (o) => organizationSpellingsSql(o.id) } },
    resolve: (o) => parseJsonArray<SpellingShape>((o as { spellings?: unknown }).spellings),
  }),
  citationCount: t.int({
    description: 'Number of citations whose addresses name it or one of its units.',
    select: { extras: { citationCount: (o) => organizationCitationCountSql(o.id) } },
    resolve: (o) => Number((o as { citationCount?: number }).citationCount ?? 0),
  }),
  citationsPerYear: t.field({
    type: [YearCountRef],
    description:
      'Its citations (units included) per publication year, oldest first; undated ones not counted.',
    select: { extras: { citationsPerYear: (o) => organizationCitationsPerYearSql(o.id) } },
    resolve: (o) => parseJsonArray<YearCount>((o as { citationsPerYear?: unknown }).citationsPerYear),
  }),
  // The cast spares the compiler a structural comparison of two field builders that it gives
  // up on (TS2589); the row type is stated instead.
  citations: citationConnectionField<typeof organizations.$inferSelect>(t as never, {
    typeName: 'OrganizationCitations',
    description:
      'Citations whose addresses name it or one of its units, filterable and sortable like `Query.citations`.',
    scope: (o) => ({ organizationIds: [o.id] }),
  }),
  people: t.connection(
    {
      type: OrganizationPersonRef,
      description:
        'People linked to it (on a unit: those whose addresses name the unit), most citations first, in pages (default 20, at most 100). Links below the threshold are left out unless asked for.',
      args: {
        minConfidence: t.arg.float({ description: MIN_CONFIDENCE_DESCRIPTION }),
        includeBelowThreshold: t.arg.boolean({ description: BELOW_THRESHOLD_DESCRIPTION }),
      },
      resolve: async (o, args, ctx) => {
        const minConfidence = checkedThreshold(args);
        const cursors = offsetCursors('people', [o.id, minConfidence]);
        const paging = cursors.check(args);
        let total = 0;
        const connection = await resolveOffsetConnection(
          { args: paging, defaultSize: 20, maxSize: 100 },
          async ({ offset, limit }) => {
            const page = await peopleLoader(ctx).load({
              organizationId: o.id,
              minConfidence,
              offset,
              limit,
            });
            total = page.total;
            return page.rows;
          },
        );
        return { ...cursors.seal(connection), totalCount: total };
      },
    },
    {
      name: 'OrganizationPeopleConnection',
      description: 'A page of people linked to an organization, with cursors and the size of the whole list.',
      fields: (c) => ({
        totalCount: c.int({
          description: 'Number of people across all pages.',
          resolve: (connection) => (connection as unknown as { totalCount: number }).totalCount,
        }),
      }),
    },
    { name: 'OrganizationPeopleEdge', description: 'A person in a page, with its cursor.' },
  ),
}));

export const AuthorOrganizationRef = builder
  .objectRef<AuthorOrganizationRow>('AuthorOrganization')
  .implement({
    description: 'An organization an author was at, with when, how often and why (one row of the timeline).',
    fields: (t) => ({
      organization: t.field({
        type: OrganizationRef,
        description: 'The organization.',
        resolve: (r) => r.organization as never,
      }),
      unit: t.field({
        type: OrganizationRef,
        nullable: true,
        description: 'The unit the explicit addresses name most often; null when none does.',
        resolve: (r) => r.unit as never,
      }),
      firstYear: t.exposeInt('firstYear', {
        nullable: true,
        description: 'Earliest year of a citation placing the author there; null when none is dated.',
      }),
      lastYear: t.exposeInt('lastYear', {
        nullable: true,
        description: 'Latest year of a citation placing the author there; null when none is dated.',
      }),
      count: t.exposeInt('count', { description: 'Number of citations placing the author there.' }),
      evidence: t.field({
        type: LinkEvidenceEnum,
        description: 'EXPLICIT when any of those citations says so; INFERRED otherwise.',
        resolve: (r) => r.evidence,
      }),
      confidence: t.exposeFloat('confidence', {
        description: 'Highest confidence among the links, in [0, 1]; 1 for explicit and confirmed links.',
      }),
      rules: t.exposeStringList('rules', {
        description: 'The rules that made the links (docs/organizations.md explains each).',
      }),
      decision: t.field({
        type: LinkDecisionEnum,
        nullable: true,
        description: 'A curator’s decision on the link; null when none.',
        resolve: (r) => r.decision,
      }),
    }),
  });

export const OrganizationOrderEnum = builder.enumType('OrganizationOrder', {
  description: 'How a list of organizations is sorted; ties are broken by name, then ID.',
  values: {
    RELEVANCE: {
      value: 'relevance',
      description: 'Closest name match first (with `search`; otherwise NAME).',
    },
    NAME: { value: 'name', description: 'By name key, ignoring case, accents and abbreviations.' },
    CITATION_COUNT: { value: 'citation_count', description: 'Most citations first (units included).' },
  } as const,
});

function organizationsQuery(args: {
  search?: string | null;
  country?: string | null;
  includeUnits?: boolean | null;
  orderBy?: EntityOrder | null;
}) {
  const conditions: Array<(t: typeof organizations) => SQL> = [];
  if (!args.includeUnits) conditions.push((t) => sql`${t.parentId} is null`);
  const country = args.country?.trim() ? countryCodeOf(args.country, 'country') : undefined;
  if (country) conditions.push((t) => sql`${t.countryCode} = ${country}`);
  // Keys fold abbreviations and word order as well as case and accents ("Univ Sydney" = "sydney univ").
  const folded = args.search ? organizationKey(args.search) || foldQuery(args.search) : '';
  return entityRowsQuery<typeof organizations>({
    list: 'organizations',
    key: (t) => t.key,
    citationCount: (t) => organizationCitationCountSql(t.id),
    search: folded === '' ? null : folded,
    conditions,
    order: args.orderBy,
    scope: { includeUnits: args.includeUnits === true, country: country ?? null },
  });
}

builder.queryFields((t) => ({
  organization: t.drizzleField({
    type: OrganizationRef,
    nullable: true,
    description: 'One organization or unit by global ID; null when it does not exist.',
    args: { id: t.arg.globalID({ required: true, description: 'Global ID of the organization.' }) },
    resolve: async (query, _root, args, ctx) => {
      const id = rowIdOf(args.id, 'Organization', 'id');
      return (await ctx.db.query.organizations.findFirst(query({ where: { id } }))) ?? null;
    },
  }),
  organizations: t.drizzleConnection(
    {
      type: OrganizationRef,
      description:
        'Organizations, optionally fuzzy-searched by name (accents, case, word order, abbreviations such as "Univ" and small typos do not matter), in pages (default 20, at most 100).',
      args: {
        search: t.arg.string({
          description: 'Name or part of it; blank means no search.',
          extensions: searchBound,
        }),
        country: t.arg.string({
          description: 'ISO 3166-1 alpha-2 code ("AU"), case-insensitive; absent means any.',
        }),
        includeUnits: t.arg.boolean({
          description: 'True lists units (departments, schools …) too; by default only organizations.',
        }),
        orderBy: t.arg({
          type: OrganizationOrderEnum,
          description: 'Sort order; default RELEVANCE with a search, NAME without.',
        }),
      },
      totalCount: (_root, args, ctx) => checkedTotal(ctx.db, organizations, args, organizationsQuery(args)),
      resolve: (query, _root, args, ctx) =>
        ctx.db.query.organizations.findMany(pagedQuery(query, args, organizationsQuery(args)) as never),
    },
    {
      name: 'OrganizationConnection',
      description: 'A page of organizations with cursors and the size of the whole set.',
    },
    { name: 'OrganizationEdge', description: 'An organization in a connection page, with its cursor.' },
  ),
}));

builder.drizzleObjectFields(AuthorRef, (t) => ({
  organizations: t.field({
    type: [AuthorOrganizationRef],
    description:
      'Where the author has worked: one row per organization with first and last year, most recent first. Links below the threshold are left out unless asked for; rejected links never appear.',
    args: {
      minConfidence: t.arg.float({ description: MIN_CONFIDENCE_DESCRIPTION }),
      includeBelowThreshold: t.arg.boolean({ description: BELOW_THRESHOLD_DESCRIPTION }),
    },
    // The extra is named by its threshold so two aliased selections with different arguments coexist.
    select: (args) => ({
      extras: {
        [`organizations${threshold(args)}`]: (a: typeof authors) =>
          authorOrganizationsSql(a.id, threshold(args)),
      },
    }),
    resolve: (a, args) =>
      parseJsonArray<AuthorOrganizationRow>(
        (a as Record<string, unknown>)[`organizations${checkedThreshold(args)}`],
      ),
  }),
}));

interface AffiliationOrganizationShape {
  organization: typeof organizations.$inferSelect;
  position: number;
  depth: number;
  spelling: string;
}

builder.drizzleObjectFields(AffiliationRef, (t) => ({
  street: t.exposeString('street', {
    nullable: true,
    description: 'Street or PO box, when the address gives one.',
  }),
  city: t.exposeString('city', { nullable: true, description: 'City, when recognised.' }),
  region: t.exposeString('region', {
    nullable: true,
    description: 'State, province or region, when recognised.',
  }),
  postalCode: t.exposeString('postalCode', { nullable: true, description: 'Postal code, when recognised.' }),
  countryInfo: t.field({
    type: CountryRef,
    nullable: true,
    description: 'The country the address names, with its ISO code; null when it names none.',
    resolve: (a) => countryOf(a.countryCode, a.country),
  }),
  emailsRemoved: t.exposeBoolean('emailsRemoved', {
    description: 'True when the string held e-mail addresses, which no part keeps.',
  }),
  parsed: t.exposeBoolean('parsed', {
    description:
      'False when no organization could be read from the string (before `bibgraph reindex` on an upgraded database, or for text that is no address); the raw `name` is kept either way.',
  }),
  organizations: t.field({
    type: [OrganizationRef],
    description: 'Organizations the address names, the main one first (units are in `units`).',
    select: (_args, _ctx, nestedSelection) => ({
      with: {
        organizationLinks: {
          orderBy: { position: 'asc', depth: 'asc' },
          with: { organization: nestedSelection(true) },
        },
      },
    }),
    resolve: (a) =>
      (a as unknown as { organizationLinks: AffiliationOrganizationShape[] }).organizationLinks
        .filter((l) => l.depth === 0)
        .map((l) => l.organization) as never,
  }),
  units: t.field({
    type: [OrganizationRef],
    description: 'Units (department, school, lab …) the address names, most specific first.',
    select: (_args, _ctx, nestedSelection) => ({
      with: {
        organizationLinks: {
          orderBy: { position: 'asc', depth: 'asc' },
          with: { organization: nestedSelection(true) },
        },
      },
    }),
    resolve: (a) =>
      (a as unknown as { organizationLinks: AffiliationOrganizationShape[] }).organizationLinks
        .filter((l) => l.depth > 0)
        .map((l) => l.organization) as never,
  }),
}));
