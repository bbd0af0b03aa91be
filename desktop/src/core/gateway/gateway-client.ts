/** A regular file in a gateway directory. */
export interface RemoteFile {
  name: string;
  size: number;
  /** Last modification, ms since the epoch (SFTP has one-second resolution). */
  mtimeMs: number;
}

/**
 * What the pull needs from a ride gateway, whatever the transport (SFTP now, HTTP later).
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
  close(): Promise<void>;
}
