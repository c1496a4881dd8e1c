import type { CitationPreview, PreviewAffiliation, PreviewContributor } from '../citation/preview.ts';
import { PREVIEW_FIELDS } from '../citation/preview.ts';
import { builder } from './builder.ts';
import { ContributorRoleEnum } from './citation.ts';

export const CitationPreviewContributorRef = builder
  .objectRef<PreviewContributor>('CitationPreviewContributor')
  .implement({
    description: 'A person or organisation the record credits, as it would be stored.',
    fields: (t) => ({
      role: t.field({
        type: ContributorRoleEnum,
        description: 'What the contributor did.',
        resolve: (c) => c.role,
      }),
      position: t.exposeInt('position', { description: '1-based order within the role.' }),
      name: t.exposeString('nameAsWritten', { description: 'The name exactly as written in the source.' }),
      family: t.exposeString('family', {
        nullable: true,
        description: 'Family name as read; null for a literal name.',
      }),
      given: t.exposeString('given', { nullable: true, description: 'Given names or initials as read.' }),
      suffix: t.exposeString('suffix', { nullable: true, description: 'Suffix as read ("Jr.", "III").' }),
      literal: t.exposeString('literal', {
        nullable: true,
        description: 'A corporate or unsplittable name, kept whole; null for a person.',
      }),
      affiliations: t.exposeIntList('affiliations', {
        description:
          "1-based positions in the preview's `affiliations` of the addresses the record itself links to this contributor; empty when it links none.",
      }),
    }),
  });

export const CitationPreviewAffiliationRef = builder
  .objectRef<PreviewAffiliation>('CitationPreviewAffiliation')
  .implement({
    description: 'An address the record names, as it would be stored, with what bibgraph read from it.',
    fields: (t) => ({
      name: t.exposeString('name', {
        description: 'The address as it would be stored (without e-mails and author names written in front).',
      }),
      country: t.exposeString('country', {
        nullable: true,
        description: 'Country recognised in the address (English name); null when none was found.',
      }),
      countryCode: t.exposeString('countryCode', {
        nullable: true,
        description: 'ISO 3166-1 alpha-2 code of that country.',
      }),
      organizations: t.exposeStringList('organizations', {
        description:
          'Organizations read from the address as written, the main one first; empty when none could be read (the address is stored raw).',
      }),
    }),
  });

export const CitationPreviewRef = builder.objectRef<CitationPreview>('CitationPreview').implement({
  description:
    'How one record of the input was read: the citation as it would be stored, before matching merges it with a stored citation. Its fields mean what the same fields of `Citation` mean.',
  fields: (t) => ({
    // One field per bibliographic field (src/citation/fields.ts), as on Citation.
    ...Object.fromEntries(
      PREVIEW_FIELDS.map((f) => {
        const description = f.description;
        const value = (p: CitationPreview) => p.fields[f.name];
        switch (f.kind) {
          case 'type':
            return [f.name, t.string({ description, resolve: (p) => value(p) as string })] as const;
          case 'year':
            return [
              f.name,
              t.int({ nullable: true, description, resolve: (p) => value(p) as number | null }),
            ] as const;
          case 'list':
            return [f.name, t.stringList({ description, resolve: (p) => value(p) as string[] })] as const;
          default:
            return [
              f.name,
              t.string({ nullable: true, description, resolve: (p) => value(p) as string | null }),
            ] as const;
        }
      }),
    ),
    contributors: t.field({
      type: [CitationPreviewContributorRef],
      description: 'Everyone credited, in source order.',
      resolve: (p) => p.contributors,
    }),
    affiliations: t.field({
      type: [CitationPreviewAffiliationRef],
      description: 'Addresses named by the record, in source order, one per address.',
      resolve: (p) => p.affiliations,
    }),
    keywords: t.stringList({ description: 'Keywords in source order.', resolve: (p) => p.keywords }),
  }),
});
