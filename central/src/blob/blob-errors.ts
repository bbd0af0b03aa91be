/** The object a reference names is not in the store. */
export class BlobMissingError extends Error {
  override name = 'BlobMissingError';
  readonly code = 'ENOENT';
  constructor(readonly ref: string) {
    super(`the blob store holds no object ${ref}`);
  }
}

/** An object's bytes do not match the checksum it was stored with. */
export class BlobDamagedError extends Error {
  override name = 'BlobDamagedError';
  constructor(
    readonly ref: string,
    what: string,
  ) {
    super(`the blob store returned damaged bytes for ${ref}: ${what}`);
  }
}
