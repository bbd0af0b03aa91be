import { rm, stat } from 'node:fs/promises';
import type Database from 'better-sqlite3';
import type { Logger } from 'pino';
import type { BlobStore } from './blob-store.ts';
import { openDataDir, type DataDir } from './data-dir.ts';
import { listDropPage, retryDrop, type DropPage, type DropPageQuery } from './drop-pages.ts';
import {
  DROP_STATES,
  toDropRecord,
  type DropRecord,
  type DropRow,
  type DropState,
} from './drop-record.ts';

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
 *
 * A verdict belongs to a file name and its bytes together (rule R1): valid drops are unique by
 * SHA-256 and content id and dedup against valid drops only; a quarantined file is its own
 * record, unique by (ride, file name, SHA-256), and never makes a valid file a duplicate.
 * Records with the same bytes share one blob, deleted with the last record that needs it.
 */
export class DropBuffer {
  private knownFileQuery: Database.Statement | undefined;
  /** Blob work per SHA-256, one step at a time (a blob may serve several records). */
  private readonly blobWork = new Map<string, Promise<unknown>>();

  private constructor(
    private readonly db: Database.Database,
    readonly blobs: BlobStore,
    private readonly log: Logger,
    /** The data directory this buffer opened itself, closed with it; null when lent. */
    private readonly owned: DataDir | null,
  ) {}

  /**
   * Opens the buffer in `dataDir` (creating and locking it) and repairs what a crash may have
   * left. The buffer owns the directory: `close()` releases it.
   */
  static async open(dataDir: string, log: Logger): Promise<DropBuffer> {
    const data = await openDataDir(dataDir, log);
    try {
      return await DropBuffer.over(data, log, true);
    } catch (err) {
      data.close();
      throw err;
    }
  }

  /**
   * The buffer of an opened data directory (the agent opens it once and hands the same
   * database to its stores); repairs what a crash may have left. `close()` leaves the
   * directory open unless `owns` is set.
   */
  static async over(data: DataDir, log: Logger, owns = false): Promise<DropBuffer> {
    const buffer = new DropBuffer(data.db, data.blobs, log, owns ? data : null);
    await buffer.recover();
    return buffer;
  }

  /** Closes the data directory when this buffer opened it. */
  close(): void {
    this.owned?.close();
  }

  /** Runs blob work for one SHA-256 after the work already queued for it. */
  private withBlob<T>(sha256: string, work: () => Promise<T>): Promise<T> {
    const before = this.blobWork.get(sha256) ?? Promise.resolve();
    const run = before.then(work, work);
    // The queue waits for the work to end, whether it failed or not.
    const ended = run.catch(() => undefined);
    this.blobWork.set(sha256, ended);
    void ended.then(() => {
      if (this.blobWork.get(sha256) === ended) this.blobWork.delete(sha256);
    });
    return run;
  }

  /** Whether a record still needs the blob of these bytes on disk. */
  private blobNeeded(sha256: string): boolean {
    return (
      this.db
        .prepare('SELECT 1 FROM drops WHERE sha256 = ? AND blob_evicted_at IS NULL LIMIT 1')
        .get(sha256) !== undefined
    );
  }

