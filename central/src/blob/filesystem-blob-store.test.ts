import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { blobStoreContract } from '../testing/blob-store-contract.ts';
import { FilesystemBlobStore } from './filesystem-blob-store.ts';

// The same contract runs against Garage in s3-blob-store.garage.test.ts.
blobStoreContract('the filesystem (BLOB_STORE=filesystem)', async () => {
  const root = await mkdtemp(join(tmpdir(), 'zra-blob-contract-'));
  return {
    store: new FilesystemBlobStore(join(root, 'central')),
    overwrite: (ref, bytes) => writeFile(ref, bytes),
    close: () => rm(root, { recursive: true, force: true }),
  };
});
