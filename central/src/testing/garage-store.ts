import { S3Client } from '@aws-sdk/client-s3';
import { S3BlobStore } from '../blob/s3-blob-store.ts';
import { MIN_S3_PART_BYTES, type S3Settings } from '../blob/s3-settings.ts';
import type { GarageServer } from '../../../scripts/harness/garage.ts';
import { GARAGE_BUILD_WAIT_MS } from '../../../scripts/harness/garage.ts';

/**
 * How long a `beforeAll` that starts Garage may take: on a fresh machine it first waits for
 * bootstrap's background build of the binary.
 */
export const GARAGE_HOOK_TIMEOUT_MS = GARAGE_BUILD_WAIT_MS + 60_000;

/**
 * BLOB_STORE=s3 settings for a test Garage, as `loadConfig` would build them from S3_*
 * variables; `endpoint` may name a TCP proxy in front of it. The smallest part size S3 allows,
 * so a multipart upload needs only a few MiB.
 */
export function garageSettings(
  garage: GarageServer,
  overrides: Partial<Omit<S3Settings, 'kind'>> = {},
): S3Settings {
  return {
    kind: 's3',
    bucket: garage.bucket,
    endpoint: garage.endpoint,
    region: garage.region,
    prefix: '',
    forcePathStyle: true,
    credentials: { accessKeyId: garage.accessKeyId, secretAccessKey: garage.secretAccessKey },
    timeoutMs: 5000,
    partBytes: MIN_S3_PART_BYTES,
    ...overrides,
  };
}

/** An S3 blob store on a test Garage with scratch files under `root`. */
export function garageBlobStore(
  garage: GarageServer,
  root: string,
  overrides: Partial<Omit<S3Settings, 'kind'>> = {},
): S3BlobStore {
  return new S3BlobStore(garageSettings(garage, overrides), root);
}

/** A plain S3 client on the test Garage, to act behind the blob store's back (damage an object). */
export function rawGarageClient(garage: GarageServer): S3Client {
  return new S3Client({
    endpoint: garage.endpoint,
    region: garage.region,
    forcePathStyle: true,
    credentials: { accessKeyId: garage.accessKeyId, secretAccessKey: garage.secretAccessKey },
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
}