  /** Deletes a blob no record needs any more (one another record shares stays). */
  private releaseBlob(sha256: string): Promise<void> {
    return this.withBlob(sha256, async () => {
      if (!this.blobNeeded(sha256)) await this.blobs.remove(sha256);
    });
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
        .prepare('SELECT DISTINCT sha256 FROM drops WHERE blob_evicted_at IS NULL')
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
      this.forgetPending(row.sha256);
      // A quarantined copy of the same bytes keeps the (damaged) blob for inspection.
      if (size !== null) await this.releaseBlob(row.sha256);
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
   * Deletes a quarantined or rejected record (a person decided it is of no use): its gateway
   * files are remembered as dismissed so they are not pulled and quarantined again (a
   * gateway file that changes is pulled as new), and its blob goes unless another record has
   * the same bytes. A quarantined record is one gateway file: nothing else is touched, not
   * even a valid drop with the same bytes. Returns false when the record is not quarantined
   * or rejected. With `dismiss: false` the gateway files are forgotten instead, so the next
   * pull downloads and checks them again ("fetch again from the gateway").
   */
  async deleteProblemDrop(id: number, options: { dismiss?: boolean } = {}): Promise<boolean> {
    const dismiss = options.dismiss ?? true;
    const now = new Date().toISOString();
    const deleted = this.db.transaction(() => {
      const drop = this.getRecord(id);
      if (!drop || (drop.state !== 'quarantined' && drop.state !== 'rejected')) return null;
      if (dismiss) {
        this.db
          .prepare(
            `INSERT OR REPLACE INTO dismissed_files (ride, name, size, mtime_ms, sha256, reason, dismissed_at)
             SELECT ride, name, size, mtime_ms, ?, ?, ? FROM remote_files WHERE drop_id = ?`,
          )
          .run(drop.sha256, drop.reason, now, id);
      } else {
        this.db
          .prepare(
            `DELETE FROM dismissed_files WHERE (ride, name) IN
               (SELECT ride, name FROM remote_files WHERE drop_id = ?)`,
          )
          .run(id);
      }
      this.db.prepare('DELETE FROM remote_files WHERE drop_id = ?').run(id);
      this.db.prepare('DELETE FROM drops WHERE id = ?').run(id);
      return drop;
    })();
    // After the commit: a crash in between leaves a blob without a row, which start-up removes.
    if (deleted) await this.releaseBlob(deleted.sha256);
    return deleted !== null;
  }

  /**
   * A quarantined file found valid on a second look (e.g. after a validator fix) becomes a
   * buffered drop with what the verifier learned. When a valid drop already has the same
   * bytes or content, the file is folded into it instead (its gateway file points there).
   * It keeps its id, so it is uploaded in the order it was first recorded.
   */
  async releaseQuarantined(
    id: number,
    valid: Pick<PulledDrop, 'contentId' | 'sequence' | 'windowStart' | 'windowEnd'>,
  ): Promise<'buffered' | 'duplicate'> {
    const now = new Date().toISOString();
    const { outcome, sha256 } = this.db.transaction(() => {
      const drop = this.getRecord(id);
      if (drop?.state !== 'quarantined') {
        throw new Error(`record ${id} is not quarantined`);
      }
      const other = this.findValid(drop.sha256, valid.contentId);
      if (other) {
        this.db
          .prepare(`UPDATE remote_files SET drop_id = ?, outcome = 'duplicate' WHERE drop_id = ?`)
          .run(other.id, id);
        this.db.prepare('DELETE FROM drops WHERE id = ?').run(id);
        return { outcome: 'duplicate' as const, sha256: drop.sha256 };
      }
      this.db
        .prepare(
          `UPDATE drops SET state = 'buffered', content_id = @contentId, sequence = @sequence,
             window_start = @windowStart, window_end = @windowEnd, reason_code = NULL,
             reason = NULL, updated_at = @now
           WHERE id = @id AND state = 'quarantined'`,
        )
        .run({ ...valid, now, id });
      return { outcome: 'buffered' as const, sha256: drop.sha256 };
    })();
    if (outcome === 'duplicate') await this.releaseBlob(sha256);
    return outcome;
  }

  /** A quarantined file checked again and still invalid: its reason is brought up to date. */
  updateQuarantineReason(id: number, reasonCode: string, reason: string): void {
    this.db
      .prepare(
        `UPDATE drops SET reason_code = ?, reason = ?, updated_at = ?
         WHERE id = ? AND state = 'quarantined'`,
      )
      .run(reasonCode, reason, new Date().toISOString(), id);
  }

  /** State of the drop a recorded remote file maps to (itself or the drop it duplicates). */
  remoteFileDropState(ride: string, name: string): DropState | undefined {
    const row = this.db
      .prepare(
        `SELECT d.state FROM remote_files f JOIN drops d ON d.id = f.drop_id
         WHERE f.ride = ? AND f.name = ?`,
      )
      .get(ride, name) as { state: DropState } | undefined;
    return row?.state;
  }

  /** The valid drop (any state but quarantined) with these zip bytes or this content. */
  private findValid(sha256: string, contentId: string | null): DropRecord | undefined {
    const row = this.db
      .prepare(
        `SELECT * FROM drops WHERE state <> 'quarantined'
           AND (sha256 = ? OR (? IS NOT NULL AND content_id = ?))
         ORDER BY id LIMIT 1`,
      )
      .get(sha256, contentId, contentId) as DropRow | undefined;
    return row ? toDropRecord(row) : undefined;
  }

  /** The quarantined record of exactly this file: same ride, name and bytes. */
  private findQuarantined(ride: string, fileName: string, sha256: string): DropRecord | undefined {
    const row = this.db
      .prepare(
        `SELECT * FROM drops WHERE state = 'quarantined' AND ride = ? AND file_name = ? AND sha256 = ?`,
      )
      .get(ride, fileName, sha256) as DropRow | undefined;
    return row ? toDropRecord(row) : undefined;
  }

  /**
   * Records a downloaded, fsynced temp file. A valid file whose bytes or content a valid drop
   * already has is a duplicate of it, and so is a quarantined file already recorded with the
   * same ride, name and bytes (its temp file is deleted). Otherwise the temp file becomes the
   * blob (the same bytes replace the same bytes when another record shares them) and the
   * record and remote file rows are inserted in one transaction.
   */
  async recordPulledFile(
    tmpFile: string,
    remote: RemoteFileRef,
    drop: PulledDrop,
  ): Promise<RecordOutcome> {
    const existingOf = (): DropRecord | undefined =>
      drop.state === 'buffered'
        ? this.findValid(drop.sha256, drop.contentId)
        : this.findQuarantined(drop.ride, drop.fileName, drop.sha256);
    return this.withBlob(drop.sha256, async () => {
      const existing = existingOf();
      if (existing) {
        await rm(tmpFile, { force: true });
        this.upsertRemoteFile(remote, 'duplicate', existing.id);
        return { outcome: 'duplicate' as const, drop: existing };
      }
      await this.blobs.adopt(tmpFile, drop.sha256);
      const now = new Date().toISOString();
      let id: number;
      try {
        id = this.db.transaction(() => {
          const res = this.db
            .prepare(
              `INSERT INTO drops (sha256, content_id, ride, file_name, sequence, window_start,
                 window_end, bytes, state, reason_code, reason, pulled_at, updated_at)
               VALUES (@sha256, @contentId, @ride, @fileName, @sequence, @windowStart,
                 @windowEnd, @bytes, @state, @reasonCode, @reason, @now, @now)`,
            )
            .run({ ...drop, now });
          const inserted = Number(res.lastInsertRowid);
          this.upsertRemoteFile(remote, 'new_drop', inserted);
          return inserted;
        })();
      } catch (err) {
        // Another ride's pull recorded the same content under other bytes while this blob was
        // being moved in (pulls of different rides run concurrently): this file is a duplicate.
        const raced = existingOf();
        if (!this.blobNeeded(drop.sha256)) await this.blobs.remove(drop.sha256);
        if (raced) {
          this.upsertRemoteFile(remote, 'duplicate', raced.id);
          return { outcome: 'duplicate' as const, drop: raced };
        }
        throw err;
      }
      const recorded = this.getRecord(id);
      if (!recorded) throw new Error(`record ${id} vanished right after insert`);
      return { outcome: 'new_drop' as const, drop: recorded };
    });
  }

  private upsertRemoteFile(
    remote: RemoteFileRef,
    outcome: 'new_drop' | 'duplicate',
    dropId: number,
  ): void {
    // A dismissed file that changed on the gateway was pulled anew: it is known again here.
    this.db
      .prepare('DELETE FROM dismissed_files WHERE ride = ? AND name = ?')
      .run(remote.ride, remote.name);
    this.db
      .prepare(
        `INSERT INTO remote_files (ride, name, size, mtime_ms, outcome, drop_id, seen_at)
         VALUES (?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (ride, name) DO UPDATE SET size = excluded.size,
           mtime_ms = excluded.mtime_ms, outcome = excluded.outcome,
           drop_id = excluded.drop_id, seen_at = excluded.seen_at`,
      )
      .run(
        remote.ride,
        remote.name,
        remote.size,
        Math.trunc(remote.mtimeMs),
        outcome,
        dropId,
        new Date().toISOString(),
      );
  }

  /** One record by its id. */
  getRecord(id: number): DropRecord | undefined {
    const row = this.db.prepare('SELECT * FROM drops WHERE id = ?').get(id) as DropRow | undefined;
    return row ? toDropRecord(row) : undefined;
  }

  /**
   * The drop with these zip bytes: the valid one when there is one (valid drops are unique by
   * SHA-256), else the first quarantined file with these bytes.
   */
  get(sha256: string): DropRecord | undefined {
    const row = this.db
      .prepare(`SELECT * FROM drops WHERE sha256 = ? ORDER BY state = 'quarantined', id LIMIT 1`)
      .get(sha256) as DropRow | undefined;
    return row ? toDropRecord(row) : undefined;
  }

  /** Records in the order they were recorded, optionally of one state or ride. */
  list(filter: { state?: DropState; ride?: string } = {}): DropRecord[] {
    const rows = this.db
      .prepare(
        `SELECT * FROM drops
         WHERE (@state IS NULL OR state = @state) AND (@ride IS NULL OR ride = @ride)
         ORDER BY id`,
      )
      .all({ state: filter.state ?? null, ride: filter.ride ?? null }) as DropRow[];
    return rows.map(toDropRecord);
  }

  /**
   * Drops central has not acknowledged, in the order the agent recorded them (rule R2: a
   * later revision of a ride-window is uploaded after the earlier one, and central keeps the
   * newest commit). The order is the record id's, which neither a clock set back nor a
   * restart changes. `uploading` ones are included: an upload cut by a crash resumes where
   * central's offset says.
   */
  uploadQueue(): DropRecord[] {
    const rows = this.db
      .prepare(`SELECT * FROM drops WHERE state IN ('buffered', 'uploading') ORDER BY id`)
      .all() as DropRow[];
    return rows.map(toDropRecord);
  }

  /**
   * The SHA-256 of each drop {@link uploadQueue} would return, in the same order: a round over
   * a large backlog reads one drop at a time instead of holding every record.
   */
  uploadQueueShas(): string[] {
    return this.db
      .prepare(`SELECT sha256 FROM drops WHERE state IN ('buffered', 'uploading') ORDER BY id`)
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
    await this.releaseBlob(sha256);
  }

  /** Deletes a not-yet-acknowledged drop and the remote-file rows that point at it. */
  private forgetPending(sha256: string): void {
    this.db.transaction(() => {
      const id = this.db
        .prepare(`SELECT id FROM drops WHERE sha256 = ? AND state IN ('buffered', 'uploading')`)
        .pluck()
        .get(sha256) as number | undefined;
      if (id === undefined) return;
      this.db.prepare('DELETE FROM remote_files WHERE drop_id = ?').run(id);
      this.db.prepare('DELETE FROM drops WHERE id = ?').run(id);
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
         ORDER BY acknowledged_at, id`,
      )
      .all({ before: before ?? null }) as DropRow[];
    return rows.map(toDropRecord);
  }

  /**
   * Deletes an acknowledged drop's blob and keeps its row (marked evicted), so its remote
   * file stays known. The row is marked first: a crash before the file is gone leaves a blob
   * that start-up removes, never a row that claims a blob it lacks. A blob a quarantined copy
   * of the same bytes still needs stays. Returns false, deleting nothing, when the drop is
   * not acknowledged or its blob is already evicted (a concurrent eviction got there first).
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
    await this.releaseBlob(sha256);
    return true;
  }

  /** One page of the Drops screen: newest record first (see drop-pages.ts). */
  page(query: DropPageQuery = {}): DropPage {
    return listDropPage(this.db, query);
  }

  /**
   * Puts a rejected drop, or a waiting one whose uploads failed, back in the upload queue
   * with its counts reset; false when the drop is in neither case.
   */
  retry(sha256: string): boolean {
    return retryDrop(this.db, sha256);
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
