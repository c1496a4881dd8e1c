import { CITATION_FIELDS } from '../citation/fields.ts';
import type { ContributorRole } from '../citation/types.ts';
import { ValidationError } from '../errors.ts';
import {
  CITATION_AFFILIATIONS,
  CITATION_AUTHORS,
  CITATION_KEYWORDS,
  linkedListOr,
  linkedRows,
} from '../query/linked-lists.ts';
import { normalizeDoi } from '../ris/normalize.ts';
import { AffiliationRef } from './affiliation.ts';
import { AuthorRef } from './author.ts';
import { builder } from './builder.ts';
import { citationConnectionField } from './citation-connection.ts';
import { KeywordRef } from './keyword.ts';
import { ROW_LIST } from './loaded-columns.ts';
import { rowIdOf } from './node-ids.ts';

export const ContributorRoleEnum = builder.enumType('ContributorRole', {
  description: 'What a person or organisation did for a citation.',
  values: {
    AUTHOR: {
      value: 'author',
      description: 'Author (RIS AU/A1; also reporter, inventor, composer … by type).',
    },
    EDITOR: {
      value: 'editor',
      description: 'Editor (A2/ED on chapters and proceedings, A3 on books, AU on EDBOOK).',
    },
    SERIES_EDITOR: {
      value: 'series_editor',
      description: 'Series editor (A2 on books and reports, A3 elsewhere).',
    },
    TRANSLATOR: { value: 'translator', description: 'Translator (A4 on books, chapters, dictionaries …).' },
    CONTRIBUTOR: {
      value: 'contributor',
      description: 'Any other subsidiary role (A4 where it is not a translator).',
    },
    TRANSLATED_AUTHOR: { value: 'translated_author', description: 'Translated author (TA).' },
  } as const,
});

export const RawTagRef = builder.objectRef<{ tag: string; value: string }>('RawTag').implement({
  description: 'One tag/value pair exactly as found in the source RIS record.',
  fields: (t) => ({
    tag: t.exposeString('tag', { description: 'The two-character RIS tag, e.g. "AU".' }),
    value: t.exposeString('value', { description: 'The value; continuation lines joined with a newline.' }),
  }),
});

export const ContributionRef = builder.drizzleObject('contributions', {
  name: 'Contribution',
  description: 'A credited person or organisation on one citation, with role and position.',
  fields: (t) => ({
    position: t.exposeInt('position', { description: '1-based order within the role, as in the source.' }),
    role: t.field({
      type: ContributorRoleEnum,
      description: 'What the contributor did.',
      select: { columns: { role: true } },
      resolve: (c) => c.role as ContributorRole,
    }),
    name: t.exposeString('nameAsWritten', { description: 'The name exactly as written in the source.' }),
    author: t.relation('author', { description: 'The deduplicated author record.' }),
  }),
});

