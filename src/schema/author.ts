import { builder } from './builder.ts';

export const AuthorRef = builder.drizzleNode('authors', {
  name: 'Author',
  description: 'A person or organisation credited on citations, deduplicated across records by normalised name.',
  id: { column: (a) => a.id, description: 'Global ID of the author.' },
  fields: (t) => ({
    family: t.exposeString('family', { nullable: true, description: 'Family name; null for corporate names.' }),
    given: t.exposeString('given', { nullable: true, description: 'Given names or initials, as first seen.' }),
    suffix: t.exposeString('suffix', { nullable: true, description: 'Name suffix such as "Jr." or "III".' }),
    literal: t.exposeString('literal', {
      nullable: true,
      description: 'The whole name of a corporate or unsplittable author ("World Health Organization").',
    }),
    name: t.exposeString('name', { description: 'Display form: "Xiaohua Wang", "World Health Organization".' }),
    orcid: t.exposeString('orcid', { nullable: true, description: 'ORCID iD, when known.' }),
  }),
});
