import { mkdir, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import type Database from 'better-sqlite3';
import type { Logger } from 'pino';
import { BlobStore } from './blob-store.ts';
import { lockDataDir, type DataDirLock } from './data-dir-lock.ts';
import {
  DROP_STATES,
  toDropRecord,
  type DropRecord,
  type DropRow,
  type DropState,
} from './drop-record.ts';
import { openBufferDatabase } from './open-database.ts';

/** A file as the gateway listed it. */
export interface RemoteFileRef {
  ride: string;
  name: string;
  size: number;
  mtimeMs: number;
}

/** What the pull learned about a downloaded file, before it is recorded. */
export interface PulledDrop {
  sha256: string;
  contentId: string | null;
  ride: string;
  fileName: string;
  sequence: number | null;
  windowStart: string | null;
  windowEnd: string | null;
  bytes: number;
  state: 'buffered' | 'quarantined';
  reasonCode: string | null;
  reason: string | null;
}

/** How a pulled file was recorded. */
export interface RecordOutcome {
  outcome: 'new_drop' | 'duplicate';
  /** The drop the file maps to: the new one, or the one already holding this content. */
  drop: DropRecord;
}

/** What central answered for a drop. */
export interface CentralAnswer {
  batchId: string;
  status: 'stored' | 'duplicate' | 'quarantined';
  reasonCode?: string;
  reason?: string;
}

/**
 * The agent's durable buffer: SQLite for state, blobs on disk by SHA-256. A drop is recorded
 * only after its blob is complete and fsynced, in one transaction with the remote file that
 * produced it, so a crash leaves either nothing or a complete, recorded drop.
 */
export class DropBuffer {
  private knownFileQuery: Database.Statement | undefined;

  private constructor(
    readonly db: Database.Database,
    readonly blobs: BlobStore,
    private readonly lock: DataDirLock,
    private readonly log: Logger,
  ) {}

  /** Opens the buffer in `dataDir` (creating it) and repairs what a crash may have left. */
  static async open(dataDir: string, log: Logger): Promise<DropBuffer> {
    await mkdir(dataDir, { recursive: true });
    const lock = lockDataDir(dataDir);
    let db: Database.Database | undefined;
    try {
      db = openBufferDatabase(path.join(dataDir, 'buffer.sqlite'), log);
      const buffer = new DropBuffer(db, new BlobStore(dataDir), lock, log);
      await buffer.blobs.init();
      await buffer.recover();
      return buffer;
    } catch (err) {
      db?.close();
      lock.release();
      throw err;
    }
  }

  /** Closes the database and releases the data directory. */
  close(): void {
    if (!this.db.open) return;
    this.db.close();
    this.lock.release();
  }

  /**
   * Start-up repair. A blob without a row is what a crash between rename and insert leaves:
   * it is deleted, and since its remote file was not recorded either, the next pull fetches
   * it again. A buffered drop whose blob vanished (disk trouble, a person deleting files)
   * cannot be uploaded: it is forgotten loudly, so it is pulled again while the gateway
   * still has it.
   */
  private async recover(): Promise<void> {
    // An evicted drop's blob still on disk is what a crash mid-eviction leaves: removed too.
    const known = new Set(
      this.db
        .prepare('SELECT sha256 FROM drops WHERE blob_evicted_at IS NULL')
        .pluck()
        .all()
        .map((s) => String(s)),
    );
    let orphans = 0;
    for (const sha of await this.blobs.list()) {
      if (!known.has(sha)) {
        await this.blobs.remove(sha);
        orphans++;
      }
    }
    if (orphans > 0) this.log.warn({ orphans }, 'removed blobs a crash left without a record');

    // Only what the check needs: with tens of thousands of drops waiting (days offline),
    // whole rows would cost tens of MB of heap at every start-up.
    const pending = this.db
      .prepare(
        `SELECT sha256, ride, file_name, bytes FROM drops WHERE state IN ('buffered', 'uploading')`,
      )
      .raw()
      .all() as [string, string, string, number][];
    for (const [sha256, ride, fileName, bytes] of pending) {
      const row = { sha256, ride, file_name: fileName, bytes };
      // The size is checked here (cheap, catches the truncation a power loss can leave on
      // some filesystems); the full SHA-256 is checked before each upload.
      const size = await stat(this.blobs.blobPath(row.sha256)).then(
        (st) => st.size,
        () => null,
      );
      if (size === row.bytes) continue;
      this.log.error(
        { sha256: row.sha256, ride: row.ride, fileName: row.file_name, size, expected: row.bytes },
        size === null
          ? 'blob of a buffered drop is missing; forgetting it so it is pulled again from the gateway'
          : 'blob of a buffered drop has the wrong size (damaged); forgetting it so it is pulled again from the gateway',
      );
      if (size !== null) await this.blobs.remove(row.sha256);
      this.forgetPending(row.sha256);
    }
  }

  /**
   * True when this remote file was already recorded with the same size and mtime, or its
   * quarantined drop was deleted by a person (`deleteProblemDrop`).
   */
  isKnownRemoteFile(file: RemoteFileRef): boolean {
    // Asked once per listed file (10,000+ in a large folder): prepared once.
    this.knownFileQuery ??= this.db.prepare(
      `SELECT size, mtime_ms FROM remote_files WHERE ride = @ride AND name = @name
       UNION ALL
       SELECT size, mtime_ms FROM dismissed_files WHERE ride = @ride AND name = @name`,
    );
    const row = this.knownFileQuery.all({ ride: file.ride, name: file.name }) as {
      size: number;
      mtime_ms: number;
    }[];
    return row.some((r) => r.size === file.size && r.mtime_ms === Math.trunc(file.mtimeMs));
  }

  /**
   * Deletes a quarantined or rejected drop (a person decided it is of no use): its blob goes,
   * and its gateway files are remembered as dismissed so they are not pulled and quarantined
   * again (a gateway file that changes is pulled as new). Returns false when the drop is not
   * quarantined or rejected.
   */
  async deleteProblemDrop(sha256: string): Promise<boolean> {
    const now = new Date().toISOString();
    const deleted = this.db.transaction(() => {
      const drop = this.get(sha256);
      if (!drop || (drop.state !== 'quarantined' && drop.state !== 'rejected')) return false;
      this.db
        .prepare(
          `INSERT OR REPLACE INTO dismissed_files (ride, name, size, mtime_ms, sha256, reason, dismissed_at)
           SELECT ride, name, size, mtime_ms, drop_sha256, ?, ? FROM remote_files WHERE drop_sha256 = ?`,
        )
        .run(drop.reason, now, sha256);
      this.db.prepare('DELETE FROM remote_files WHERE drop_sha256 = ?').run(sha256);
      this.db.prepare('DELETE FROM drops WHERE sha256 = ?').run(sha256);
      return true;
    })();
    // After the commit: a crash in between leaves a blob without a row, which start-up removes.
    if (deleted) await this.blobs.remove(sha256);
    return deleted;
  }

  /**
   * A quarantined drop found valid on a second look (e.g. after a validator fix) becomes
   * buffered with what the verifier learned. When another drop already holds the same content,
   * this one is folded into it instead (its gateway files point there, its blob goes).
   */
  async releaseQuarantined(
    sha256: string,
    valid: Pick<PulledDrop, 'contentId' | 'sequence' | 'windowStart' | 'windowEnd'>,
  ): Promise<'buffered' | 'duplicate'> {
    const now = new Date().toISOString();
    const outcome = this.db.transaction(() => {
      const drop = this.get(sha256);
      if (drop?.state !== 'quarantined') {
        throw new Error(`drop ${sha256} is not quarantined`);
      }
      const other = this.findExisting('', valid.contentId);
      if (other && other.sha256 !== sha256) {
        this.db
          .prepare(
            `UPDATE remote_files SET drop_sha256 = ?, outcome = 'duplicate' WHERE drop_sha256 = ?`,
          )
          .run(other.sha256, sha256);
        this.db.prepare('DELETE FROM drops WHERE sha256 = ?').run(sha256);
        return 'duplicate' as const;
      }
      this.db
        .prepare(
          `UPDATE drops SET state = 'buffered', content_id = @contentId, sequence = @sequence,
             window_start = @windowStart, window_end = @windowEnd, reason_code = NULL,
             reason = NULL, updated_at = @now
           WHERE sha256 = @sha256 AND state = 'quarantined'`,
        )
        .run({ ...valid, now, sha256 });
      return 'buffered' as const;
    })();
    if (outcome === 'duplicate') await this.blobs.remove(sha256);
    return outcome;
  }

  /** A quarantined drop checked again and still invalid: its reason is brought up to date. */
  updateQuarantineReason(sha256: string, reasonCode: string, reason: string): void {
    this.db
      .prepare(
        `UPDATE drops SET reason_code = ?, reason = ?, updated_at = ?
         WHERE sha256 = ? AND state = 'quarantined'`,
      )
      .run(reasonCode, reason, new Date().toISOString(), sha256);
  }

  /** State of the drop a recorded remote file maps to (itself or the drop it duplicates). */
  remoteFileDropState(ride: string, name: string): DropState | undefined {
    const row = this.db
      .prepare(
        `SELECT d.state FROM remote_files f JOIN drops d ON d.sha256 = f.drop_sha256
         WHERE f.ride = ? AND f.name = ?`,
      )
      .get(ride, name) as { state: DropState } | undefined;
    return row?.state;
  }

  /** The drop with these zip bytes or this content, if buffered already. */
  findExisting(sha256: string, contentId: string | null): DropRecord | undefined {
    const row = this.db
      .prepare('SELECT * FROM drops WHERE sha256 = ? OR (? IS NOT NULL AND content_id = ?)')
      .get(sha256, contentId, contentId) as DropRow | undefined;
    return row ? toDropRecord(row) : undefined;
  }

  /**
   * Records a downloaded, fsynced temp file. Known bytes or known content make the file a
   * duplicate (its temp file is deleted); otherwise the temp file becomes the blob and the
   * drop and remote file rows are inserted in one transaction.
   */
  async recordPulledFile(
    tmpFile: string,
    remote: RemoteFileRef,
    drop: PulledDrop,
  ): Promise<RecordOutcome> {
    const existing = this.findExisting(drop.sha256, drop.contentId);
    if (existing) {
      await rm(tmpFile, { force: true });
      this.upsertRemoteFile(remote, 'duplicate', existing.sha256);
      return { outcome: 'duplicate', drop: existing };
    }
    await this.blobs.adopt(tmpFile, drop.sha256);
    const now = new Date().toISOString();
    try {
      this.db.transaction(() => {
        this.db
          .prepare(
            `INSERT INTO drops (sha256, content_id, ride, file_name, sequence, window_start,
               window_end, bytes, state, reason_code, reason, pulled_at, updated_at)
             VALUES (@sha256, @contentId, @ride, @fileName, @sequence, @windowStart,
               @windowEnd, @bytes, @state, @reasonCode, @reason, @now, @now)`,
          )
          .run({ ...drop, now });
        this.upsertRemoteFile(remote, 'new_drop', drop.sha256);
      })();
    } catch (err) {
      // Another ride's pull recorded the same bytes or content while this blob was being
      // moved in (pulls of different rides run concurrently): this file is a duplicate.
      const raced = this.findExisting(drop.sha256, drop.contentId);
      if (raced) {
        if (raced.sha256 !== drop.sha256) await this.blobs.remove(drop.sha256);
        this.upsertRemoteFile(remote, 'duplicate', raced.sha256);
        return { outcome: 'duplicate', drop: raced };
      }
      // Nothing references the blob: remove it rather than leave it for the next start-up.
      await this.blobs.remove(drop.sha256);
      throw err;
    }
    const recorded = this.get(drop.sha256);
    if (!recorded) throw new Error(`drop ${drop.sha256} vanished right after insert`);
    return { outcome: 'new_drop', drop: recorded };
  }

  private upsertRemoteFile(
    remote: RemoteFileRef,
    outcome: 'new_drop' | 'duplicate',
    sha256: string,
  ): void {
    // A dismissed file that changed on the gateway was pulled anew: it is known again here.
    this.db
      .prepare('DELETE FROM dismissed_files WHERE ride = ? AND name = ?')
      .run(remote.ride, remote.name);
    this.db
      .prepare(
        `INSERT INTO remote_files (ride, name, size, mtime_ms, outcome, drop_sha256, seen_at)
         VALUES (?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (ride, name) DO UPDATE SET size = excluded.size,
           mtime_ms = excluded.mtime_ms, outcome = excluded.outcome,
           drop_sha256 = excluded.drop_sha256, seen_at = excluded.seen_at`,
      )
      .run(
        remote.ride,
        remote.name,
        remote.size,
        Math.trunc(remote.mtimeMs),
        outcome,
        sha256,
        new Date().toISOString(),
      );
  }

  /** One drop by the SHA-256 of its zip. */
  get(sha256: string): DropRecord | undefined {
    const row = this.db.prepare('SELECT * FROM drops WHERE sha256 = ?').get(sha256) as
      | DropRow
      | undefined;
    return row ? toDropRecord(row) : undefined;
  }

  /** Drops, oldest pull first, optionally of one state. */
  list(filter: { state?: DropState; ride?: string } = {}): DropRecord[] {
    const rows = this.db
      .prepare(
        `SELECT * FROM drops
         WHERE (@state IS NULL OR state = @state) AND (@ride IS NULL OR ride = @ride)
         ORDER BY pulled_at, rowid`,
      )
      .all({ state: filter.state ?? null, ride: filter.ride ?? null }) as DropRow[];
    return rows.map(toDropRecord);
  }

  /**
   * Drops central has not acknowledged, oldest pull first. `uploading` ones are included: an
   * upload cut by a crash resumes where central's offset says.
   */
  uploadQueue(): DropRecord[] {
    const rows = this.db
      .prepare(
        `SELECT * FROM drops WHERE state IN ('buffered', 'uploading') ORDER BY pulled_at, rowid`,
      )
      .all() as DropRow[];
    return rows.map(toDropRecord);
  }

  /**
   * The SHA-256 of each drop {@link uploadQueue} would return, in the same order: a round over
   * a large backlog reads one drop at a time instead of holding every record.
   */
  uploadQueueShas(): string[] {
    return this.db
      .prepare(
        `SELECT sha256 FROM drops WHERE state IN ('buffered', 'uploading') ORDER BY pulled_at, rowid`,
      )
      .pluck()
      .all() as string[];
  }

  /** Marks an upload as started. */
  markUploading(sha256: string): void {
    this.setState(sha256, 'uploading', `state IN ('buffered', 'uploading')`);
  }

  /** Records central's answer; from now on the drop is central's responsibility. */
  markAcknowledged(sha256: string, answer: CentralAnswer): void {
    const now = new Date().toISOString();
    const res = this.db
      .prepare(
        `UPDATE drops SET state = 'acknowledged', central_batch_id = ?, central_status = ?,
           reason_code = COALESCE(?, reason_code), reason = COALESCE(?, reason),
           last_upload_error = NULL, acknowledged_at = ?, updated_at = ?
         WHERE sha256 = ? AND state IN ('buffered', 'uploading')`,
      )
      .run(
        answer.batchId,
        answer.status,
        answer.reasonCode ?? null,
        answer.reason ?? null,
        now,
        now,
        sha256,
      );
    if (res.changes !== 1) throw new Error(`drop ${sha256} is not waiting for upload`);
  }

  /** Keeps the drop buffered for the next round and remembers why this one failed. */
  markUploadFailed(sha256: string, message: string): void {
    this.db
      .prepare(
        `UPDATE drops SET state = 'buffered', upload_attempts = upload_attempts + 1,
           last_upload_error = ?, updated_at = ?
         WHERE sha256 = ? AND state IN ('buffered', 'uploading')`,
      )
      .run(message, new Date().toISOString(), sha256);
  }

  /**
   * Central refused this drop as bad input (a 4xx other than auth or conflict). The drop
   * stays buffered until central has refused it `maxRejections` times; then it becomes
   * `rejected` with central's message as the reason and is never sent again. Returns whether
   * it is now rejected.
   */
  markUploadRejected(sha256: string, message: string, maxRejections: number): boolean {
    const now = new Date().toISOString();
    const row = this.db
      .prepare(
        `UPDATE drops SET upload_attempts = upload_attempts + 1, rejections = rejections + 1,
           last_upload_error = @message, updated_at = @now,
           state = CASE WHEN rejections + 1 >= @max THEN 'rejected' ELSE 'buffered' END,
           reason_code = CASE WHEN rejections + 1 >= @max THEN 'central_rejected' ELSE reason_code END,
           reason = CASE WHEN rejections + 1 >= @max THEN @message ELSE reason END
         WHERE sha256 = @sha256 AND state IN ('buffered', 'uploading')
         RETURNING state`,
      )
      .get({ sha256, message, now, max: maxRejections }) as { state: DropState } | undefined;
    return row?.state === 'rejected';
  }

  /** What waits for central: drop count, bytes, and when the oldest waiting drop was pulled. */
  backlog(): { drops: number; bytes: number; oldestPulledAt: string | null } {
    const row = this.db
      .prepare(
        `SELECT count(*) AS drops, coalesce(sum(bytes), 0) AS bytes, min(pulled_at) AS oldest
         FROM drops WHERE state IN ('buffered', 'uploading')`,
      )
      .get() as { drops: number; bytes: number; oldest: string | null };
    return { drops: row.drops, bytes: row.bytes, oldestPulledAt: row.oldest };
  }

  /**
   * Drops a buffered drop whose blob no longer matches its SHA-256 (disk damage), with its
   * remote-file rows, so the gateway copy is pulled again; uploading it could never succeed.
   */
  async forgetDamaged(sha256: string): Promise<void> {
    this.forgetPending(sha256);
    await this.blobs.remove(sha256);
  }

  /** Deletes a not-yet-acknowledged drop and the remote-file rows that point at it. */
  private forgetPending(sha256: string): void {
    this.db.transaction(() => {
      this.db.prepare('DELETE FROM remote_files WHERE drop_sha256 = ?').run(sha256);
      this.db
        .prepare(`DELETE FROM drops WHERE sha256 = ? AND state IN ('buffered', 'uploading')`)
        .run(sha256);
    })();
  }

  /** Bytes of the blobs on disk (every drop whose blob was not evicted). */
  storedBytes(): number {
    return this.db
      .prepare('SELECT coalesce(sum(bytes), 0) FROM drops WHERE blob_evicted_at IS NULL')
      .pluck()
      .get() as number;
  }

  /** Drops whose blob is on disk (not evicted), whatever their state. */
  storedDrops(): number {
    return this.db
      .prepare('SELECT count(*) FROM drops WHERE blob_evicted_at IS NULL')
      .pluck()
      .get() as number;
  }

  /** Blobs on disk by what holds them: waiting for central, acknowledged, or kept for a person. */
  storedBytesByKind(): { waiting: number; acknowledged: number; kept: number } {
    const row = this.db
      .prepare(
        `SELECT
           coalesce(sum(CASE WHEN state IN ('buffered', 'uploading') THEN bytes END), 0) AS waiting,
           coalesce(sum(CASE WHEN state = 'acknowledged' THEN bytes END), 0) AS acknowledged,
           coalesce(sum(CASE WHEN state IN ('quarantined', 'rejected') THEN bytes END), 0) AS kept
         FROM drops WHERE blob_evicted_at IS NULL`,
      )
      .get() as { waiting: number; acknowledged: number; kept: number };
    return row;
  }

  /**
   * Acknowledged drops whose blob is still on disk, oldest acknowledgement first; only those
   * acknowledged before `before` when given. Nothing else may ever be evicted.
   */
  evictable(before?: string): DropRecord[] {
    const rows = this.db
      .prepare(
        `SELECT * FROM drops
         WHERE state = 'acknowledged' AND blob_evicted_at IS NULL
           AND (@before IS NULL OR acknowledged_at < @before)
         ORDER BY acknowledged_at, rowid`,
      )
      .all({ before: before ?? null }) as DropRow[];
    return rows.map(toDropRecord);
  }

  /**
   * Deletes an acknowledged drop's blob and keeps its row (marked evicted), so its remote
   * file stays known. The row is marked first: a crash before the file is gone leaves a blob
   * that start-up removes, never a row that claims a blob it lacks. Returns false, deleting
   * nothing, when the drop is not acknowledged or its blob is already evicted (a concurrent
   * eviction got there first).
   */
  async evictBlob(sha256: string): Promise<boolean> {
    const now = new Date().toISOString();
    const res = this.db
      .prepare(
        `UPDATE drops SET blob_evicted_at = ?, updated_at = ?
         WHERE sha256 = ? AND state = 'acknowledged' AND blob_evicted_at IS NULL`,
      )
      .run(now, now, sha256);
    if (res.changes !== 1) return false;
    await this.blobs.remove(sha256);
    return true;
  }

  /** How many drops are in each state. */
  counts(): Record<DropState, number> {
    const out = Object.fromEntries(DROP_STATES.map((s) => [s, 0])) as Record<DropState, number>;
    const rows = this.db.prepare('SELECT state, count(*) AS n FROM drops GROUP BY state').all() as {
      state: DropState;
      n: number;
    }[];
    for (const r of rows) out[r.state] = r.n;
    return out;
  }

  private setState(sha256: string, state: DropState, guard: string): void {
    const res = this.db
      .prepare(`UPDATE drops SET state = ?, updated_at = ? WHERE sha256 = ? AND ${guard}`)
      .run(state, new Date().toISOString(), sha256);
    if (res.changes !== 1) throw new Error(`drop ${sha256} cannot move to ${state}`);
  }
}
