/**
 * Schema extensions the server reads. `allowsNul` marks an input field whose text may hold NUL
 * characters, which every other string argument is refused for: RIS text, whose parser removes
 * them and says on which line.
 */
export const ALLOWS_NUL = 'allowsNul';

/**
 * `maxLength` (characters of a String or ID value) and `maxItems` (entries of a list) bound every
 * argument and input field; the server refuses a longer value before anything runs. Fields that do
 * not set them get the defaults of `src/schema/input-limits.ts`. A `maxLength` naming a setting
 * instead of a number says the value is bounded elsewhere (RIS text, by BIBGRAPH_MAX_INGEST_SIZE).
 */
export const MAX_LENGTH = 'maxLength';
export const MAX_ITEMS = 'maxItems';

/** Longest fuzzy or full-text search string: trigram and tsquery work grows with its length. */
export const MAX_SEARCH_LENGTH = 200;

/** Extensions for a search argument. */
export const searchBound = { [MAX_LENGTH]: MAX_SEARCH_LENGTH } as const;
