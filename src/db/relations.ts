import { defineRelations } from 'drizzle-orm';
import * as schema from './schema.ts';

export const relations = defineRelations(schema, (r) => ({
  citations: {
    contributions: r.many.contributions({ from: r.citations.id, to: r.contributions.citationId }),
    contributors: r.many.authors({
      from: r.citations.id.through(r.contributions.citationId),
      to: r.authors.id.through(r.contributions.authorId),
    }),
    affiliationLinks: r.many.citationAffiliations({
      from: r.citations.id,
      to: r.citationAffiliations.citationId,
    }),
    affiliations: r.many.affiliations({
      from: r.citations.id.through(r.citationAffiliations.citationId),
      to: r.affiliations.id.through(r.citationAffiliations.affiliationId),
    }),
    keywordLinks: r.many.citationKeywords({ from: r.citations.id, to: r.citationKeywords.citationId }),
    keywords: r.many.keywords({
      from: r.citations.id.through(r.citationKeywords.citationId),
      to: r.keywords.id.through(r.citationKeywords.keywordId),
    }),
    ingestion: r.one.ingestions({ from: r.citations.ingestionId, to: r.ingestions.id }),
    // A DOI shared by clearly different works: the citation holding it, the ones kept apart with it
    // in conflictingDoi, and (from one of those) the others kept apart with the same DOI.
    doiHolder: r.one.citations({
      from: r.citations.conflictingDoi,
      to: r.citations.doi,
      alias: 'doi_holder',
    }),
    doiConflicting: r.many.citations({
      from: r.citations.doi,
      to: r.citations.conflictingDoi,
      alias: 'doi_holder',
    }),
    doiSiblings: r.many.citations({ from: r.citations.conflictingDoi, to: r.citations.conflictingDoi }),
    aliases: r.many.citationAliases({ from: r.citations.id, to: r.citationAliases.citationId }),
  },
  citationAliases: {
    citation: r.one.citations({ from: r.citationAliases.citationId, to: r.citations.id, optional: false }),
  },
  contributions: {
    citation: r.one.citations({ from: r.contributions.citationId, to: r.citations.id, optional: false }),
    author: r.one.authors({ from: r.contributions.authorId, to: r.authors.id, optional: false }),
  },
  authors: {
    contributions: r.many.contributions({ from: r.authors.id, to: r.contributions.authorId }),
    citations: r.many.citations({
      from: r.authors.id.through(r.contributions.authorId),
      to: r.citations.id.through(r.contributions.citationId),
    }),
    affiliationLinks: r.many.authorAffiliations({ from: r.authors.id, to: r.authorAffiliations.authorId }),
    organizationLinks: r.many.authorOrganizations({ from: r.authors.id, to: r.authorOrganizations.authorId }),
  },
  affiliations: {
    citationLinks: r.many.citationAffiliations({
      from: r.affiliations.id,
      to: r.citationAffiliations.affiliationId,
    }),
    citations: r.many.citations({
      from: r.affiliations.id.through(r.citationAffiliations.affiliationId),
      to: r.citations.id.through(r.citationAffiliations.citationId),
    }),
    authorLinks: r.many.authorAffiliations({
      from: r.affiliations.id,
      to: r.authorAffiliations.affiliationId,
    }),
    organizationLinks: r.many.affiliationOrganizations({
      from: r.affiliations.id,
      to: r.affiliationOrganizations.affiliationId,
    }),
  },
  citationAffiliations: {
    citation: r.one.citations({
      from: r.citationAffiliations.citationId,
      to: r.citations.id,
      optional: false,
    }),
    affiliation: r.one.affiliations({
      from: r.citationAffiliations.affiliationId,
      to: r.affiliations.id,
      optional: false,
    }),
  },
  authorAffiliations: {
    author: r.one.authors({ from: r.authorAffiliations.authorId, to: r.authors.id, optional: false }),
    affiliation: r.one.affiliations({
      from: r.authorAffiliations.affiliationId,
      to: r.affiliations.id,
      optional: false,
    }),
    citation: r.one.citations({ from: r.authorAffiliations.citationId, to: r.citations.id, optional: false }),
  },
  organizations: {
    parent: r.one.organizations({
      from: r.organizations.parentId,
      to: r.organizations.id,
      alias: 'organization_units',
    }),
    units: r.many.organizations({
      from: r.organizations.id,
      to: r.organizations.parentId,
      alias: 'organization_units',
    }),
    affiliationLinks: r.many.affiliationOrganizations({
      from: r.organizations.id,
      to: r.affiliationOrganizations.organizationId,
    }),
    authorLinks: r.many.authorOrganizations({
      from: r.organizations.id,
      to: r.authorOrganizations.organizationId,
    }),
  },
  affiliationOrganizations: {
    affiliation: r.one.affiliations({
      from: r.affiliationOrganizations.affiliationId,
      to: r.affiliations.id,
      optional: false,
    }),
    organization: r.one.organizations({
      from: r.affiliationOrganizations.organizationId,
      to: r.organizations.id,
      optional: false,
    }),
  },
  authorOrganizations: {
    author: r.one.authors({ from: r.authorOrganizations.authorId, to: r.authors.id, optional: false }),
    organization: r.one.organizations({
      from: r.authorOrganizations.organizationId,
      to: r.organizations.id,
      optional: false,
    }),
  },
  keywords: {
    citationLinks: r.many.citationKeywords({ from: r.keywords.id, to: r.citationKeywords.keywordId }),
    citations: r.many.citations({
      from: r.keywords.id.through(r.citationKeywords.keywordId),
      to: r.citations.id.through(r.citationKeywords.citationId),
    }),
  },
  citationKeywords: {
    citation: r.one.citations({ from: r.citationKeywords.citationId, to: r.citations.id, optional: false }),
    keyword: r.one.keywords({ from: r.citationKeywords.keywordId, to: r.keywords.id, optional: false }),
  },
  ingestions: {
    citations: r.many.citations({ from: r.ingestions.id, to: r.citations.ingestionId }),
  },
}));
