import { encodeGlobalID } from '@pothos/plugin-relay';
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from '../errors.ts';
import { builder } from './builder.ts';

/** Typed ids (`Author:3`) as the services use them, turned into the global IDs clients hold. */
export function toGlobalId(typed: string | null): string | null {
  if (!typed) return null;
  const at = typed.indexOf(':');
  return at < 0 ? typed : encodeGlobalID(typed.slice(0, at), typed.slice(at + 1));
}

export const ErrorInterface = builder.interfaceRef<Error>('Error').implement({
  description:
    'Something a mutation could not do, as a result rather than an exception. Every member has a message.',
  fields: (t) => ({
    message: t.exposeString('message', { description: 'What went wrong, in words meant for a person.' }),
  }),
});

builder.objectType(NotFoundError, {
  name: 'NotFoundError',
  description: 'An ID names nothing: it never existed, or the object was deleted.',
  interfaces: [ErrorInterface],
  isTypeOf: (o) => o instanceof NotFoundError,
  fields: (t) => ({
    id: t.id({
      nullable: true,
      description: 'The global ID that was not found; null when the error is not about one ID.',
      resolve: (e) => toGlobalId(e.id),
    }),
  }),
});

builder.objectType(ValidationError, {
  name: 'ValidationError',
  description:
    'An argument cannot be accepted as given (malformed DOI, wrong kind of ID, impossible year …).',
  interfaces: [ErrorInterface],
  isTypeOf: (o) => o instanceof ValidationError,
  fields: (t) => ({
    field: t.string({
      nullable: true,
      description: 'The argument or input field at fault, such as "input.doi"; null when several are.',
      resolve: (e) => e.field,
    }),
  }),
});

builder.objectType(ForbiddenError, {
  name: 'ForbiddenError',
  description:
    'The caller may not do this: no token, an unknown or revoked token, or a non-loopback client while no token exists. The message names which.',
  interfaces: [ErrorInterface],
  isTypeOf: (o) => o instanceof ForbiddenError,
  fields: () => ({}),
});

builder.objectType(ConflictError, {
  name: 'ConflictError',
  description:
    'The change contradicts stored data or an earlier decision: a DOI another citation holds, a pair marked as not duplicates, different ORCID iDs.',
  interfaces: [ErrorInterface],
  isTypeOf: (o) => o instanceof ConflictError,
  fields: (t) => ({
    conflictingId: t.id({
      nullable: true,
      description: 'Global ID of the object in the way, when there is one.',
      resolve: (e) => toGlobalId(e.conflictingId),
    }),
  }),
});

/** The typed errors every curation mutation can return. */
export const CURATION_ERRORS = [NotFoundError, ValidationError, ForbiddenError, ConflictError];
