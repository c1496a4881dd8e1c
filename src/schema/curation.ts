import { encodeGlobalID } from '@pothos/plugin-relay';
import { and, eq } from 'drizzle-orm';
import { type CitationPatch, EDITABLE_CITATION_FIELDS } from '../citation/fields.ts';
import { deleteCitation, updateCitation } from '../curation/citations.ts';
import { linkAuthorAffiliation, markNotDuplicate, unlinkAuthorAffiliation } from '../curation/links.ts';
import { mergeAffiliations, mergeAuthors, mergeKeywords } from '../curation/merge.ts';
import {
  decideOrganizationLink,
  mergeOrganizations,
  moveUnit,
  undoOrganizationChange,
} from '../curation/organizations.ts';
import type { Database } from '../db/client.ts';
import { mergedIds } from '../db/schema.ts';
import { ValidationError } from '../errors.ts';
import { builder } from './builder.ts';
import { CURATION_ERRORS } from './errors.ts';
import { decodeRowGlobalID, rowIdOf } from './node-ids.ts';
import { OrganizationRef } from './organization.ts';

type Kind = 'Citation' | 'Author' | 'Affiliation' | 'Keyword' | 'Organization';

/**
 * Turns a global ID argument into a row id of the expected kind. Malformed IDs and IDs of another
 * kind are validation errors; IDs of merged-away rows lead to the survivor, as they do in `node`.
 */
async function rowId(
  db: Database,
  raw: string,
  kinds: readonly Kind[],
  field: string,
): Promise<{ kind: Kind; id: number }> {
  const decoded = decodeRowGlobalID(raw);
  let id: number;
  try {
    id = rowIdOf(decoded, kinds, field);
  } catch (error) {
    // Mutations report a bad argument as a ValidationError member of their result union.
    throw new ValidationError((error as Error).message, field);
  }
  const kind = decoded.typename as Kind;
  if (kind !== 'Citation') {
    const [redirect] = await db
      .select({ intoId: mergedIds.intoId })
      .from(mergedIds)
      .where(and(eq(mergedIds.kind, kind), eq(mergedIds.fromId, id)));
    if (redirect) return { kind, id: redirect.intoId };
  }
  return { kind, id };
}

const union = (name: string, description: string) => ({
  name,
  description: `${description} Or the typed error that prevented it.`,
});

const UpdateCitationInput = builder.inputType('UpdateCitationInput', {
  description:
    'New values for a citation. A field left out stays as it is; a field set to null is cleared. Text is trimmed; empty text counts as null.',
  // One input field per editable citation field (src/citation/fields.ts), in column order.
  fields: (t) =>
    Object.fromEntries(
      EDITABLE_CITATION_FIELDS.map(
        (f) =>
          [
            f.name,
            f.kind === 'year' ? t.int({ description: f.edit }) : t.string({ description: f.edit }),
          ] as const,
      ),
    ),
});

interface UpdateShape {
  citationId: number;
  changed: string[];
}

const UpdateCitationPayload = builder.objectRef<UpdateShape>('UpdateCitationPayload').implement({
  description: 'The citation after the update.',
  fields: (t) => ({
    citation: t.drizzleField({
      type: 'citations',
      description: 'The updated citation.',
      resolve: async (query, p, _args, ctx) =>
        (await ctx.db.query.citations.findFirst(query({ where: { id: p.citationId } }))) as never,
    }),
    changedFields: t.stringList({
      description:
        'Names of the input fields whose stored value changed; empty when nothing did (and nothing was logged).',
      resolve: (p) => p.changed,
    }),
  }),
});

interface DeleteShape {
  citationId: number;
  removedAuthorIds: number[];
  removedAffiliationIds: number[];
  removedKeywordIds: number[];
}

