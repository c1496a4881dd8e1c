import type { ErrorCode } from './error-codes.ts';

/**
 * Failures a client is meant to read and act on, as plain errors with a code from ERROR_CODES.
 * Services throw them and know nothing of GraphQL; mutations return some as members of their
 * result unions, and everywhere else the server's edge (src/server/errors.ts) turns them into
 * GraphQL errors with `extensions.code` and `details` as further extensions.
 */
export abstract class BibgraphError extends Error {
  abstract readonly code: ErrorCode;
  /** Further machine-readable facts for `extensions` (the argument at fault, a limit …). */
  get details(): Record<string, unknown> {
    return {};
  }
}

/** An ID that names nothing (any more). */
export class NotFoundError extends BibgraphError {
  override name = 'NotFoundError';
  readonly code = 'NOT_FOUND';
  constructor(
    message: string,
    /** The global ID that was not found. */
    readonly id: string | null = null,
  ) {
    super(message);
  }
}

/** A failure about one argument, which it names (`input.doi`, `filter.authorIds[2]`, `after`). */
abstract class ArgumentError extends BibgraphError {
  constructor(
    message: string,
    /** The argument or input field at fault; null when it is not one. */
    readonly argument: string | null = null,
  ) {
    super(message);
  }
  override get details() {
    return this.argument ? { argument: this.argument } : {};
  }
}

/** An argument that cannot be accepted as given. */
export class ValidationError extends ArgumentError {
  override name = 'ValidationError';
  readonly code = 'BAD_USER_INPUT';
  /** The argument at fault, as the ValidationError result type names it. */
  get field(): string | null {
    return this.argument;
  }
}

/** An ID argument that is not a global ID, or names another kind of object than the field takes. */
export class InvalidIdError extends ArgumentError {
  override name = 'InvalidIdError';
  readonly code = 'INVALID_ID';
}

/** A cursor that is malformed or belongs to another ordering or filter. */
export class InvalidCursorError extends ArgumentError {
  override name = 'InvalidCursorError';
  readonly code = 'INVALID_CURSOR';
}

/** The caller may not do this (no, wrong or revoked token; not a loopback client). */
export class ForbiddenError extends BibgraphError {
  override name = 'ForbiddenError';
  readonly code: 'FORBIDDEN' | 'UNAUTHENTICATED' = 'FORBIDDEN';
}

/**
 * The caller sent no token, or one that is not good, where a token is needed. A ForbiddenError
 * still (it is the same member of the mutation result unions), with the code of a 401.
 */
export class UnauthenticatedError extends ForbiddenError {
  override name = 'UnauthenticatedError';
  override readonly code = 'UNAUTHENTICATED';
}

/** The change contradicts stored data or an earlier curation decision. */
export class ConflictError extends BibgraphError {
  override name = 'ConflictError';
  readonly code = 'CONFLICT';
  constructor(
    message: string,
    /** Global ID of the object in the way, when there is one. */
    readonly conflictingId: string | null = null,
  ) {
    super(message);
  }
}

/**
 * A write did not get its turn within BIBGRAPH_WRITE_WAIT: other writers (ingests, curation) held
 * the writers' lock all that time. Nothing was written; the same call may be sent again later.
 */
export class BusyError extends BibgraphError {
  override name = 'BusyError';
  readonly code = 'BUSY';
  constructor(
    message: string,
    /** How long the write waited, in ms. */
    readonly waitedMs: number,
    /** What held the writers' lock when the wait ended, when known. */
    readonly holder: string | null,
  ) {
    super(message);
  }
  override get details() {
    return { waitedMs: this.waitedMs, holder: this.holder };
  }
}

/** A client asked for more open subscriptions than BIBGRAPH_MAX_SUBSCRIPTIONS allows. */
export class SubscriptionLimitError extends BibgraphError {
  override name = 'SubscriptionLimitError';
  readonly code = 'SUBSCRIPTION_LIMIT';
  constructor(
    message: string,
    /** The limit, for clients that show it. */
    readonly limit: number,
  ) {
    super(message);
  }
  override get details() {
    return { limit: this.limit };
  }
}
