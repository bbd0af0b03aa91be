/** Where a drop is in the agent's life cycle. */
export const DROP_STATES = [
  'buffered',
  'uploading',
  'acknowledged',
  'quarantined',
  // Central refused the upload as bad input too many times; kept with central's reason.
  'rejected',
] as const;
export type DropState = (typeof DROP_STATES)[number];

/** A drop kept in the buffer, as the rest of the agent sees it. */
export interface DropRecord {
  /**
   * The record's own id: counts up in the order the agent recorded its files, which is the
   * upload order, and never repeats. A quarantined file is identified by it (the same bytes
   * may also be a valid drop under another name).
   */
  id: number;
  /** SHA-256 of the zip bytes; names the blob (which records with the same bytes share). */
  sha256: string;
  /** The drop's identity; null when the zip could not be read (quarantined). */
  contentId: string | null;
  ride: string;
  fileName: string;
  sequence: number | null;
  windowStart: string | null;
  windowEnd: string | null;
  bytes: number;
  state: DropState;
  reasonCode: string | null;
  reason: string | null;
  centralBatchId: string | null;
  centralStatus: string | null;
  uploadAttempts: number;
  lastUploadError: string | null;
  /** Times central refused this drop as bad input. */
  rejections: number;
  pulledAt: string;
  updatedAt: string;
  acknowledgedAt: string | null;
  /** When the blob was deleted after acknowledgement (the row is kept); null while on disk. */
  blobEvictedAt: string | null;
}

/** The row as SQLite stores it. */
export interface DropRow {
  id: number;
  sha256: string;
  content_id: string | null;
  ride: string;
  file_name: string;
  sequence: number | null;
  window_start: string | null;
  window_end: string | null;
  bytes: number;
  state: DropState;
  reason_code: string | null;
  reason: string | null;
  central_batch_id: string | null;
  central_status: string | null;
  upload_attempts: number;
  last_upload_error: string | null;
  rejections: number;
  pulled_at: string;
  updated_at: string;
  acknowledged_at: string | null;
  blob_evicted_at: string | null;
}

/** Maps a stored row to a record. */
export function toDropRecord(row: DropRow): DropRecord {
  return {
    id: row.id,
    sha256: row.sha256,
    contentId: row.content_id,
    ride: row.ride,
    fileName: row.file_name,
    sequence: row.sequence,
    windowStart: row.window_start,
    windowEnd: row.window_end,
    bytes: row.bytes,
    state: row.state,
    reasonCode: row.reason_code,
    reason: row.reason,
    centralBatchId: row.central_batch_id,
    centralStatus: row.central_status,
    uploadAttempts: row.upload_attempts,
    lastUploadError: row.last_upload_error,
    rejections: row.rejections,
    pulledAt: row.pulled_at,
    updatedAt: row.updated_at,
    acknowledgedAt: row.acknowledged_at,
    blobEvictedAt: row.blob_evicted_at,
  };
}