const DeleteCitationPayload = builder.objectRef<DeleteShape>('DeleteCitationPayload').implement({
  description: 'What a deletion removed.',
  fields: (t) => ({
    deletedCitationId: t.id({
      description: 'Global ID of the deleted citation; `node` now returns null for it.',
      resolve: (p) => encodeGlobalID('Citation', p.citationId),
    }),
    removedAuthorIds: t.idList({
      description: 'Authors deleted with it because no other citation credits them.',
      resolve: (p) => p.removedAuthorIds.map((id) => encodeGlobalID('Author', id)),
    }),
    removedAffiliationIds: t.idList({
      description: 'Affiliations deleted with it because nothing else refers to them.',
      resolve: (p) => p.removedAffiliationIds.map((id) => encodeGlobalID('Affiliation', id)),
    }),
    removedKeywordIds: t.idList({
      description: 'Keywords deleted with it because no other citation carries them.',
      resolve: (p) => p.removedKeywordIds.map((id) => encodeGlobalID('Keyword', id)),
    }),
  }),
});

interface MergeShape {
  intoId: number;
  mergedIds: number[];
}

function mergePayload(
  name: string,
  kind: 'Author' | 'Affiliation' | 'Keyword',
  table: 'authors' | 'affiliations' | 'keywords',
) {
  return builder.objectRef<MergeShape>(name).implement({
    description: `The surviving ${kind.toLowerCase()} after a merge.`,
    fields: (t) => ({
      [kind.toLowerCase()]: t.drizzleField({
        type: table,
        description: `The survivor, now holding every link of the merged ${kind.toLowerCase()}s.`,
        resolve: async (query, p, _args, ctx) =>
          // biome-ignore lint/suspicious/noExplicitAny: the three tables share this shape of lookup.
          (await (ctx.db.query[table] as any).findFirst(query({ where: { id: p.intoId } }))) as never,
      }),
      mergedIds: t.idList({
        description: 'Global IDs merged away; they keep resolving to the survivor through `node`.',
        resolve: (p) => p.mergedIds.map((id) => encodeGlobalID(kind, id)),
      }),
    }),
  });
}

const MergeAuthorsPayload = mergePayload('MergeAuthorsPayload', 'Author', 'authors');
const MergeAffiliationsPayload = mergePayload('MergeAffiliationsPayload', 'Affiliation', 'affiliations');
const MergeKeywordsPayload = mergePayload('MergeKeywordsPayload', 'Keyword', 'keywords');

interface LinkShape {
  authorId: number;
  affiliationId: number;
  removed: number;
}

const AuthorAffiliationLinkPayload = builder.objectRef<LinkShape>('AuthorAffiliationLinkPayload').implement({
  description: 'The author and affiliation after linking or unlinking.',
  fields: (t) => ({
    author: t.drizzleField({
      type: 'authors',
      description: 'The author.',
      resolve: async (query, p, _args, ctx) =>
        (await ctx.db.query.authors.findFirst(query({ where: { id: p.authorId } }))) as never,
    }),
    affiliation: t.drizzleField({
      type: 'affiliations',
      description: 'The affiliation.',
      resolve: async (query, p, _args, ctx) =>
        (await ctx.db.query.affiliations.findFirst(query({ where: { id: p.affiliationId } }))) as never,
    }),
    removedLinks: t.exposeInt('removed', {
      description: 'Citation-backed links removed (unlink); 0 for a link.',
    }),
  }),
});

const DuplicateKindEnum = builder.enumType('DuplicateKind', {
  description: 'The kinds of object that can be marked as not duplicates of each other.',
  values: {
    CITATION: { value: 'Citation', description: 'Two citations.' },
    AUTHOR: { value: 'Author', description: 'Two authors.' },
    AFFILIATION: { value: 'Affiliation', description: 'Two affiliations.' },
    KEYWORD: { value: 'Keyword', description: 'Two keywords.' },
  } as const,
});

interface MarkShape {
  kind: Exclude<Kind, 'Organization'>;
  ids: [number, number];
  created: boolean;
}

const MarkNotDuplicatePayload = builder.objectRef<MarkShape>('MarkNotDuplicatePayload').implement({
  description: 'A pair recorded as distinct.',
  fields: (t) => ({
    kind: t.field({
      type: DuplicateKindEnum,
      description: 'What kind of objects the pair are.',
      resolve: (p) => p.kind,
    }),
    ids: t.idList({
      description: 'Global IDs of the two objects, lower ID first.',
      resolve: (p) => [...p.ids].sort((a, b) => a - b).map((id) => encodeGlobalID(p.kind, id)),
    }),
    alreadyMarked: t.boolean({
      description: 'True when the pair had been marked before (nothing changed, nothing logged).',
      resolve: (p) => !p.created,
    }),
  }),
});

