use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufReader, Cursor, Read, Seek, SeekFrom};
use std::path::Path;

use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};

use crate::content_id::{content_id, hex};
use crate::entries::{
    parse_alarms, parse_counters, parse_cycles, Alarm, CounterSnapshot, Cycle, TelemetryFile,
};
use crate::file_name::parse_drop_file_name;
use crate::json_text::check_json_bytes;
use crate::limits::DropLimits;
use crate::manifest::Manifest;
use crate::rejection::{format_exact_bytes, DropError, RejectionCode as Code};
use crate::telemetry_stream::{stream_telemetry, CollectSink, DropHead, TelemetrySink};
use crate::window::{check_file_name, check_window_is_one_utc_hour, check_window_not_in_future};
use crate::zip_archive::{
    check_entry_names_and_sizes, locate_entry_data, open_entry, read_zip_archive, ZipEntry,
};

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

/// A drop that passed every check, whose telemetry went to a [`TelemetrySink`] instead of
/// memory.
#[derive(Debug, Clone)]
pub struct StreamedDrop {
    /// The manifest, cycles, alarms and counters.
    pub head: DropHead,
    /// SHA-256 of the zip file's bytes.
    pub sha256: String,
    /// The drop's content identity (see [`content_id`]).
    pub content_id: String,
}

/// How to verify a drop: the same options as TypeScript's `verifyDrop`.
#[derive(Debug, Clone, Copy, Default)]
pub struct VerifyOptions<'a> {
    /// The drop's file name; when given it must be the canonical name of the manifest's
    /// drop (`name_mismatch`).
    pub file_name: Option<&'a str>,
    /// The limits; [`DropLimits::default`] unless a test wants others.
    pub limits: DropLimits,
    /// When the drop was received (by the agent: pulled; by central: committed). When
    /// given, a window that starts more than 15 minutes later is rejected
    /// (`window_in_future`).
    pub received_at: Option<DateTime<Utc>>,
}

/// Reads and verifies a drop from a file. The file name is checked against the manifest
/// only when it is a canonical drop name: blobs stored under their SHA-256 have none.
pub fn read_drop_file(path: &Path, limits: &DropLimits) -> Result<VerifiedDrop, ReadDropError> {
    let mut sink = CollectSink::default();
    let drop = stream_drop_file(path, limits, &mut sink)?;
    Ok(verified(drop, sink))
}

/// Like [`read_drop_file`], but hands the telemetry to `sink` sample by sample: memory
/// holds the zip's central directory, the small entries and one decompression buffer,
/// whatever the size of the telemetry.
pub fn stream_drop_file(
    path: &Path,
    limits: &DropLimits,
    sink: &mut dyn TelemetrySink,
) -> Result<StreamedDrop, ReadDropError> {
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .filter(|n| parse_drop_file_name(n).is_some());
    let opts = VerifyOptions {
        file_name: name,
        limits: *limits,
        received_at: None,
    };
    verify_drop_file(path, &opts, sink)
}

/// Verifies the drop in the file at `path` with `opts` (its file name is checked only when
/// `opts.file_name` is given), streaming the telemetry to `sink` like [`stream_drop_file`].
pub fn verify_drop_file(
    path: &Path,
    opts: &VerifyOptions<'_>,
    sink: &mut dyn TelemetrySink,
) -> Result<StreamedDrop, ReadDropError> {
    let mut file = std::fs::File::open(path)?;
    let size = file.metadata()?.len();
    if size > opts.limits.max_zip_bytes {
        return Err(too_large_zip(size, &opts.limits).into());
    }
    let mut hasher = Sha256::new();
    std::io::copy(&mut BufReader::new(&mut file), &mut hasher)?;
    file.seek(SeekFrom::Start(0))?;
    let reader = BufReader::with_capacity(64 * 1024, file);
    Ok(verify(reader, size, hex(&hasher.finalize()), opts, sink)?)
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
            "The zip is {}; the limit is {}: a drop holds one hour of one ride, check the export's window and sample rate.",
            format_exact_bytes(size),
            format_exact_bytes(limits.max_zip_bytes)
        ),
    )
}

/// Verifies a drop held in memory, checking in the contract's order (docs/drop-format.md).
///
/// `file_name`, when given, must be the canonical name of the manifest's drop.
pub fn read_drop(
    bytes: &[u8],
    file_name: Option<&str>,
    limits: &DropLimits,
) -> Result<VerifiedDrop, DropError> {
    let opts = VerifyOptions {
        file_name,
        limits: *limits,
        received_at: None,
    };
    verify_drop_bytes(bytes, &opts)
}

/// Verifies a drop held in memory with `opts`: TypeScript's `verifyDrop`.
pub fn verify_drop_bytes(
    bytes: &[u8],
    opts: &VerifyOptions<'_>,
) -> Result<VerifiedDrop, DropError> {
    if bytes.len() as u64 > opts.limits.max_zip_bytes {
        return Err(too_large_zip(bytes.len() as u64, &opts.limits));
    }
    let mut sink = CollectSink::default();
    let sha256 = hex(&Sha256::digest(bytes));
    let drop = verify(
        Cursor::new(bytes),
        bytes.len() as u64,
        sha256,
        opts,
        &mut sink,
    )?;
    Ok(verified(drop, sink))
}

