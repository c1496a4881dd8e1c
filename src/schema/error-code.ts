import { ERROR_CODES } from '../error-codes.ts';
import { builder } from './builder.ts';

/**
 * The codes themselves are not returned by any field: they arrive in each error's
 * `extensions.code`. Declaring them here puts the list, with its meanings, in the schema that
 * clients generate types from.
 */
export const ErrorCodeEnum = builder.enumType('ErrorCode', {
  description:
    'Every value `extensions.code` can take on an error in a response. Request-level errors also set the HTTP status named in the description.',
  values: Object.fromEntries(
    Object.entries(ERROR_CODES).map(([code, { description, status }]) => [
      code,
      {
        value: code,
        description:
          status === 200 ? description : `${description} HTTP ${status} when the whole request fails.`,
      },
    ]),
  ),
});
