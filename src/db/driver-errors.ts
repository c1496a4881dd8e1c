/** An error as the drivers build them: a code (SQLSTATE or postgres.js's own) and a message. */
export interface DriverError {
  code?: unknown;
  message?: unknown;
}

/**
 * The error and every error it wraps, outermost first: drizzle puts the driver's error in `cause`
 * ("Failed query: <the SQL>" around PostgreSQL's own words), GraphQL in `originalError`.
 */
export function* errorChain(error: unknown): Generator<DriverError> {
  for (let e = error, depth = 0; e && typeof e === 'object' && depth < 8; depth++) {
    yield e as DriverError;
    const wrapper = e as { cause?: unknown; originalError?: unknown };
    e = wrapper.originalError ?? wrapper.cause;
  }
}

/** The first SQLSTATE (five characters) in the chain, if any. */
export function sqlState(error: unknown): string | undefined {
  for (const e of errorChain(error)) {
    if (typeof e.code === 'string' && /^[0-9A-Z]{5}$/.test(e.code)) return e.code;
  }
  return undefined;
}

/** Whether any error in the chain carries `code` (a SQLSTATE or a postgres.js code). */
export function hasErrorCode(error: unknown, code: string): boolean {
  for (const e of errorChain(error)) if (e.code === code) return true;
  return false;
}

/** The innermost message: the database's own words, not drizzle's statement-quoting wrapper. */
export function rootMessage(error: unknown): string {
  let message: unknown = error;
  for (const e of errorChain(error)) if (e.message !== undefined) message = e.message;
  return String(message);
}
