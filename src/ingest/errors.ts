/** An ingest call that cannot proceed at all (not RIS, too large); nothing was written. */
export class IngestError extends Error {
  override name = 'IngestError';
  constructor(
    message: string,
    readonly code: 'UNSUPPORTED_FORMAT' | 'PAYLOAD_TOO_LARGE' | 'DATABASE',
    /**
     * For DATABASE: the database refused a value of the input itself (SQLSTATE class 22, data
     * exception, or 54, a limit such as an index row too large). The same input fails the same way
     * every time, so a background job ends at once rather than being retried.
     */
    readonly fromInput = false,
  ) {
    super(message);
  }
}

/** SQLSTATE classes that a value of the input causes, never the state of the database or network. */
const INPUT_SQLSTATE = /^(?:22|54)/;

/**
 * A database failure while storing records, as the IngestError callers see: the driver's own
 * message (Drizzle's carries the whole statement and its parameters), and whether the input caused it.
 */
export function databaseIngestError(error: unknown): IngestError {
  const cause = ((error as { cause?: unknown }).cause ?? error) as { message?: string; code?: unknown };
  const sqlState = typeof cause.code === 'string' ? cause.code : '';
  return new IngestError(
    `Database error while storing records; the whole ingest was rolled back: ${cause.message ?? String(error)}`,
    'DATABASE',
    INPUT_SQLSTATE.test(sqlState),
  );
}

/**
 * True for a failure the input causes (not in a format bibgraph reads, too large, a value the
 * database refuses): running it again fails the same way, so a background job fails at once.
 * Anything else (a lost connection, a crash, a busy database) may pass on a retry.
 */
export function isInputFailure(error: unknown): error is IngestError {
  return error instanceof IngestError && (error.code !== 'DATABASE' || error.fromInput);
}
