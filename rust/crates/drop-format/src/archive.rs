use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufReader, Cursor, Read, Seek, SeekFrom};
use std::path::Path;

use sha2::{Digest, Sha256};
use zip::ZipArchive;

use crate::content_id::{content_id, hex};
use crate::entries::{
    parse_alarms, parse_counters, parse_cycles, Alarm, CounterSnapshot, Cycle, TelemetryFile,
};
use crate::file_name::parse_drop_file_name;
use crate::limits::DropLimits;
use crate::manifest::Manifest;
use crate::rejection::{DropError, RejectionCode as Code};
use crate::telemetry_stream::{stream_telemetry, CollectSink, DropHead, TelemetrySink};

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
    let mut file = std::fs::File::open(path)?;
    let size = file.metadata()?.len();
    if size > limits.max_zip_bytes {
        return Err(too_large_zip(size, limits).into());
    }
    let mut hasher = Sha256::new();
    std::io::copy(&mut BufReader::new(&mut file), &mut hasher)?;
    file.seek(SeekFrom::Start(0))?;
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .filter(|n| parse_drop_file_name(n).is_some());
    let reader = BufReader::with_capacity(64 * 1024, file);
    Ok(verify(reader, hex(&hasher.finalize()), name, limits, sink)?)
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
    let mut sink = CollectSink::default();
    let sha256 = hex(&Sha256::digest(bytes));
    let drop = verify(Cursor::new(bytes), sha256, file_name, limits, &mut sink)?;
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
    reader: R,
    sha256: String,
    file_name: Option<&str>,
    limits: &DropLimits,
    sink: &mut dyn TelemetrySink,
) -> Result<StreamedDrop, DropError> {
    let corrupt = |e: zip::result::ZipError| {
        DropError::new(Code::ZipCorrupt, format!("the zip cannot be read: {e}"))
    };
    let mut zip = ZipArchive::new(reader).map_err(corrupt)?;
    let central = check_central_directory(&mut zip, limits)?;

    // Small entries first, so the sink has the cycles before the first sample.
    let mut entries = BTreeMap::new();
    for (i, name) in central.iter().enumerate() {
        if !is_streamed(name) {
            let mut bytes = Vec::new();
            let (size, sha) = read_entry(&mut zip, i, |r| r.read_to_end(&mut bytes).map(drop))?;
            entries.insert(
                name.clone(),
                Entry {
                    size,
                    sha256: sha,
                    bytes: Some(bytes),
                },
            );
        }
    }
    let manifest = entries
        .get(MANIFEST)
        .and_then(|e| e.bytes.as_deref())
        .map(Manifest::from_json);
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
    let mut streamed: Vec<(usize, &String)> = central
        .iter()
        .enumerate()
        .filter(|(_, n)| is_streamed(n))
        .collect();
    streamed.sort_by_key(|(_, n)| *n);
    for (i, name) in streamed {
        // Only a listed entry of a drop whose other entries are valid is worth parsing:
        // any other problem decides the verdict before this entry's schema could.
        let channel = telemetry_channel(name);
        let parse = head.is_some() && listed.contains(name.as_str()) && channel.is_some();
        let mut schema = Ok(());
        let (size, sha) = read_entry(&mut zip, i, |r| {
            if parse {
                // The telemetry reader buffers on its own.
                schema = stream_telemetry(&mut *r, channel.unwrap_or_default(), sink);
            }
            // Hash to the end even after a schema error: the hash decides first.
            std::io::copy(r, &mut std::io::sink()).map(drop)
        })?;
        if let Err(e) = schema {
            schema_errors.insert(name.clone(), e);
        }
        entries.insert(
            name.clone(),
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
                "the zip has no manifest.json at its root",
            )
        })?
        .map_err(|e| {
            DropError::new(
                Code::ManifestInvalid,
                format!("manifest.json is invalid: {e}"),
            )
        })?;
    check_listed_files(&manifest, &entries)?;
    let content_id = content_id(entries.iter().map(|(p, e)| (p.as_str(), e.sha256.as_str())));
    for f in &manifest.files {
        let problem = if is_streamed(&f.path) && telemetry_channel(&f.path).is_none() {
            Some(NOT_V1.to_owned())
        } else {
            schema_errors.remove(&f.path)
        };
        if let Some(e) = problem {
            return Err(DropError::new(
                Code::EntryInvalid,
                format!("{} is invalid: {e}", f.path),
            ));
        }
    }
    let head = head
        .ok_or_else(|| DropError::new(Code::EntryInvalid, "an entry does not match its schema"))?;
    if let Some(name) = file_name {
        check_file_name(name, &head.manifest)?;
    }
    Ok(StreamedDrop {
        head,
        sha256,
        content_id,
    })
}

