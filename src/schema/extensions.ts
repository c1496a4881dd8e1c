/**
 * Schema extensions the server reads. `allowsNul` marks an input field whose text may hold NUL
 * characters, which every other string argument is refused for: RIS text, whose parser removes
 * them and says on which line.
 */
export const ALLOWS_NUL = 'allowsNul';
