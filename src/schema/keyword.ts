import { builder } from './builder.ts';

export const KeywordRef = builder.drizzleNode('keywords', {
  name: 'Keyword',
  description: 'A subject term; the same term in any letter case is one keyword.',
  id: { column: (k) => k.id, description: 'Global ID of the keyword.' },
  fields: (t) => ({
    term: t.exposeString('term', { description: 'The term, spelled as first seen.' }),
  }),
});
