/// Limits that keep a hostile or broken zip from exhausting memory or disk.
///
/// The numbers are the contract's (`docs/job-contracts.md`) and equal TypeScript's
/// `DEFAULT_DROP_LIMITS`, so both sides reject the same drops.
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
        const MIB: u64 = 1024 * 1024;
        Self {
            max_zip_bytes: 128 * MIB,
            max_entries: 64,
            max_entry_bytes: 64 * MIB,
            max_total_bytes: 256 * MIB,
            max_ratio: 100,
            ratio_check_above_bytes: MIB,
        }
    }
}
