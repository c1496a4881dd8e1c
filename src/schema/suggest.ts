import { encodeGlobalID } from '@pothos/plugin-relay';
import { MAX_SUGGESTIONS, type SuggestionKind, type SuggestionRow, suggest } from '../query/suggest.ts';
import { builder } from './builder.ts';
import { searchBound } from './extensions.ts';
import { checkedListSize } from './list-size.ts';

export const SuggestionKindEnum = builder.enumType('SuggestionKind', {
  description: 'What a typeahead suggestion refers to.',
  values: {
    AUTHOR: { value: 'author', description: 'An Author.' },
    AFFILIATION: { value: 'affiliation', description: 'An Affiliation.' },
    KEYWORD: { value: 'keyword', description: 'A Keyword.' },
    ORGANIZATION: { value: 'organization', description: 'An Organization (units are not suggested).' },
  } as const,
});

const typenames: Record<SuggestionKind, string> = {
  author: 'Author',
  affiliation: 'Affiliation',
  keyword: 'Keyword',
  organization: 'Organization',
};

export const SuggestionRef = builder.objectRef<SuggestionRow>('Suggestion').implement({
  description: 'A typeahead match: enough to show it and to fetch or filter by it.',
  fields: (t) => ({
    id: t.id({
      description:
        'Global ID of the author, affiliation, keyword or organization (for `node`, or for a CitationFilter ID list).',
      resolve: (s) => encodeGlobalID(typenames[s.kind], s.id),
    }),
    label: t.exposeString('label', { description: 'Name or term to display.' }),
    kind: t.field({
      type: SuggestionKindEnum,
      description: 'What the suggestion is.',
      resolve: (s) => s.kind,
    }),
    hint: t.exposeString('hint', {
      nullable: true,
      description:
        'Disambiguation: an author’s most recent affiliation, an affiliation’s or organization’s country; null when unknown or for keywords.',
    }),
    count: t.exposeInt('count', { description: 'Number of citations linked to it.' }),
  }),
});

builder.queryField('suggest', (t) =>
  t.field({
    type: [SuggestionRef],
    description:
      'Typeahead: authors, affiliations, organizations and keywords whose names start like, contain or nearly match `prefix` (accents, case, word order and small typos ignored), best match first, then most cited.',
    args: {
      prefix: t.arg.string({
        required: true,
        description: 'What the user has typed so far.',
        extensions: searchBound,
      }),
      kinds: t.arg({
        type: [SuggestionKindEnum],
        description: 'Which kinds to suggest; default all.',
      }),
      first: t.arg.int({
        description: `How many suggestions in all (default 10, at most ${MAX_SUGGESTIONS}).`,
        defaultValue: 10,
      }),
    },
    resolve: (_root, args, ctx) =>
      suggest(
        ctx.db,
        args.prefix,
        args.kinds ?? ['author', 'affiliation', 'keyword', 'organization'],
        // Refused rather than cut, as every other size is: 51 gave 50 and -1 an empty list.
        checkedListSize(args.first, MAX_SUGGESTIONS),
      ),
  }),
);