fn verified(drop: StreamedDrop, sink: CollectSink) -> VerifiedDrop {
    let mut telemetry = sink.files;
    telemetry.sort_by(|a, b| a.channel.cmp(&b.channel));
    VerifiedDrop {
        manifest: drop.head.manifest,
        sha256: drop.sha256,
        content_id: drop.content_id,
        cycles: drop.head.cycles,
        alarms: drop.head.alarms,
        counters: drop.head.counters,
        telemetry,
    }
}

/// Telemetry entries are the bulk: they are streamed, never held.
fn is_streamed(path: &str) -> bool {
    path.starts_with("telemetry/")
}

/// Everything learnt about one entry while reading it; the verdict is decided from these
/// facts afterwards, in the contract's order, whatever order the entries were read in.
struct Entry {
    size: u64,
    sha256: String,
    /// The content of a small entry; `None` for streamed telemetry.
    bytes: Option<Vec<u8>>,
}

fn verify<R: Read + Seek>(
    mut reader: R,
    len: u64,
    sha256: String,
    opts: &VerifyOptions<'_>,
    sink: &mut dyn TelemetrySink,
) -> Result<StreamedDrop, DropError> {
    let mut index = read_zip_archive(&mut reader, len, &opts.limits)?;
    check_entry_names_and_sizes(&index.entries, &opts.limits)?;
    locate_entry_data(&mut reader, &mut index)?;

    // Small entries first, so the sink has the cycles before the first sample.
    let mut entries = BTreeMap::new();
    for e in index.entries.iter().filter(|e| !is_streamed(e.name())) {
        let mut bytes = Vec::new();
        let (size, sha) = read_entry(&mut reader, e, |r| r.read_to_end(&mut bytes).map(drop))?;
        entries.insert(
            e.name().to_owned(),
            Entry {
                size,
                sha256: sha,
                bytes: Some(bytes),
            },
        );
    }
    let manifest = entries.get(MANIFEST).and_then(|e| e.bytes.as_deref()).map(
        |b| -> Result<Manifest, String> {
            check_json_bytes(MANIFEST, b)?;
            Manifest::from_json(b)
                .map_err(|e| format!("manifest.json is invalid: {e}: check the PLC export."))
        },
    );
    // Full sentences, by entry path.
    let mut schema_errors: BTreeMap<String, String> = BTreeMap::new();
    let mut head = None;
    if let Some(Ok(manifest)) = &manifest {
        let mut parsed = Parsed::default();
        for f in &manifest.files {
            if let Some(bytes) = entries.get(&f.path).and_then(|e| e.bytes.as_deref()) {
                if let Err(e) = parse_small_entry(&f.path, bytes, &mut parsed) {
                    schema_errors.insert(f.path.clone(), e);
                }
            }
        }
        if schema_errors.is_empty() {
            let h = DropHead {
                manifest: manifest.clone(),
                cycles: parsed.cycles,
                alarms: parsed.alarms,
                counters: parsed.counters,
            };
            sink.start(&h);
            head = Some(h);
        }
    }
    let listed: BTreeSet<&str> = match &manifest {
        Some(Ok(m)) => m.files.iter().map(|f| f.path.as_str()).collect(),
        _ => BTreeSet::new(),
    };

    // Sorted by path, so a sink sees the channels in the same order whatever the zip's order.
    let mut streamed: Vec<&ZipEntry> = index
        .entries
        .iter()
        .filter(|e| is_streamed(e.name()))
        .collect();
    streamed.sort_by_key(|e| e.name());
    for e in streamed {
        let name = e.name();
        // Only a listed entry of a drop whose other entries are valid is worth parsing:
        // any other problem decides the verdict before this entry's schema could.
        let channel = telemetry_channel(name);
        let parse = head.is_some() && listed.contains(name) && channel.is_some();
        let mut schema = Ok(());
        let (size, sha) = read_entry(&mut reader, e, |r| {
            if parse {
                schema = stream_telemetry_entry(&mut *r, name, channel.unwrap_or_default(), sink);
            }
            Ok(())
        })?;
        if let Err(e) = schema {
            schema_errors.insert(name.to_owned(), e);
        }
        entries.insert(
            name.to_owned(),
            Entry {
                size,
                sha256: sha,
                bytes: None,
            },
        );
    }

    let manifest = manifest
        .ok_or_else(|| {
            DropError::new(
                Code::ManifestMissing,
                "The archive has no manifest.json at its root; the PLC export must write one (see docs/drop-format.md).",
            )
        })?
        .map_err(|e| DropError::new(Code::ManifestInvalid, e))?;
    check_window_is_one_utc_hour(&manifest)?;
    check_listed_files(&manifest, &entries)?;
    let content_id = content_id(entries.iter().map(|(p, e)| (p.as_str(), e.sha256.as_str())));
    for f in &manifest.files {
        let problem = if is_streamed(&f.path) && telemetry_channel(&f.path).is_none() {
            Some(not_v1(&f.path))
        } else {
            schema_errors.remove(&f.path)
        };
        if let Some(e) = problem {
            return Err(DropError::new(Code::EntryInvalid, e));
        }
    }
    let head = head.ok_or_else(|| {
        DropError::new(
            Code::EntryInvalid,
            "An entry does not match its schema: check the PLC export.",
        )
    })?;
    if let Some(name) = opts.file_name {
        check_file_name(name, &head.manifest)?;
    }
    if let Some(received_at) = opts.received_at {
        check_window_not_in_future(&head.manifest, received_at)?;
    }
    Ok(StreamedDrop {
        head,
        sha256,
        content_id,
    })
}

