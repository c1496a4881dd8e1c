/** An ingest call that cannot proceed at all (not RIS, too large); nothing was written. */
export class IngestError extends Error {
  override name = 'IngestError';
  constructor(
    message: string,
    readonly code: 'UNSUPPORTED_FORMAT' | 'PAYLOAD_TOO_LARGE' | 'DATABASE',
  ) {
    super(message);
  }
}
