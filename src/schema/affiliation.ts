import { builder } from './builder.ts';

export const AffiliationRef = builder.drizzleNode('affiliations', {
  name: 'Affiliation',
  description: 'An institution or address that authors are affiliated with, deduplicated by normalised text.',
  id: { column: (a) => a.id, description: 'Global ID of the affiliation.' },
  fields: (t) => ({
    name: t.exposeString('name', { description: 'The affiliation as written in its first source.' }),
    country: t.exposeString('country', {
      nullable: true,
      description: 'Country recognised at the end of the address (English name); null when none was found.',
    }),
  }),
});