/// Checks a telemetry entry's first bytes (empty, byte-order mark) as TypeScript does, then
/// streams it to `sink`; the error is a full sentence for `entry_invalid`.
fn stream_telemetry_entry(
    r: &mut dyn Read,
    path: &str,
    channel: &str,
    sink: &mut dyn TelemetrySink,
) -> Result<(), String> {
    let mut prefix = Vec::with_capacity(3);
    // A read error surfaces through the entry reader, which decides first.
    let _ = r.take(3).read_to_end(&mut prefix);
    check_json_bytes(path, &prefix)?;
    stream_telemetry(Cursor::new(prefix).chain(r), channel, sink)
        .map_err(|e| format!("{path} is invalid: {e}: check the PLC export."))
}

#[derive(Default)]
struct Parsed {
    cycles: Vec<Cycle>,
    alarms: Vec<Alarm>,
    counters: Vec<CounterSnapshot>,
}

/// Decompresses `e` through `consume`, then reads what it left, checking the entry's length,
/// CRC-32 and deflate stream; returns its size and SHA-256.
fn read_entry<R: Read + Seek>(
    zip: &mut R,
    e: &ZipEntry,
    consume: impl FnOnce(&mut dyn Read) -> std::io::Result<()>,
) -> Result<(u64, String), DropError> {
    let mut r = open_entry(zip, e)?;
    // A consumer's own error (a parse error) is not the archive's: `finish` decides.
    let _ = consume(&mut r);
    r.finish().map_err(|what| {
        DropError::new(
            Code::ZipCorrupt,
            format!(
                "{}: {what}; the archive is damaged: copy it again from the gateway, or export the window again.",
                e.name()
            ),
        )
    })
}

fn check_listed_files(
    manifest: &Manifest,
    entries: &BTreeMap<String, Entry>,
) -> Result<(), DropError> {
    let listed_entry = |path: &str| {
        entries.get(path).ok_or_else(|| {
            DropError::new(
                Code::EntryMissing,
                format!("{path} is listed in manifest.json but not in the archive: add it, or do not list it."),
            )
        })
    };
    // Sizes before hashes, as TypeScript's verifyDrop does, so both report the same code.
    for f in &manifest.files {
        let entry = listed_entry(&f.path)?;
        if entry.size != f.bytes {
            return Err(DropError::new(
                Code::SizeMismatch,
                format!(
                    "{} has {} bytes but manifest.json lists {}; the file changed after the manifest was written: write the manifest last.",
                    f.path, entry.size, f.bytes
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
                    "{} does not match the SHA-256 in manifest.json (listed {}…, actual {}…); the file changed after the manifest was written: write the manifest last.",
                    f.path,
                    &f.sha256[..12],
                    &entry.sha256[..12]
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
            " Folder entries are not allowed: create the zip without them (e.g. `zip -D`)."
        } else {
            " List it in manifest.json, or leave it out of the archive."
        };
        return Err(DropError::new(
            Code::EntryUnlisted,
            format!("{extra} is in the archive but not listed in manifest.json.{hint}"),
        ));
    }
    Ok(())
}

fn not_v1(path: &str) -> String {
    format!("{path} is not part of drop format v1 (expected cycles.json, alarms.json, counters.json or telemetry/{{channel}}.json): leave it out of the drop.")
}

/// The channel a telemetry entry's path names, if it has the v1 shape.
fn telemetry_channel(path: &str) -> Option<&str> {
    path.strip_prefix("telemetry/")
        .and_then(|p| p.strip_suffix(".json"))
        .filter(|c| !c.is_empty() && !c.contains('/'))
}

/// Every listed entry that is not telemetry must be one of v1's and match its schema; the
/// error is a full sentence.
fn parse_small_entry(path: &str, bytes: &[u8], drop: &mut Parsed) -> Result<(), String> {
    if !matches!(path, "cycles.json" | "alarms.json" | "counters.json") {
        return Err(not_v1(path));
    }
    check_json_bytes(path, bytes)?;
    let invalid = |e: String| format!("{path} is invalid: {e}: check the PLC export.");
    match path {
        "cycles.json" => drop.cycles = parse_cycles(bytes).map_err(invalid)?,
        "alarms.json" => drop.alarms = parse_alarms(bytes).map_err(invalid)?,
        _ => drop.counters = parse_counters(bytes).map_err(invalid)?,
    }
    Ok(())
}
