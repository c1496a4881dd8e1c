import { GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { type ErrorCode, isErrorCode } from '../error-codes.ts';
import { BibgraphError } from '../errors.ts';

/**
 * The one place where errors become what a client sees. Services throw plain domain errors
 * (src/errors.ts) with a code; libraries throw whatever they throw. Here every error gets an
 * `extensions.code` from ERROR_CODES, anything unexpected is masked as INTERNAL and logged, and
 * nothing else (stack, SQL, original error) leaves the server.
 */

/**
 * Messages of library errors that carry no code of their own, by what they mean. (graphql-armor's
 * limits lose their "Syntax Error: " prefix where they are rejected, in limits.ts.)
 */
const BY_MESSAGE: Array<[RegExp, ErrorCode]> = [
  [/^Query depth limit/, 'DEPTH_LIMIT'],
  [/^Aliases limit/, 'ALIAS_LIMIT'],
  [/^Token limit/, 'TOKEN_LIMIT'],
  [/^Directives limit/, 'DIRECTIVE_LIMIT'],
  [/^Syntax Error/, 'GRAPHQL_PARSE_FAILED'],
  [/^Variable "\$/, 'BAD_USER_INPUT'],
  [/^Invalid global ID/i, 'INVALID_ID'],
  [/cursor/i, 'INVALID_CURSOR'],
  [/^Arguments? "(first|last)"/, 'BAD_USER_INPUT'],
  [
    /^Must provide query string|POST body|Request body|JSON|Unsupported|not allowed|GraphQL Request/i,
    'BAD_REQUEST',
  ],
];

/** Codes other parts of the stack use for the same things, and what this API calls them. */
const ALIASES: Record<string, ErrorCode> = {
  INTERNAL_SERVER_ERROR: 'INTERNAL',
  VALIDATION: 'BAD_USER_INPUT',
  TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  PERSISTED_QUERY_NOT_IN_LIST: 'PERSISTED_QUERY_NOT_FOUND',
  PERSISTED_QUERY_ID_REQUIRED: 'BAD_REQUEST',
  CANNOT_SEND_PQ_ID_AND_BODY: 'PERSISTED_QUERY_ONLY',
  BAD_PERSISTED_QUERY: 'PERSISTED_QUERY_HASH_MISMATCH',
};

const BY_STATUS: Record<number, ErrorCode> = {
  400: 'BAD_REQUEST',
  401: 'UNAUTHENTICATED',
  403: 'FORBIDDEN',
  404: 'BAD_REQUEST',
  405: 'BAD_REQUEST',
  406: 'BAD_REQUEST',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'BAD_REQUEST',
  429: 'RATE_LIMITED',
};

/** The code an error that reached the edge stands for. */
export function codeOf(error: GraphQLError): ErrorCode {
  const given = error.extensions?.code;
  // Yoga files the document limits under its parse and validation codes; they have their own.
  if (given === 'GRAPHQL_PARSE_FAILED' || given === 'GRAPHQL_VALIDATION_FAILED') {
    const limit = BY_MESSAGE.find(
      ([pattern, code]) => code.endsWith('_LIMIT') && pattern.test(error.message),
    );
    if (limit) return limit[1];
  }
  if (isErrorCode(given)) return given;
  if (typeof given === 'string' && ALIASES[given]) return ALIASES[given];
  for (const [pattern, code] of BY_MESSAGE) if (pattern.test(error.message)) return code;
  const status = (error.extensions?.http as { status?: number } | undefined)?.status;
  if (status && BY_STATUS[status]) return BY_STATUS[status];
  // A GraphQLError without a code that is not about a field was raised while reading the request.
  return error.path ? 'INTERNAL' : 'BAD_REQUEST';
}

/** A domain error as the client receives it: its message, its code and details, no original error. */
function fromDomain(original: BibgraphError, located: GraphQLError | null): GraphQLError {
  return new GraphQLError(original.message, {
    nodes: located?.nodes,
    path: located?.path,
    extensions: { ...original.details, code: original.code },
  });
}

/**
 * Yoga's `maskError`, for what is left after `domainErrorPlugin`: domain errors keep their
 * message, anything unexpected becomes INTERNAL. Yoga logs what this masks, through the bounded
 * logger (log.ts), so the cause stays in the server log and nowhere else.
 */
export function maskError(error: unknown, message: string): Error {
  const graphql = error instanceof GraphQLError ? error : null;
  const original = graphql?.originalError ?? (graphql ? null : error);
  if (original instanceof BibgraphError) return fromDomain(original, graphql);
  if (graphql && (!original || original instanceof GraphQLError)) return graphql;
  return new GraphQLError(message, {
    nodes: graphql?.nodes,
    path: graphql?.path,
    extensions: { code: 'INTERNAL', http: { status: 500 } },
  });
}

const INVALID_JSON = 'POST body sent invalid JSON.';

/**
 * What JSON.parse found wrong and where, in its own words but lower-cased: "unterminated string at
 * position 13". Only the reason and position: for an unexpected token the parser also quotes the
 * text, which is the client's own and may hold a token or a password. Null for a message of
 * another shape.
 */
export function jsonSyntaxReason(parser: string): string | null {
  const lower = (text: string) => text.charAt(0).toLowerCase() + text.slice(1);
  const located = /^(.*?) (in|after) JSON at position (\d+)/.exec(parser);
  if (located?.[1]) {
    const reason = located[2] === 'after' ? `${lower(located[1])} after JSON` : lower(located[1]);
    return `${reason} at position ${located[3]}`;
  }
  const token = /^Unexpected token '(.)'/.exec(parser);
  if (token) return `unexpected token '${token[1]}'`;
  if (/^Unexpected end of JSON input/.test(parser))
    return 'it ends before the JSON does (empty or cut short)';
  return null;
}

/** Yoga's "POST body sent invalid JSON." with what the parser found and where. */
function withJsonPosition(message: string, original: unknown): string {
  if (message !== INVALID_JSON) return message;
  const parser = (original as { message?: unknown } | undefined)?.message;
  const reason = typeof parser === 'string' ? jsonSyntaxReason(parser) : null;
  return reason ? `POST body sent invalid JSON: ${reason}.` : message;
}

/** The error as the client receives it: its code from the set, with a status for request errors. */
function withCode(error: GraphQLError): GraphQLError {
  const code = codeOf(error);
  if (error.extensions?.code === code && code !== 'INTERNAL' && !error.extensions?.originalError)
    return error;
  // originalError: Yoga attaches the underlying error (a JSON SyntaxError echoing the body) even
  // with masking on; a client learns what is wrong from the message and the code.
  const { http, originalError, ...rest } = (error.extensions ?? {}) as Record<string, unknown>;
  const extensions: Record<string, unknown> = { ...rest, code };
  const variable = /^Variable "\$(\w+)"/.exec(error.message)?.[1];
  if (code === 'BAD_USER_INPUT' && variable) extensions.variable = variable;
  const pagingArgument = /^Arguments? "(first|last)"/.exec(error.message)?.[1];
  if (code === 'BAD_USER_INPUT' && pagingArgument && !extensions.argument)
    extensions.argument = pagingArgument;
  if (http) extensions.http = http;
  return new GraphQLError(withJsonPosition(error.message, originalError), {
    nodes: error.nodes,
    source: error.source,
    positions: error.positions,
    path: error.path,
    extensions,
  });
}

type Payload = {
  errors?: readonly GraphQLError[];
  incremental?: Array<{ errors?: readonly GraphQLError[] }>;
};
type ResultLike = Payload | readonly Payload[] | AsyncIterable<Payload>;

/** `payload` with `map` applied to every error in it, incremental parts included. */
function mapErrors<T extends Payload>(payload: T, map: (e: GraphQLError) => GraphQLError): T {
  if (!payload || typeof payload !== 'object') return payload;
  let out = payload;
  if (payload.errors?.length) out = { ...out, errors: payload.errors.map(map) };
  if (payload.incremental?.some((part) => part.errors?.length)) {
    out = {
      ...out,
      incremental: payload.incremental.map((part) =>
        part.errors?.length ? { ...part, errors: part.errors.map(map) } : part,
      ),
    };
  }
  return out;
}

async function* mapStream(stream: AsyncIterable<Payload>, map: (e: GraphQLError) => GraphQLError) {
  for await (const payload of stream) yield mapErrors(payload, map);
}

/** A result of any shape (single, batched, streamed) with `map` applied to every error. */
function mapResult(result: ResultLike, map: (e: GraphQLError) => GraphQLError): ResultLike {
  if (Array.isArray(result)) return result.map((r: Payload) => mapErrors(r, map));
  if (result && Symbol.asyncIterator in (result as object))
    return mapStream(result as AsyncIterable<Payload>, map);
  return mapErrors(result as Payload, map);
}

const fromDomainError = (e: GraphQLError) =>
  e.originalError instanceof BibgraphError ? fromDomain(e.originalError, e) : e;

/**
 * Turns domain errors (an unknown ID, a bad argument, BUSY) into plain GraphQL errors right where
 * execution ends, before Yoga's masking sees them: they are answers, not incidents, so they are
 * neither masked nor logged as unexpected.
 */
export function domainErrorPlugin(): Plugin {
  return {
    onExecute({ executeFn, setExecuteFn }) {
      setExecuteFn(
        async (args) => mapResult((await executeFn(args)) as ResultLike, fromDomainError) as never,
      );
    },
    // A subscription refused as it starts (SUBSCRIPTION_LIMIT, a bad filter) fails in subscribe,
    // not execute: without this it was masked-and-logged as an incident, two stack traces each.
    // The stream itself is passed on untouched: wrapping it would delay the client's `return()`
    // (and the release of its slot) until the next event.
    onSubscribe({ subscribeFn, setSubscribeFn }) {
      setSubscribeFn(async (args) => {
        const result = (await subscribeFn(args)) as ResultLike;
        if (result && typeof result === 'object' && Symbol.asyncIterator in result) return result as never;
        return mapResult(result, fromDomainError) as never;
      });
    },
  };
}

/** Gives every error in every result (batched, incremental or not) its code from the set. */
export function errorCodePlugin(): Plugin {
  return {
    onResultProcess({ result, setResult }) {
      setResult(mapResult(result as ResultLike, withCode) as typeof result);
    },
  };
}
