/** A regular file in a gateway directory. */
export interface RemoteFile {
  name: string;
  size: number;
  /** Last modification, ms since the epoch (SFTP has one-second resolution). */
  mtimeMs: number;
}

/**
 * What the pull needs from a ride gateway, whatever the transport (SFTP or HTTP(S)).
 * A client is connected when it is handed out and is closed by whoever opened it.
 */
export interface GatewayClient {
  /** Regular files in `dir` (directories and links are left out). */
  list(dir: string): Promise<RemoteFile[]>;
  /** Copies `dir/name` to `localPath`; the caller fsyncs and verifies it. */
  download(dir: string, name: string, localPath: string): Promise<void>;
  /** Deletes `dir/name`. */
  remove(dir: string, name: string): Promise<void>;
  /** Moves `dir/name` into `toDir` (created if missing), replacing a file of that name there. */
  move(dir: string, name: string, toDir: string): Promise<void>;
  /** Whether `dir` exists and is a directory (the connection test). */
  exists(dir: string): Promise<boolean>;
  close(): Promise<void>;
}

/** The gateway could not be reached at all (no answer, no host key): network or address. */
export class GatewayUnreachableError extends Error {
  override readonly name = 'GatewayUnreachableError';
}
