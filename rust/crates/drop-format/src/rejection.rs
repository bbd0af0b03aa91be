use std::fmt;

/// Why a drop was rejected: the stable codes of `docs/job-contracts.md`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum RejectionCode {
    /// The zip does not open, an entry cannot be decompressed, or a CRC does not match.
    ZipCorrupt,
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
    /// The file name disagrees with the manifest's park, ride, window start or sequence.
    NameMismatch,
}

impl RejectionCode {
    /// The code as it appears in JSON and in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::ZipCorrupt => "zip_corrupt",
            Self::UnsafeEntryName => "unsafe_entry_name",
            Self::TooLarge => "too_large",
            Self::ZipBomb => "zip_bomb",
            Self::ManifestMissing => "manifest_missing",
            Self::ManifestInvalid => "manifest_invalid",
            Self::EntryMissing => "entry_missing",
            Self::EntryUnlisted => "entry_unlisted",
            Self::HashMismatch => "hash_mismatch",
            Self::SizeMismatch => "size_mismatch",
            Self::EntryInvalid => "entry_invalid",
            Self::NameMismatch => "name_mismatch",
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