const errorsOf = (name: string, description: string) => ({
  types: CURATION_ERRORS,
  directResult: true,
  union: union(name, description),
});

builder.mutationFields((t) => ({
  updateCitation: t.field({
    type: UpdateCitationPayload,
    description:
      'Corrects fields of a citation in one transaction. The dedup fingerprint and the search document follow the new values. A new DOI held by another citation, or a title/year that makes a DOI-less citation identical to another, is a ConflictError.',
    errors: errorsOf('UpdateCitationResult', 'The updated citation.'),
    args: {
      id: t.arg.id({ required: true, description: 'Global ID of the citation.' }),
      input: t.arg({ type: UpdateCitationInput, required: true, description: 'The fields to change.' }),
    },
    resolve: async (_root, args, ctx) => {
      const { id } = await rowId(ctx.db, String(args.id), ['Citation'], 'id');
      return updateCitation(ctx.db, ctx.auth.actor, id, args.input as CitationPatch);
    },
  }),
  deleteCitation: t.field({
    type: DeleteCitationPayload,
    description:
      'Deletes a citation with its credits and links, in one transaction. Authors, affiliations and keywords that nothing else refers to any more are deleted too.',
    errors: errorsOf('DeleteCitationResult', 'What was deleted.'),
    args: { id: t.arg.id({ required: true, description: 'Global ID of the citation.' }) },
    resolve: async (_root, args, ctx) => {
      const { id } = await rowId(ctx.db, String(args.id), ['Citation'], 'id');
      return deleteCitation(ctx.db, ctx.auth.actor, id);
    },
  }),
  mergeAuthors: t.field({
    type: MergeAuthorsPayload,
    description:
      'Declares authors to be one person: every credit and affiliation link moves to `into`, a citation crediting two of them in one role keeps the first credit, and the others are deleted. Their IDs keep resolving to `into`, and a re-ingest of their names credits `into`. Refused (ConflictError) for authors marked as not duplicates or with different ORCID iDs.',
    errors: errorsOf('MergeAuthorsResult', 'The surviving author.'),
    args: {
      into: t.arg.id({ required: true, description: 'Global ID of the author that survives.' }),
      from: t.arg.idList({ required: true, description: 'Global IDs of the authors merged into it.' }),
    },
    resolve: async (_root, args, ctx) => {
      const into = await rowId(ctx.db, String(args.into), ['Author'], 'into');
      const from = await Promise.all(args.from.map((id) => rowId(ctx.db, String(id), ['Author'], 'from')));
      return mergeAuthors(
        ctx.db,
        ctx.auth.actor,
        into.id,
        from.map((f) => f.id),
      );
    },
  }),
  mergeAffiliations: t.field({
    type: MergeAffiliationsPayload,
    description:
      'Declares affiliations to be one institution: citation and author links move to `into` (a citation naming two of them keeps one link) and the others are deleted. Their IDs keep resolving to `into`, and a re-ingest of their names links `into`.',
    errors: errorsOf('MergeAffiliationsResult', 'The surviving affiliation.'),
    args: {
      into: t.arg.id({ required: true, description: 'Global ID of the affiliation that survives.' }),
      from: t.arg.idList({ required: true, description: 'Global IDs of the affiliations merged into it.' }),
    },
    resolve: async (_root, args, ctx) => {
      const into = await rowId(ctx.db, String(args.into), ['Affiliation'], 'into');
      const from = await Promise.all(
        args.from.map((id) => rowId(ctx.db, String(id), ['Affiliation'], 'from')),
      );
      return mergeAffiliations(
        ctx.db,
        ctx.auth.actor,
        into.id,
        from.map((f) => f.id),
      );
    },
  }),
  mergeKeywords: t.field({
    type: MergeKeywordsPayload,
    description:
      'Declares keywords to be one term: citation links move to `into` (a citation carrying two of them keeps one) and full-text search follows. Their IDs keep resolving to `into`, and a re-ingest of their terms links `into`.',
    errors: errorsOf('MergeKeywordsResult', 'The surviving keyword.'),
    args: {
      into: t.arg.id({ required: true, description: 'Global ID of the keyword that survives.' }),
      from: t.arg.idList({ required: true, description: 'Global IDs of the keywords merged into it.' }),
    },
    resolve: async (_root, args, ctx) => {
      const into = await rowId(ctx.db, String(args.into), ['Keyword'], 'into');
      const from = await Promise.all(args.from.map((id) => rowId(ctx.db, String(id), ['Keyword'], 'from')));
      return mergeKeywords(
        ctx.db,
        ctx.auth.actor,
        into.id,
        from.map((f) => f.id),
      );
    },
  }),
  linkAuthorAffiliation: t.field({
    type: AuthorAffiliationLinkPayload,
    description:
      'Records that a citation shows an author at an affiliation. The citation must credit the author (else ValidationError); it gains the affiliation in its own list if it lacked it. An existing link is a ConflictError.',
    errors: errorsOf('LinkAuthorAffiliationResult', 'The linked author and affiliation.'),
    args: {
      author: t.arg.id({ required: true, description: 'Global ID of the author.' }),
      affiliation: t.arg.id({ required: true, description: 'Global ID of the affiliation.' }),
      citation: t.arg.id({
        required: true,
        description: 'Global ID of a citation crediting the author that shows the affiliation.',
      }),
    },
    resolve: async (_root, args, ctx) => {
      const author = await rowId(ctx.db, String(args.author), ['Author'], 'author');
      const affiliation = await rowId(ctx.db, String(args.affiliation), ['Affiliation'], 'affiliation');
      const citation = await rowId(ctx.db, String(args.citation), ['Citation'], 'citation');
      await linkAuthorAffiliation(ctx.db, ctx.auth.actor, {
        authorId: author.id,
        affiliationId: affiliation.id,
        citationId: citation.id,
      });
      return { authorId: author.id, affiliationId: affiliation.id, removed: 0 };
    },
  }),
  unlinkAuthorAffiliation: t.field({
    type: AuthorAffiliationLinkPayload,
    description:
      'Removes the evidence that an author was at an affiliation, through one citation or through all. Citations keep the affiliation in their own list. No such link is a NotFoundError.',
    errors: errorsOf('UnlinkAuthorAffiliationResult', 'The unlinked author and affiliation.'),
    args: {
      author: t.arg.id({ required: true, description: 'Global ID of the author.' }),
      affiliation: t.arg.id({ required: true, description: 'Global ID of the affiliation.' }),
      citation: t.arg.id({
        description: 'Only the link shown by this citation; null removes every link between the two.',
      }),
    },
    resolve: async (_root, args, ctx) => {
      const author = await rowId(ctx.db, String(args.author), ['Author'], 'author');
      const affiliation = await rowId(ctx.db, String(args.affiliation), ['Affiliation'], 'affiliation');
      const citation =
        args.citation == null ? null : await rowId(ctx.db, String(args.citation), ['Citation'], 'citation');
      const removed = await unlinkAuthorAffiliation(ctx.db, ctx.auth.actor, {
        authorId: author.id,
        affiliationId: affiliation.id,
        citationId: citation?.id ?? null,
      });
      return { authorId: author.id, affiliationId: affiliation.id, removed };
    },
  }),
  markNotDuplicate: t.field({
    type: MarkNotDuplicatePayload,
    description: `Records a curator's decision that two look-alike objects of one kind are different things, so nothing later folds them together:
- merges of the pair (mergeAuthors, mergeAffiliations, mergeKeywords) are refused with a ConflictError; a later merge of either into a third object carries the decision over;
- for citations, ingestion then matches a record to either of them by title, year and first author only when the DOIs agree exactly (both absent counts as agreeing). A look-alike record with another DOI, or without one when they have DOIs, becomes a new citation instead of filling in the wrong one.
Marking a pair again changes nothing.`,
    errors: errorsOf('MarkNotDuplicateResult', 'The pair.'),
    args: {
      a: t.arg.id({
        required: true,
        description: 'Global ID of one object (Citation, Author, Affiliation or Keyword).',
      }),
      b: t.arg.id({ required: true, description: 'Global ID of the other object, of the same kind.' }),
    },
    resolve: async (_root, args, ctx) => {
      const kinds = ['Citation', 'Author', 'Affiliation', 'Keyword'] as const;
      const a = await rowId(ctx.db, String(args.a), kinds, 'a');
      const b = await rowId(ctx.db, String(args.b), kinds, 'b');
      if (a.kind !== b.kind)
        throw new ValidationError(`a is a ${a.kind} and b is a ${b.kind}; both must be of one kind`, 'b');
      const kind = a.kind as MarkShape['kind'];
      const { created } = await markNotDuplicate(ctx.db, ctx.auth.actor, kind, a.id, b.id);
      return { kind, ids: [a.id, b.id], created } satisfies MarkShape;
    },
  }),
}));

