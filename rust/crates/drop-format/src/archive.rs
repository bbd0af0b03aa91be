use std::collections::{BTreeMap, BTreeSet};
use std::io::{Cursor, Read};
use std::path::Path;

use sha2::{Digest, Sha256};
use zip::ZipArchive;

use crate::content_id::{content_id, hex};
use crate::entries::{
    parse_alarms, parse_counters, parse_cycles, parse_telemetry, Alarm, CounterSnapshot, Cycle,
    TelemetryFile,
};
use crate::file_name::parse_drop_file_name;
use crate::limits::DropLimits;
use crate::manifest::Manifest;
use crate::rejection::{DropError, RejectionCode as Code};

const MANIFEST: &str = "manifest.json";

/// A drop that passed every check, with its entries parsed.
#[derive(Debug, Clone)]
pub struct VerifiedDrop {
    /// The validated manifest.
    pub manifest: Manifest,
    /// SHA-256 of the zip file's bytes.
    pub sha256: String,
    /// The drop's content identity (see [`content_id`]).
    pub content_id: String,
    /// `cycles.json`, empty when absent.
    pub cycles: Vec<Cycle>,
    /// `alarms.json`, empty when absent.
    pub alarms: Vec<Alarm>,
    /// `counters.json`, empty when absent.
    pub counters: Vec<CounterSnapshot>,
    /// `telemetry/*.json`, sorted by channel.
    pub telemetry: Vec<TelemetryFile>,
}

/// Reads and verifies a drop from a file. The file name is checked against the manifest
/// only when it is a canonical drop name: blobs stored under their SHA-256 have none.
pub fn read_drop_file(path: &Path, limits: &DropLimits) -> Result<VerifiedDrop, ReadDropError> {
    let size = std::fs::metadata(path)?.len();
    if size > limits.max_zip_bytes {
        return Err(too_large_zip(size, limits).into());
    }
    let bytes = std::fs::read(path)?;
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .filter(|n| parse_drop_file_name(n).is_some());
    Ok(read_drop(&bytes, name, limits)?)
}

