import { GraphQLError } from 'graphql';

/**
 * Typed failures a client is meant to read and act on. They extend GraphQLError so that, where a
 * field does not return them as a union member, Yoga shows their message instead of masking it.
 */
export abstract class BibgraphError extends GraphQLError {
  abstract readonly code: string;
}

/** An ID that names nothing (any more), or names the wrong kind of object. */
export class NotFoundError extends BibgraphError {
  readonly code = 'NOT_FOUND';
  constructor(
    message: string,
    /** The global ID that was not found. */
    readonly id: string | null = null,
  ) {
    super(message, { extensions: { code: 'NOT_FOUND' } });
  }
}

/** An argument that cannot be accepted as given. */
export class ValidationError extends BibgraphError {
  readonly code = 'VALIDATION';
  constructor(
    message: string,
    /** The argument or input field at fault (`input.doi`). */
    readonly field: string | null = null,
  ) {
    super(message, { extensions: { code: 'VALIDATION', field } });
  }
}

/** The caller may not do this (no, wrong or revoked token; not a loopback client). */
export class ForbiddenError extends BibgraphError {
  readonly code = 'FORBIDDEN';
  constructor(message: string) {
    super(message, { extensions: { code: 'FORBIDDEN' } });
  }
}

/** The change contradicts stored data or an earlier curation decision. */
export class ConflictError extends BibgraphError {
  readonly code = 'CONFLICT';
  constructor(
    message: string,
    /** Global ID of the object in the way, when there is one. */
    readonly conflictingId: string | null = null,
  ) {
    super(message, { extensions: { code: 'CONFLICT' } });
  }
}

/**
 * A write did not get its turn within BIBGRAPH_WRITE_WAIT: other writers (ingests, curation) held
 * the writers' lock all that time. Nothing was written; the same call may be sent again later.
 */
export class BusyError extends BibgraphError {
  readonly code = 'BUSY';
  constructor(
    message: string,
    /** How long the write waited, in ms. */
    readonly waitedMs: number,
    /** What held the writers' lock when the wait ended, when known. */
    readonly holder: string | null,
  ) {
    super(message, { extensions: { code: 'BUSY', waitedMs, holder } });
  }
}