const OrganizationPayload = builder
  .objectRef<{ organizationId: number; mergedIds: number[] }>('OrganizationChangePayload')
  .implement({
    description: 'The organization a change left in place.',
    fields: (t) => ({
      organization: t.drizzleField({
        type: OrganizationRef,
        nullable: true,
        description:
          'The surviving organization (mergeOrganizations) or the moved unit (moveUnit); null when it no longer exists.',
        resolve: async (query, p, _args, ctx) =>
          (await ctx.db.query.organizations.findFirst(query({ where: { id: p.organizationId } }))) ?? null,
      }),
      mergedIds: t.idList({
        description:
          'Global IDs merged away (mergeOrganizations); they keep resolving to the survivor through `node`.',
        resolve: (p) => p.mergedIds.map((id) => encodeGlobalID('Organization', id)),
      }),
    }),
  });

const OrganizationLinkPayload = builder
  .objectRef<{ authorId: number; organizationId: number }>('OrganizationLinkPayload')
  .implement({
    description: 'The author and organization after a decision on their link.',
    fields: (t) => ({
      author: t.drizzleField({
        type: 'authors',
        description: 'The author; `organizations` shows the link as it now stands.',
        resolve: async (query, p, _args, ctx) =>
          (await ctx.db.query.authors.findFirst(query({ where: { id: p.authorId } }))) as never,
      }),
      organization: t.drizzleField({
        type: OrganizationRef,
        description: 'The organization.',
        resolve: async (query, p, _args, ctx) =>
          (await ctx.db.query.organizations.findFirst(query({ where: { id: p.organizationId } }))) as never,
      }),
    }),
  });