/// Why [`read_drop_file`] produced no drop: the file could not be read, or it is not a
/// valid drop.
#[derive(Debug, thiserror::Error)]
pub enum ReadDropError {
    /// The file could not be read (missing, permissions, I/O).
    #[error("cannot read the drop file: {0}")]
    Io(#[from] std::io::Error),
    /// The file is not a valid drop.
    #[error(transparent)]
    Invalid(#[from] DropError),
}

fn too_large_zip(size: u64, limits: &DropLimits) -> DropError {
    DropError::new(
        Code::TooLarge,
        format!(
            "the zip has {size} bytes, more than the limit of {} bytes",
            limits.max_zip_bytes
        ),
    )
}

/// Verifies a drop held in memory, checking in the contract's order: zip soundness and
/// names, limits, manifest, listed files, unlisted entries, entry schemas, file name.
///
/// `file_name`, when given, must be a canonical drop name matching the manifest.
pub fn read_drop(
    bytes: &[u8],
    file_name: Option<&str>,
    limits: &DropLimits,
) -> Result<VerifiedDrop, DropError> {
    if bytes.len() as u64 > limits.max_zip_bytes {
        return Err(too_large_zip(bytes.len() as u64, limits));
    }
    let entries = read_entries(bytes, limits)?;
    let sha256 = hex(&Sha256::digest(bytes));

    let manifest_entry = entries.get(MANIFEST).ok_or_else(|| {
        DropError::new(
            Code::ManifestMissing,
            "the zip has no manifest.json at its root",
        )
    })?;
    let manifest = Manifest::from_json(&manifest_entry.bytes).map_err(|e| {
        DropError::new(
            Code::ManifestInvalid,
            format!("manifest.json is invalid: {e}"),
        )
    })?;
    check_listed_files(&manifest, &entries)?;

    let content_id = content_id(entries.iter().map(|(p, e)| (p.as_str(), e.sha256.as_str())));
    let mut parsed = Parsed::default();
    for f in &manifest.files {
        parse_entry(&f.path, &entries[&f.path].bytes, &mut parsed).map_err(|e| {
            DropError::new(Code::EntryInvalid, format!("{} is invalid: {e}", f.path))
        })?;
    }
    parsed.telemetry.sort_by(|a, b| a.channel.cmp(&b.channel));
    let drop = VerifiedDrop {
        manifest,
        sha256,
        content_id,
        cycles: parsed.cycles,
        alarms: parsed.alarms,
        counters: parsed.counters,
        telemetry: parsed.telemetry,
    };
    if let Some(name) = file_name {
        check_file_name(name, &drop.manifest)?;
    }
    Ok(drop)
}

#[derive(Default)]
struct Parsed {
    cycles: Vec<Cycle>,
    alarms: Vec<Alarm>,
    counters: Vec<CounterSnapshot>,
    telemetry: Vec<TelemetryFile>,
}

struct Entry {
    bytes: Vec<u8>,
    sha256: String,
}

/// Checks names and sizes from the central directory before decompressing anything, then
/// reads every entry fully so the zip crate verifies each CRC-32.
fn read_entries(bytes: &[u8], limits: &DropLimits) -> Result<BTreeMap<String, Entry>, DropError> {
    let corrupt = |e: zip::result::ZipError| {
        DropError::new(Code::ZipCorrupt, format!("the zip cannot be read: {e}"))
    };
    let mut zip = ZipArchive::new(Cursor::new(bytes)).map_err(corrupt)?;
    if zip.len() > limits.max_entries {
        return Err(DropError::new(
            Code::TooLarge,
            format!(
                "the zip has {} entries, more than the limit of {}",
                zip.len(),
                limits.max_entries
            ),
        ));
    }

    // Two entries with one name would let two readers see different content.
    if zip.has_duplicate_names() {
        return Err(DropError::new(
            Code::UnsafeEntryName,
            "an entry name appears twice in the archive; each entry must have its own name",
        ));
    }
    let mut central = Vec::with_capacity(zip.len());
    let mut names = BTreeSet::new();
    for i in 0..zip.len() {
        let f = zip.by_index_raw(i).map_err(corrupt)?;
        let name = f.name().map_err(corrupt)?.into_owned();
        if let Some(why) = unsafe_name(&name) {
            return Err(DropError::new(
                Code::UnsafeEntryName,
                format!(
                    "entry {name:?} {why}; drops may only hold relative paths inside the archive"
                ),
            ));
        }
        if !names.insert(name.clone()) {
            return Err(DropError::new(
                Code::UnsafeEntryName,
                format!("entry {name:?} appears twice"),
            ));
        }
        central.push((name, f.size(), f.compressed_size()));
    }

    let mut total = 0u64;
    for (name, size, compressed) in &central {
        let ratio = size / (*compressed).max(1);
        if *size > limits.ratio_check_above_bytes && ratio > limits.max_ratio {
            return Err(DropError::new(
                Code::ZipBomb,
                format!(
                    "entry {name} unpacks to {size} bytes from {compressed} (ratio {ratio}, limit {}); this looks like a zip bomb, not PLC data",
                    limits.max_ratio
                ),
            ));
        }
        if *size > limits.max_entry_bytes {
            return Err(DropError::new(
                Code::TooLarge,
                format!(
                    "entry {name} unpacks to {size} bytes, more than the limit of {} bytes",
                    limits.max_entry_bytes
                ),
            ));
        }
        total += size;
    }
    if total > limits.max_total_bytes {
        return Err(DropError::new(
            Code::TooLarge,
            format!(
                "the entries unpack to {total} bytes, more than the limit of {} bytes",
                limits.max_total_bytes
            ),
        ));
    }

    let mut entries = BTreeMap::new();
    for i in 0..zip.len() {
        let mut f = zip.by_index(i).map_err(corrupt)?;
        let name = f.name().map_err(corrupt)?.into_owned();
        let declared = f.size();
        let mut buf = Vec::with_capacity(usize::try_from(declared).unwrap_or(0));
        // Never trust the declared size: read at most one byte past it.
        (&mut f)
            .take(declared + 1)
            .read_to_end(&mut buf)
            .map_err(|e| {
                DropError::new(Code::ZipCorrupt, format!("entry {name} is corrupt: {e}"))
            })?;
        if buf.len() as u64 != declared {
            return Err(DropError::new(
                Code::ZipCorrupt,
                format!(
                    "entry {name} unpacks to {} bytes but the zip declares {declared}",
                    buf.len()
                ),
            ));
        }
        let sha256 = hex(&Sha256::digest(&buf));
        entries.insert(name, Entry { bytes: buf, sha256 });
    }
    Ok(entries)
}

fn unsafe_name(name: &str) -> Option<&'static str> {
    let b = name.as_bytes();
    if name.is_empty() {
        Some("has an empty name")
    } else if name.contains('\0') {
        Some("contains a NUL character")
    } else if b[0] == b'/' {
        Some("is an absolute path")
    } else if name.contains("..") {
        Some("contains \"..\"")
    } else if name.contains('\\') {
        Some("contains a backslash")
    } else if b.len() >= 2 && b[0].is_ascii_alphabetic() && b[1] == b':' {
        Some("starts with a drive letter")
    } else {
        None
    }
}

fn check_listed_files(
    manifest: &Manifest,
    entries: &BTreeMap<String, Entry>,
) -> Result<(), DropError> {
    let listed_entry = |path: &str| {
        entries.get(path).ok_or_else(|| {
            DropError::new(
                Code::EntryMissing,
                format!("manifest lists {path} but the zip does not contain it"),
            )
        })
    };
    // Sizes before hashes, as TypeScript's verifyDrop does, so both report the same code.
    for f in &manifest.files {
        let entry = listed_entry(&f.path)?;
        if entry.bytes.len() as u64 != f.bytes {
            return Err(DropError::new(
                Code::SizeMismatch,
                format!(
                    "{} has {} bytes but the manifest says {}",
                    f.path,
                    entry.bytes.len(),
                    f.bytes
                ),
            ));
        }
    }
    for f in &manifest.files {
        let entry = listed_entry(&f.path)?;
        if entry.sha256 != f.sha256 {
            return Err(DropError::new(
                Code::HashMismatch,
                format!(
                    "{} has SHA-256 {} but the manifest says {}; the file changed after the manifest was written",
                    f.path, entry.sha256, f.sha256
                ),
            ));
        }
    }
    let listed: BTreeSet<&str> = manifest.files.iter().map(|f| f.path.as_str()).collect();
    if let Some(extra) = entries
        .keys()
        .find(|p| *p != MANIFEST && !listed.contains(p.as_str()))
    {
        let hint = if extra.ends_with('/') {
            " (folder entries are not allowed: zip without them, e.g. `zip -D`)"
        } else {
            ""
        };
        return Err(DropError::new(
            Code::EntryUnlisted,
            format!("the zip contains {extra} but manifest.json does not list it{hint}"),
        ));
    }
    Ok(())
}

/// Every listed entry must be part of format v1 and match its schema.
fn parse_entry(path: &str, bytes: &[u8], drop: &mut Parsed) -> Result<(), String> {
    match path {
        "cycles.json" => drop.cycles = parse_cycles(bytes)?,
        "alarms.json" => drop.alarms = parse_alarms(bytes)?,
        "counters.json" => drop.counters = parse_counters(bytes)?,
        _ => {
            let channel = path
                .strip_prefix("telemetry/")
                .and_then(|p| p.strip_suffix(".json"))
                .filter(|c| !c.is_empty() && !c.contains('/'))
                .ok_or_else(|| {
                    "it is not part of drop format v1 (expected cycles.json, alarms.json, counters.json or telemetry/{channel}.json)".to_owned()
                })?;
            drop.telemetry.push(parse_telemetry(bytes, channel)?);
        }
    }
    Ok(())
}

fn check_file_name(name: &str, m: &Manifest) -> Result<(), DropError> {
    let mismatch = |what: &str| {
        DropError::new(
            Code::NameMismatch,
            format!("file name {name} does not match the manifest's {what}"),
        )
    };
    let parsed = parse_drop_file_name(name).ok_or_else(|| {
        DropError::new(
            Code::NameMismatch,
            format!("file name {name} is not of the form {{park}}_{{ride}}_{{YYYYMMDDTHHMMSSZ}}_{{seq}}.zip"),
        )
    })?;
    if parsed.park != m.park {
        return Err(mismatch("park"));
    }
    if parsed.ride != m.ride {
        return Err(mismatch("ride"));
    }
    if parsed.window_start != m.window.start.0 {
        return Err(mismatch("window start"));
    }
    if parsed.sequence != m.sequence {
        return Err(mismatch("sequence"));
    }
    Ok(())
}
