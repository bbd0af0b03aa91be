import { DependencyDownError, DependencyTimeoutError } from '../infra/infrastructure-fault.ts';
import { BlobMissingError } from './blob-errors.ts';

/** What the SDK's errors carry that says whose fault a failure is. */
interface SdkError {
  name?: string;
  code?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number };
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
 * request the store calls malformed) is passed on as it came.
 */
export function s3Failure(err: unknown, what: string, ref: string, endpoint: string): Error {
  const e = (err ?? {}) as SdkError;
  const status = e.$metadata?.httpStatusCode;
  if (
    e.name === 'NoSuchKey' ||
    e.name === 'NotFound' ||
    (status === 404 && e.name !== 'NoSuchBucket')
  ) {
    return new BlobMissingError(ref);
  }
  if (e.name === 'AbortError' || e.name === 'TimeoutError' || e.code === 'ETIMEDOUT') {
    return new DependencyTimeoutError(
      'blob-store',
      `the object store at ${endpoint} did not ${what} in time`,
    );
  }
  if (CREDENTIAL_NAMES.has(e.name ?? '') || status === 403) {
    return new DependencyDownError(
      'blob-store',
      `the object store at ${endpoint} refused to ${what} (${e.name ?? 'HTTP 403'}): check S3_BUCKET and the credentials in the blob-store Secret`,
      { cause: err },
    );
  }
  if (
    NETWORK_CODES.has(e.code ?? '') ||
    (status !== undefined && (status >= 500 || status === 429))
  ) {
    return new DependencyDownError(
      'blob-store',
      `the object store at ${endpoint} could not ${what} (${e.code ?? e.name ?? `HTTP ${status}`})`,
      { cause: err },
    );
  }
  return err instanceof Error ? err : new Error(String(err));
}