#[derive(Default)]
struct Parsed {
    cycles: Vec<Cycle>,
    alarms: Vec<Alarm>,
    counters: Vec<CounterSnapshot>,
}

/// A reader that hashes and counts what passes through it.
struct Hashing<R> {
    inner: R,
    hasher: Sha256,
    bytes: u64,
    /// The first read error (a CRC mismatch shows up as one), kept because a JSON parser
    /// that meets it reports a parse error and the reader may then look finished.
    failed: Option<std::io::Error>,
}

impl<R: Read> Read for Hashing<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = match self.inner.read(buf) {
            Ok(n) => n,
            Err(e) => {
                let again = std::io::Error::new(e.kind(), e.to_string());
                self.failed.get_or_insert(e);
                return Err(again);
            }
        };
        self.hasher.update(&buf[..n]);
        self.bytes += n as u64;
        Ok(n)
    }
}

/// Decompresses entry `i` through `consume`, which must read it to the end so the zip
/// crate verifies its CRC-32; returns its size and SHA-256.
fn read_entry<R: Read + Seek>(
    zip: &mut ZipArchive<R>,
    i: usize,
    consume: impl FnOnce(&mut dyn Read) -> std::io::Result<()>,
) -> Result<(u64, String), DropError> {
    let mut f = zip
        .by_index(i)
        .map_err(|e| DropError::new(Code::ZipCorrupt, format!("the zip cannot be read: {e}")))?;
    let name = f.name().unwrap_or_default().into_owned();
    let declared = f.size();
    // Never trust the declared size: read at most one byte past it.
    let mut r = Hashing {
        inner: (&mut f).take(declared + 1),
        hasher: Sha256::new(),
        bytes: 0,
        failed: None,
    };
    let consumed = consume(&mut r);
    if let Some(e) = r.failed.take().map(Err).unwrap_or(consumed).err() {
        return Err(DropError::new(
            Code::ZipCorrupt,
            format!("entry {name} is corrupt: {e}"),
        ));
    }
    if r.bytes != declared {
        return Err(DropError::new(
            Code::ZipCorrupt,
            format!(
                "entry {name} unpacks to {} bytes but the zip declares {declared}",
                r.bytes
            ),
        ));
    }
    Ok((r.bytes, hex(&r.hasher.finalize())))
}

/// Checks names, sizes and ratios from the central directory before decompressing
/// anything; returns the entry names by index.
fn check_central_directory<R: Read + Seek>(
    zip: &mut ZipArchive<R>,
    limits: &DropLimits,
) -> Result<Vec<String>, DropError> {
    let corrupt = |e: zip::result::ZipError| {
        DropError::new(Code::ZipCorrupt, format!("the zip cannot be read: {e}"))
    };
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
    Ok(central.into_iter().map(|(name, _, _)| name).collect())
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
        if entry.size != f.bytes {
            return Err(DropError::new(
                Code::SizeMismatch,
                format!(
                    "{} has {} bytes but the manifest says {}",
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

const NOT_V1: &str = "it is not part of drop format v1 (expected cycles.json, alarms.json, counters.json or telemetry/{channel}.json)";

/// The channel a telemetry entry's path names, if it has the v1 shape.
fn telemetry_channel(path: &str) -> Option<&str> {
    path.strip_prefix("telemetry/")
        .and_then(|p| p.strip_suffix(".json"))
        .filter(|c| !c.is_empty() && !c.contains('/'))
}

/// Every listed entry that is not telemetry must be one of v1's and match its schema.
fn parse_small_entry(path: &str, bytes: &[u8], drop: &mut Parsed) -> Result<(), String> {
    match path {
        "cycles.json" => drop.cycles = parse_cycles(bytes)?,
        "alarms.json" => drop.alarms = parse_alarms(bytes)?,
        "counters.json" => drop.counters = parse_counters(bytes)?,
        _ => return Err(NOT_V1.to_owned()),
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
