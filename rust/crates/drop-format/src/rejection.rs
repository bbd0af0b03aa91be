use std::fmt;

/// Why a drop was rejected: the stable codes of `docs/drop-format.md` ("Rejection codes"),
/// the same as TypeScript's `DROP_REJECTION_CODES`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum RejectionCode {
    /// The zip does not open, an entry cannot be decompressed, or a CRC does not match.
    ZipCorrupt,
    /// The archive uses zip64 extensions.
    Zip64,
    /// An entry name is absolute, climbs out with `..`, or uses a backslash or drive letter.
    UnsafeEntryName,
    /// The zip, one entry, all entries, or the entry count exceed the limits.
    TooLarge,
    /// An entry compresses suspiciously well.
    ZipBomb,
    /// There is no `manifest.json`.
    ManifestMissing,
    /// `manifest.json` is not valid JSON or does not match the schema.
    ManifestInvalid,
    /// The window is not exactly one hour starting on a UTC hour.
    WindowNotHour,
    /// A file listed in the manifest is not in the zip.
    EntryMissing,
    /// An entry is in the zip but not listed in the manifest.
    EntryUnlisted,
    /// An entry's SHA-256 differs from the manifest's.
    HashMismatch,
    /// An entry's size differs from the manifest's.
    SizeMismatch,
    /// An entry does not match its schema.
    EntryInvalid,
    /// The file name is not the canonical name of the manifest's drop.
    NameMismatch,
    /// The window starts more than 15 minutes after the drop was received.
    WindowInFuture,
}

impl RejectionCode {
    /// The code as it appears in JSON and in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::ZipCorrupt => "zip_corrupt",
            Self::Zip64 => "zip64",
            Self::UnsafeEntryName => "unsafe_entry_name",
            Self::TooLarge => "too_large",
            Self::ZipBomb => "zip_bomb",
            Self::ManifestMissing => "manifest_missing",
            Self::ManifestInvalid => "manifest_invalid",
            Self::WindowNotHour => "window_not_hour",
            Self::EntryMissing => "entry_missing",
            Self::EntryUnlisted => "entry_unlisted",
            Self::HashMismatch => "hash_mismatch",
            Self::SizeMismatch => "size_mismatch",
            Self::EntryInvalid => "entry_invalid",
            Self::NameMismatch => "name_mismatch",
            Self::WindowInFuture => "window_in_future",
        }
    }
}

impl fmt::Display for RejectionCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A rejected drop: a stable code and a sentence a person can act on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{code}: {message}")]
pub struct DropError {
    /// The stable rejection code.
    pub code: RejectionCode,
    /// What is wrong, naming the entry where there is one.
    pub message: String,
}

impl DropError {
    pub(crate) fn new(code: RejectionCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }
}

/// A size for people: bytes, KiB or MiB, as TypeScript's `formatBytes`.
pub(crate) fn format_bytes(n: u64) -> String {
    const KIB: u64 = 1024;
    const MIB: u64 = 1024 * 1024;
    if n >= MIB {
        format!("{:.1} MiB", n as f64 / MIB as f64)
    } else if n >= KIB {
        format!("{:.1} KiB", n as f64 / KIB as f64)
    } else {
        format!("{n} bytes")
    }
}

/// A size measured against a limit: rounded for people, exact where rounding could hide it,
/// as TypeScript's `formatExactBytes`.
pub(crate) fn format_exact_bytes(n: u64) -> String {
    if n < 1024 {
        format!("{n} bytes")
    } else {
        format!("{} ({n} bytes)", format_bytes(n))
    }
}
