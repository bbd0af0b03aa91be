import { DependencyDownError, DependencyTimeoutError } from '../infra/infrastructure-fault.ts';
import { BlobMissingError } from './blob-errors.ts';

/** What the SDK's errors carry that says whose fault a failure is. */
interface SdkError {
  name?: string;
  code?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number };
}

/**
 * The store answered "no" to central's key or bucket (wrong credentials, no such bucket): the
 * blob store's outage like any other for the calls that meet it, but a configuration error at
 * start-up (S3BlobStore.init).
 */
export class BlobStoreRefusedError extends DependencyDownError {
  override name = 'BlobStoreRefusedError';
}

// Socket errors: the store is down or unreachable.
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
  'EAI_AGAIN',
  'ENOTFOUND',
  'ERR_STREAM_PREMATURE_CLOSE',
]);

// The store's own answers that say "not now" or "not you": an operator's matter, never the data's.
const CREDENTIAL_NAMES = new Set([
  'AccessDenied',
  'InvalidAccessKeyId',
  'SignatureDoesNotMatch',
  'ExpiredToken',
  'NoSuchBucket',
]);

/**
 * Translates an error of an object-store call into central's terms: a missing object is a
 * BlobMissingError; an unreachable, failing, throttling or refusing store (wrong credentials,
 * no such bucket) is the blob store's outage, waited out by whoever called; anything else (a
 * request the store calls malformed) is passed on as it came. The sentences may reach a park
 * agent (a 503): they name no address; the SDK's error, kept as the cause, is for the log.
 */
export function s3Failure(err: unknown, what: string, ref: string): Error {
  const e = (err ?? {}) as SdkError;
  const status = e.$metadata?.httpStatusCode;
  // An answer without a body (HEAD) leaves the SDK only the status: it names it "Unknown".
  const named = e.name && e.name !== 'Unknown' ? e.name : undefined;
  if (
    e.name === 'NoSuchKey' ||
    e.name === 'NotFound' ||
    (status === 404 && e.name !== 'NoSuchBucket')
  ) {
    return new BlobMissingError(ref);
  }
  if (e.name === 'AbortError' || e.name === 'TimeoutError' || e.code === 'ETIMEDOUT') {
    return new DependencyTimeoutError('blob-store', `the object store did not ${what} in time`);
  }
  if (CREDENTIAL_NAMES.has(e.name ?? '') || status === 403) {
    return new BlobStoreRefusedError(
      'blob-store',
      `the object store refused to ${what} (${named ?? 'HTTP 403'}): check S3_BUCKET and the key in S3_ACCESS_KEY_ID / S3_SECRET_ACCESS_KEY (the Secret central-blob-store)`,
      { cause: err },
    );
  }
  if (
    NETWORK_CODES.has(e.code ?? '') ||
    (status !== undefined && (status >= 500 || status === 429))
  ) {
    return new DependencyDownError(
      'blob-store',
      `the object store could not ${what} (${e.code ?? named ?? `HTTP ${status}`})`,
      { cause: err },
    );
  }
  return err instanceof Error ? err : new Error(String(err));
}