export const CitationRef = builder.drizzleNode('citations', {
  name: 'Citation',
  description: 'One bibliographic record: a journal article, book, chapter, conference paper, report …',
  // Each field selects its own columns: the raw record, raw tags and search document are large and
  // a list page rarely wants them.
  select: {},
  id: { column: (c) => c.id, description: 'Global ID of the citation.' },
  fields: (t) => ({
    // One field per bibliographic column (src/citation/fields.ts); rawTags has a type of its own.
    ...Object.fromEntries(
      CITATION_FIELDS.filter((f) => f.kind !== 'tags' && f.kind !== 'datePrecision').map((f) => {
        const description = f.description;
        switch (f.kind) {
          case 'type':
            return [f.name, t.exposeString(f.name as 'risType', { description })] as const;
          case 'year':
            return [f.name, t.exposeInt(f.name as 'year', { nullable: true, description })] as const;
          case 'list':
            return [f.name, t.exposeStringList(f.name as 'issns', { description })] as const;
          default:
            return [f.name, t.exposeString(f.name as 'title', { nullable: true, description })] as const;
        }
      }),
    ),
    pages: t.string({
      nullable: true,
      description: 'Page range for display: "2255-2258", or the single page or article number.',
      select: { columns: { startPage: true, endPage: true } },
      resolve: (c) => {
        if (c.startPage && c.endPage && c.startPage !== c.endPage) return `${c.startPage}-${c.endPage}`;
        return c.startPage ?? c.endPage ?? null;
      },
    }),
    conflictingDoi: t.exposeString('conflictingDoi', {
      nullable: true,
      description:
        'A DOI the source gave this citation although a clearly different work (by title) already holds it; `doi` is then null. The works sharing it are in `doiConflicts`. Null when there is no conflict.',
    }),
    clearedFields: t.stringList({
      description:
        'Fields a curator cleared with updateCitation (as input field names). Re-ingests do not fill them again; setting a value lifts the mark.',
      select: { columns: { clearedFields: true } },
      resolve: (c) => c.clearedFields,
    }),
    rawTags: t.field({
      type: [RawTagRef],
      description:
        'Every tag and value of the source record, in order, including tags bibgraph does not model.',
      select: { columns: { rawTags: true } },
      resolve: (c) => c.rawTags,
    }),
    rawRecord: t.exposeString('rawRecord', {
      description:
        'The source RIS record text, as first ingested (tags that later copies added are in rawTags).',
    }),
    createdAt: t.expose('createdAt', {
      type: 'DateTime',
      description: 'When bibgraph first stored the citation.',
    }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime', description: 'When the citation last changed.' }),
    authors: t.field({
      type: [AuthorRef],
      description: 'Authors (role AUTHOR) in source order.',
      select: (_args, _ctx, nestedSelection) => {
        const nested = nestedSelection(true);
        const related = {
          with: {
            contributions: {
              columns: { authorId: true },
              where: { role: 'author' },
              orderBy: { position: 'asc' },
              with: { author: nested },
            },
          },
        };
        return linkedListOr(CITATION_AUTHORS, nested, related);
      },
      extensions: { [ROW_LIST]: CITATION_AUTHORS.key },
      resolve: (c) => linkedRows(c, CITATION_AUTHORS, () => c.contributions.map((x) => x.author)),
    }),
    contributors: t.relation('contributions', {
      description: 'Everyone credited, every role, ordered by role then position.',
      query: { orderBy: { role: 'asc', position: 'asc' } },
    }),
    affiliations: t.field({
      type: [AffiliationRef],
      description: 'Affiliations named by the record, in source order.',
      select: (_args, _ctx, nestedSelection) => {
        const nested = nestedSelection(true);
        const related = {
          with: {
            affiliationLinks: {
              columns: { affiliationId: true },
              orderBy: { position: 'asc' },
              with: { affiliation: nested },
            },
          },
        };
        return linkedListOr(CITATION_AFFILIATIONS, nested, related);
      },
      extensions: { [ROW_LIST]: CITATION_AFFILIATIONS.key },
      resolve: (c) =>
        linkedRows(c, CITATION_AFFILIATIONS, () => c.affiliationLinks.map((x) => x.affiliation)),
    }),
    keywords: t.field({
      type: [KeywordRef],
      description: 'Keywords in source order.',
      select: (_args, _ctx, nestedSelection) => {
        const nested = nestedSelection(true);
        const related = {
          with: {
            keywordLinks: {
              columns: { keywordId: true },
              orderBy: { position: 'asc' },
              with: { keyword: nested },
            },
          },
        };
        return linkedListOr(CITATION_KEYWORDS, nested, related);
      },
      extensions: { [ROW_LIST]: CITATION_KEYWORDS.key },
      resolve: (c) => linkedRows(c, CITATION_KEYWORDS, () => c.keywordLinks.map((x) => x.keyword)),
    }),
  }),
});

// Added after the type exists: a field of a type listing that same type cannot be inferred inside
// its own definition.
builder.drizzleObjectFields(CitationRef, (t) => ({
  doiConflicts: t.field({
    type: [CitationRef],
    description:
      'Other citations that the sources gave the same DOI but whose titles say they are different works: for the holder of a DOI, those kept apart with it as `conflictingDoi`; for one of those, the holder and the others. Empty when there is no conflict.',
    select: (_args, _ctx, nestedSelection) => ({
      columns: { id: true },
      with: {
        doiHolder: nestedSelection(),
        doiConflicting: nestedSelection({ orderBy: { id: 'asc' as const } }),
        doiSiblings: nestedSelection({ orderBy: { id: 'asc' as const } }),
      },
    }),
    resolve: (c) =>
      [...(c.doiHolder ? [c.doiHolder] : []), ...c.doiConflicting, ...c.doiSiblings].filter(
        (other) => (other as { id?: number }).id !== c.id,
      ),
  }),
}));

builder.queryFields((t) => ({
  citation: t.drizzleField({
    type: CitationRef,
    nullable: true,
    description: 'One citation by global ID or by DOI (any form, case-insensitive); null when none matches.',
    args: {
      id: t.arg.globalID({ description: 'Global ID of the citation.' }),
      doi: t.arg.string({ description: 'DOI, bare or as a doi: or https://doi.org/ link.' }),
    },
    resolve: async (query, _root, args, ctx) => {
      if ((args.id == null) === (args.doi == null)) {
        throw new ValidationError('citation takes exactly one of id and doi');
      }
      if (args.id) {
        const id = rowIdOf(args.id, 'Citation', 'id');
        return (await ctx.db.query.citations.findFirst(query({ where: { id } }))) ?? null;
      }
      const doi = normalizeDoi(args.doi ?? '');
      if (!doi) return null;
      return (await ctx.db.query.citations.findFirst(query({ where: { doi } }))) ?? null;
    },
  }),
  // The cast spares the compiler a structural comparison it gives up on (TS2589).
  citations: citationConnectionField<object>(t as never, {
    typeName: 'Citation',
    description: `Citations matching a filter, sorted, in pages (default 20, at most 100 per page). Cursors are keyset positions, so pages stay consistent while new citations are ingested.`,
    scope: () => null,
  }),
}));