const UndoPayload = builder
  .objectRef<{ action: string; organizationIds: number[]; authorIds: number[] }>(
    'UndoOrganizationChangePayload',
  )
  .implement({
    description: 'What an undo put back.',
    fields: (t) => ({
      action: t.exposeString('action', {
        description:
          'The undone action (mergeOrganizations, moveUnit, confirmOrganizationLink or rejectOrganizationLink).',
      }),
      organizationIds: t.idList({
        description:
          'Organizations the undo touched (a merge brings the merged-away ones back under their old IDs).',
        resolve: (p) => p.organizationIds.map((id) => encodeGlobalID('Organization', id)),
      }),
      authorIds: t.idList({
        description: 'Authors whose organization links were recomputed.',
        resolve: (p) => p.authorIds.map((id) => encodeGlobalID('Author', id)),
      }),
    }),
  });

const linkArgs = (
  t: PothosSchemaTypes.MutationFieldBuilder<
    typeof builder extends PothosSchemaTypes.SchemaBuilder<infer T> ? T : never,
    object
  >,
) => ({
  author: t.arg.id({ required: true, description: 'Global ID of the author.' }),
  organization: t.arg.id({ required: true, description: 'Global ID of the organization (not a unit).' }),
});

builder.mutationFields((t) => ({
  mergeOrganizations: t.field({
    type: OrganizationPayload,
    description:
      'Declares organizations (or units of organizations) to be one: addresses naming them name `into`, their units move under it, curator decisions follow, and author links are recomputed. Their IDs keep resolving to `into`, and a re-ingest or reindex of their spellings leads to `into`. Undo with undoOrganizationChange.',
    errors: errorsOf('MergeOrganizationsResult', 'The surviving organization.'),
    args: {
      into: t.arg.id({ required: true, description: 'Global ID of the organization that survives.' }),
      from: t.arg.idList({ required: true, description: 'Global IDs of the organizations merged into it.' }),
    },
    resolve: async (_root, args, ctx) => {
      const into = await rowId(ctx.db, String(args.into), ['Organization'], 'into');
      const from = await Promise.all(
        args.from.map((id) => rowId(ctx.db, String(id), ['Organization'], 'from')),
      );
      const r = await mergeOrganizations(
        ctx.db,
        ctx.auth.actor,
        into.id,
        from.map((f) => f.id),
      );
      return { organizationId: r.intoId, mergedIds: r.mergedIds };
    },
  }),
  moveUnit: t.field({
    type: OrganizationPayload,
    description:
      'Moves a unit (department, school …) with its addresses under another organization; a re-ingest or reindex of those addresses keeps it there. A namesake unit already there is a ConflictError (merge them instead). Undo with undoOrganizationChange.',
    errors: errorsOf('MoveUnitResult', 'The moved unit.'),
    args: {
      unit: t.arg.id({ required: true, description: 'Global ID of the unit.' }),
      to: t.arg.id({ required: true, description: 'Global ID of the organization it belongs to.' }),
    },
    resolve: async (_root, args, ctx) => {
      const unit = await rowId(ctx.db, String(args.unit), ['Organization'], 'unit');
      const to = await rowId(ctx.db, String(args.to), ['Organization'], 'to');
      await moveUnit(ctx.db, ctx.auth.actor, unit.id, to.id);
      return { organizationId: unit.id, mergedIds: [] };
    },
  }),
  confirmOrganizationLink: t.field({
    type: OrganizationLinkPayload,
    description:
      'Confirms that an author was at an organization: the link is returned whatever its confidence (replacing an earlier rejection). Undo with undoOrganizationChange.',
    errors: errorsOf('ConfirmOrganizationLinkResult', 'The author and organization.'),
    args: linkArgs(t as never),
    resolve: async (_root, args, ctx) => {
      const author = await rowId(ctx.db, String(args.author), ['Author'], 'author');
      const organization = await rowId(ctx.db, String(args.organization), ['Organization'], 'organization');
      await decideOrganizationLink(ctx.db, ctx.auth.actor, author.id, organization.id, 'CONFIRMED');
      return { authorId: author.id, organizationId: organization.id };
    },
  }),
  rejectOrganizationLink: t.field({
    type: OrganizationLinkPayload,
    description:
      'Rejects a link between an author and an organization, explicit or inferred: it is no longer returned, and no later ingest or reindex links the two again. Undo with undoOrganizationChange.',
    errors: errorsOf('RejectOrganizationLinkResult', 'The author and organization.'),
    args: linkArgs(t as never),
    resolve: async (_root, args, ctx) => {
      const author = await rowId(ctx.db, String(args.author), ['Author'], 'author');
      const organization = await rowId(ctx.db, String(args.organization), ['Organization'], 'organization');
      await decideOrganizationLink(ctx.db, ctx.auth.actor, author.id, organization.id, 'REJECTED');
      return { authorId: author.id, organizationId: organization.id };
    },
  }),
  undoOrganizationChange: t.field({
    type: UndoPayload,
    description:
      'Puts back what one organization change did (mergeOrganizations, moveUnit, confirmOrganizationLink or rejectOrganizationLink), named by its audit log entry; the undo is logged too. An entry undone already is a ConflictError.',
    errors: errorsOf('UndoOrganizationChangeResult', 'What the undo put back.'),
    args: {
      entry: t.arg.int({
        required: true,
        description: 'The `sequence` of the audit log entry of the change (`auditLog`).',
      }),
    },
    resolve: (_root, args, ctx) => undoOrganizationChange(ctx.db, ctx.auth.actor, args.entry),
  }),
}));
