import type { BlobStore } from './blob-store.ts';
import { FilesystemBlobStore } from './filesystem-blob-store.ts';
import { S3BlobStore } from './s3-blob-store.ts';
import type { BlobStoreSettings } from './s3-settings.ts';

/**
 * The blob store a process was configured with (BLOB_STORE): the filesystem under BLOB_DIR
 * (the default), or an S3-compatible object store with BLOB_DIR for local scratch files only.
 */
export function createBlobStore(
  settings: BlobStoreSettings | undefined,
  blobDir: string,
): BlobStore {
  return settings?.kind === 's3'
    ? new S3BlobStore(settings, blobDir)
    : new FilesystemBlobStore(blobDir);
}
