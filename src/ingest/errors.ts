/** An ingest call that cannot proceed at all (not RIS, too large); nothing was written. */
export class IngestError extends Error {
  override name = 'IngestError';
  constructor(
    message: string,
    readonly code: 'NOT_RIS' | 'PAYLOAD_TOO_LARGE' | 'DATABASE',
  ) {
    super(message);
  }
}
