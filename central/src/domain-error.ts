/**
 * What went wrong, in the service's own terms; the API layer (server/trpc.ts) turns the kind
 * into its protocol's error code, so services do not depend on tRPC.
 */
export type DomainErrorKind =
  /** The thing named does not exist (or not for this caller). */
  | 'not_found'
  /** The request clashes with the current state; the message says the state. */
  | 'conflict'
  /** The input is wrong in a way a schema could not tell. */
  | 'invalid_input'
  /** Something must happen first; the message says what. */
  | 'precondition_failed'
  /** A service central needs is unreachable: retry later. */
  | 'unavailable';

/** A failure a caller can act on; its message is the sentence they see. */
export class DomainError extends Error {
  constructor(
    readonly kind: DomainErrorKind,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'DomainError';
  }
}
