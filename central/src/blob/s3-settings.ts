/** Where the S3-compatible object store is and how to talk to it (BLOB_STORE=s3). */
export interface S3Settings {
  kind: 's3';
  /** The bucket every object goes to; it must exist (the operator creates it). */
  bucket: string;
  /** Endpoint URL for a self-hosted store (Garage, Ceph RGW, MinIO); unset for AWS S3. */
  endpoint?: string;
  region: string;
  /** Prepended to every key (several installs in one bucket), e.g. `zamperla/`; may be empty. */
  prefix: string;
  /** Path-style URLs (`endpoint/bucket/key`), what self-hosted stores expect. */
  forcePathStyle: boolean;
  /** Static credentials (a Kubernetes Secret); unset: the SDK's chain (IRSA, instance role). */
  credentials?: { accessKeyId: string; secretAccessKey: string };
  /** A call that sends or receives nothing for this long fails (and is retried by the caller). */
  timeoutMs: number;
  /** Objects larger than this go up as a multipart upload of parts this size. */
  partBytes: number;
}

/** Where blobs live: the filesystem under BLOB_DIR (the default) or an object store. */
export type BlobStoreSettings = { kind: 'filesystem' } | S3Settings;

/** The part size of the environment variables' default (S3_PART_MB=8). */
export const DEFAULT_S3_PART_BYTES = 8 * 1024 * 1024;
/** S3 refuses parts below 5 MiB (except the last). */
export const MIN_S3_PART_BYTES = 5 * 1024 * 1024;
