use crate::limits_generated as generated;

/// Limits that keep a hostile or broken zip from exhausting memory or disk.
///
/// The defaults come from `shared/src/drop/drop-limits.json`, the one file TypeScript's
/// `DEFAULT_DROP_LIMITS` reads too, through `limits_generated.rs` (written from it; a test on
/// each side fails when they differ), so both sides reject the same drops.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DropLimits {
    /// Largest zip file accepted, in bytes.
    pub max_zip_bytes: u64,
    /// Most entries in one zip.
    pub max_entries: usize,
    /// Largest uncompressed size of one entry, in bytes.
    pub max_entry_bytes: u64,
    /// Largest uncompressed size of all entries together, in bytes.
    pub max_total_bytes: u64,
    /// Highest uncompressed / compressed ratio of one entry.
    pub max_ratio: u64,
    /// The ratio is only checked for entries larger than this, since tiny entries of
    /// repetitive JSON legitimately compress very well.
    pub ratio_check_above_bytes: u64,
}

impl Default for DropLimits {
    fn default() -> Self {
        Self {
            max_zip_bytes: generated::MAX_ZIP_BYTES,
            max_entries: generated::MAX_ENTRIES,
            max_entry_bytes: generated::MAX_ENTRY_BYTES,
            max_total_bytes: generated::MAX_TOTAL_BYTES,
            max_ratio: generated::MAX_RATIO,
            ratio_check_above_bytes: generated::RATIO_CHECK_ABOVE_BYTES,
        }
    }
}

/// How far after the moment a drop was received its window may start (`window_in_future`),
/// in milliseconds: `maxWindowStartAfterReceivedMs` of `drop-limits.json`.
pub const MAX_WINDOW_START_AFTER_RECEIVED_MS: i64 = generated::MAX_WINDOW_START_AFTER_RECEIVED_MS;
