/**
 * Every `extensions.code` a client can receive, with the HTTP status a request-level error of that
 * kind answers with. The schema's `ErrorCode` enum and the table in docs/api.md are made from this list,
 * and the server maps every error onto it before it leaves (src/server/errors.ts).
 */
export const ERROR_CODES = {
  BAD_REQUEST: {
    status: 400,
    description:
      'The HTTP request is not a GraphQL request: no `query` (and no persisted-query hash), a body that is not JSON, a mutation over GET.',
  },
  GRAPHQL_PARSE_FAILED: { status: 400, description: 'The document is not valid GraphQL syntax.' },
  GRAPHQL_VALIDATION_FAILED: {
    status: 400,
    description: 'The document asks for fields, arguments or types this schema does not have.',
  },
  BAD_USER_INPUT: {
    status: 400,
    description:
      'An argument or variable has a value the field cannot take (wrong type, out of range, too long, too many items). `extensions.argument` or `extensions.variable` names it.',
  },
  INVALID_ID: {
    status: 400,
    description: 'An ID argument is not a global ID, or names another kind of object than the field takes.',
  },
  INVALID_CURSOR: {
    status: 400,
    description:
      'A paging cursor is malformed, or was made under another ordering or filter than the request uses.',
  },
  NOT_FOUND: { status: 404, description: 'The object an ID names does not exist (any more).' },
  CONFLICT: {
    status: 409,
    description: 'The change contradicts stored data or an earlier curation decision.',
  },
  UNAUTHENTICATED: {
    status: 401,
    description:
      'The request needs an API token and has none, or its token is malformed, unknown or revoked (HTTP 401).',
  },
  FORBIDDEN: {
    status: 403,
    description:
      'The caller may not do this: a write without a token from a non-loopback client, or a browser request without the CSRF header (HTTP 403).',
  },
  RATE_LIMITED: {
    status: 429,
    description:
      'Too many requests; `extensions.retryAfter` (and the Retry-After header) says how many seconds to wait.',
  },
  SUBSCRIPTION_LIMIT: {
    status: 429,
    description:
      'The client already holds BIBGRAPH_MAX_SUBSCRIPTIONS open subscriptions on this server; end one before starting another.',
  },
  PAYLOAD_TOO_LARGE: {
    status: 413,
    description: 'The request body, upload or RIS input is over its size limit; the message names the limit.',
  },
  DEPTH_LIMIT: { status: 400, description: 'The document nests fields deeper than BIBGRAPH_MAX_DEPTH.' },
  COST_LIMIT: {
    status: 400,
    description:
      'The estimated cost of the document is over BIBGRAPH_MAX_COST; `extensions.cost` says by how much.',
  },
  ALIAS_LIMIT: { status: 400, description: 'The document has more aliases than BIBGRAPH_MAX_ALIASES.' },
  TOKEN_LIMIT: { status: 400, description: 'The document has more lexical tokens than BIBGRAPH_MAX_TOKENS.' },
  DIRECTIVE_LIMIT: {
    status: 400,
    description: 'The document has more directives than BIBGRAPH_MAX_DIRECTIVES.',
  },
  PAGE_SIZE_LIMIT: {
    status: 400,
    description: '`first`, `last` or a list of IDs is over BIBGRAPH_MAX_PAGE_SIZE.',
  },
  PERSISTED_QUERY_NOT_FOUND: {
    status: 200,
    description:
      'The persisted-query hash is not known here: resend it with the document (automatic persisted queries).',
  },
  PERSISTED_QUERY_HASH_MISMATCH: {
    status: 400,
    description: 'The persisted-query hash is not the SHA-256 of the document sent with it.',
  },
  PERSISTED_QUERY_ONLY: {
    status: 403,
    description:
      'This server runs only registered documents for callers without a token (BIBGRAPH_PERSISTED_ONLY).',
  },
  UNSUPPORTED_FORMAT: {
    status: 400,
    description:
      'The input to ingest is in no format bibgraph reads (or not in the one asked for); the message says what it looks like.',
  },
  TIMEOUT: {
    status: 504,
    description: 'The query ran longer than BIBGRAPH_REQUEST_TIMEOUT and was stopped, its SQL with it.',
  },
  BUSY: {
    status: 503,
    description:
      'A write waited longer than its limit for other writers to finish; nothing was written. Try again later.',
  },
  DATABASE: {
    status: 503,
    description: 'The database failed or is unreachable; the whole operation was rolled back.',
  },
  INTERNAL: {
    status: 500,
    description:
      'Something went wrong inside bibgraph; the details are in the server log, never in the response.',
  },
} as const satisfies Record<string, { status: number; description: string }>;

export type ErrorCode = keyof typeof ERROR_CODES;

export function isErrorCode(code: unknown): code is ErrorCode {
  return typeof code === 'string' && Object.hasOwn(ERROR_CODES, code);
}
