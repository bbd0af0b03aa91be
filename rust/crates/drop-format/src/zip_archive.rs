//! The zip structure rules of `docs/drop-format.md` ("The archive"), read by hand rather
//! than through a zip library: TypeScript's `zip-archive.ts` applies the very same rules in
//! the same order, so the two verifiers cannot disagree on a damaged or unusual archive
//! because two libraries happen to read it differently.

use std::io::{BufReader, Read, Seek, SeekFrom, Take};

use flate2::bufread::DeflateDecoder;
use sha2::{Digest, Sha256};

use crate::content_id::hex;
use crate::limits::DropLimits;
use crate::rejection::{format_bytes, format_exact_bytes, DropError, RejectionCode as Code};

const EOCD_SIGNATURE: u32 = 0x0605_4b50;
const EOCD_BYTES: u64 = 22;
const MAX_COMMENT_BYTES: u64 = 0xffff;
const ZIP64_LOCATOR_SIGNATURE: u32 = 0x0706_4b50;
const ZIP64_LOCATOR_BYTES: u64 = 20;
const CENTRAL_SIGNATURE: u32 = 0x0201_4b50;
const CENTRAL_BYTES: usize = 46;
const LOCAL_SIGNATURE: u32 = 0x0403_4b50;
const LOCAL_BYTES: u64 = 30;
const ZIP64_EXTRA_ID: u16 = 0x0001;
const U16_MAX: u16 = 0xffff;
const U32_MAX: u32 = 0xffff_ffff;
const FLAG_ENCRYPTED: u16 = 1;
const METHOD_STORED: u16 = 0;
const METHOD_DEFLATED: u16 = 8;

/// One entry as the central directory declares it.
#[derive(Debug, Clone)]
pub(crate) struct ZipEntry {
    /// The name, or `None` when its bytes are not UTF-8.
    pub name: Option<String>,
    name_bytes: Vec<u8>,
    flags: u16,
    method: u16,
    crc: u32,
    pub compressed_size: u64,
    pub size: u64,
    local_offset: u64,
    /// Where the entry's data starts; set by [`locate_entry_data`].
    data_offset: u64,
}

impl ZipEntry {
    /// The entry's name; valid after [`check_entry_names_and_sizes`].
    pub fn name(&self) -> &str {
        self.name.as_deref().unwrap_or_default()
    }
}

/// The central directory of an archive that passed the structure rules.
pub(crate) struct ZipIndex {
    pub entries: Vec<ZipEntry>,
    /// Offset of the central directory: every entry's data lies before it.
    central_offset: u64,
}

fn u16_at(b: &[u8], at: usize) -> u16 {
    u16::from_le_bytes([b[at], b[at + 1]])
}

fn u32_at(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

fn damaged(what: &str) -> DropError {
    DropError::new(
        Code::ZipCorrupt,
        format!("The file is not a readable zip archive: {what}. It may be truncated or damaged: copy it again from the gateway, or export the window again."),
    )
}

fn zip64(what: &str) -> DropError {
    DropError::new(
        Code::Zip64,
        format!("The archive uses zip64 extensions ({what}); drops are far below 4 GiB and must be plain zip files: turn zip64 off in the PLC's export (e.g. Info-ZIP `zip -fz-`)."),
    )
}

/// An I/O error while reading the archive: for a file that changes or vanishes under us.
fn unreadable(e: &std::io::Error) -> DropError {
    damaged(&format!("it cannot be read ({e})"))
}

/// Reads exactly `n` bytes at `offset`; the caller made sure they lie inside the file.
fn read_at<R: Read + Seek>(r: &mut R, offset: u64, n: usize) -> Result<Vec<u8>, DropError> {
    let mut buf = vec![0; n];
    r.seek(SeekFrom::Start(offset))
        .and_then(|_| r.read_exact(&mut buf))
        .map_err(|e| unreadable(&e))?;
    Ok(buf)
}

/// Whether an extra field holds a zip64 record; stops at the first record that overruns it.
fn has_zip64_extra(extra: &[u8]) -> bool {
    let mut at = 0;
    while at + 4 <= extra.len() {
        let id = u16_at(extra, at);
        let size = usize::from(u16_at(extra, at + 2));
        if at + 4 + size > extra.len() {
            return false;
        }
        if id == ZIP64_EXTRA_ID {
            return true;
        }
        at += 4 + size;
    }
    false
}

/// Reads the central directory (nothing is inflated): the end record, zip64 markers, one
/// disk, the entry count against the limit, then every central header in order. Rejects
/// with `zip_corrupt`, `zip64` or `too_large`.
pub(crate) fn read_zip_archive<R: Read + Seek>(
    r: &mut R,
    len: u64,
    limits: &DropLimits,
) -> Result<ZipIndex, DropError> {
    if len == 0 {
        return Err(DropError::new(
            Code::ZipCorrupt,
            "The file is empty (0 bytes): the PLC export or the copy did not finish. Export the window again.",
        ));
    }
    if len < EOCD_BYTES {
        return Err(damaged("it has no end-of-central-directory record"));
    }
    // The end record, its comment and the zip64 locator just before it.
    let tail_len = len.min(EOCD_BYTES + MAX_COMMENT_BYTES + ZIP64_LOCATOR_BYTES);
    let tail_start = len - tail_len;
    let tail = read_at(r, tail_start, tail_len as usize)?;
    let last = tail.len() - EOCD_BYTES as usize;
    let first = (len - EOCD_BYTES).saturating_sub(MAX_COMMENT_BYTES) - tail_start;
    let at = (first as usize..=last)
        .rev()
        .find(|&at| {
            u32_at(&tail, at) == EOCD_SIGNATURE
                && (at + EOCD_BYTES as usize + usize::from(u16_at(&tail, at + 20))) == tail.len()
        })
        .ok_or_else(|| damaged("it has no end-of-central-directory record"))?;
    let end = tail_start + at as u64;
    if end >= ZIP64_LOCATOR_BYTES
        && u32_at(&tail, at - ZIP64_LOCATOR_BYTES as usize) == ZIP64_LOCATOR_SIGNATURE
    {
        return Err(zip64("a zip64 end-of-central-directory locator"));
    }
    let disk = u16_at(&tail, at + 4);
    let central_disk = u16_at(&tail, at + 6);
    let disk_entries = u16_at(&tail, at + 8);
    let total_entries = u16_at(&tail, at + 10);
    let central_size = u32_at(&tail, at + 12);
    let central_offset = u32_at(&tail, at + 16);
    if [disk, central_disk, disk_entries, total_entries].contains(&U16_MAX)
        || central_size == U32_MAX
        || central_offset == U32_MAX
    {
        return Err(zip64("the end record defers to a zip64 record"));
    }
    if disk != 0 || central_disk != 0 || disk_entries != total_entries {
        return Err(damaged(
            "it claims to be part of a split (multi-disk) archive",
        ));
    }
    if usize::from(total_entries) > limits.max_entries {
        return Err(DropError::new(
            Code::TooLarge,
            format!(
                "The archive holds {total_entries} entries; at most {} are allowed: a drop holds one hour of one ride (the manifest, cycles, alarms, counters and one file per channel).",
                limits.max_entries
            ),
        ));
    }
    let (central_offset, central_size) = (u64::from(central_offset), u64::from(central_size));
    if central_offset + central_size != end {
        return Err(damaged(
            "its central directory is not where its end record says",
        ));
    }
    let central = read_at(r, central_offset, central_size as usize)?;
    let mut entries = Vec::with_capacity(usize::from(total_entries));
    let mut at = 0usize;
    for i in 1..=usize::from(total_entries) {
        if at + CENTRAL_BYTES > central.len() || u32_at(&central, at) != CENTRAL_SIGNATURE {
            return Err(damaged(&format!(
                "central directory entry {i} is missing or damaged"
            )));
        }
        let name_len = usize::from(u16_at(&central, at + 28));
        let extra_len = usize::from(u16_at(&central, at + 30));
        let comment_len = usize::from(u16_at(&central, at + 32));
        let next = at + CENTRAL_BYTES + name_len + extra_len + comment_len;
        if next > central.len() {
            return Err(damaged(&format!(
                "central directory entry {i} runs past the directory"
            )));
        }
        let compressed_size = u32_at(&central, at + 20);
        let size = u32_at(&central, at + 24);
        let disk_start = u16_at(&central, at + 34);
        let local_offset = u32_at(&central, at + 42);
        let name_start = at + CENTRAL_BYTES;
        let name_bytes = central[name_start..name_start + name_len].to_vec();
        let extra = &central[name_start + name_len..name_start + name_len + extra_len];
        if compressed_size == U32_MAX
            || size == U32_MAX
            || local_offset == U32_MAX
            || disk_start == U16_MAX
            || has_zip64_extra(extra)
        {
            return Err(zip64(&format!("entry {i} has zip64 sizes")));
        }
        if disk_start != 0 {
            return Err(damaged(&format!(
                "entry {i} claims to start on another disk"
            )));
        }
        entries.push(ZipEntry {
            name: String::from_utf8(name_bytes.clone()).ok(),
            name_bytes,
            flags: u16_at(&central, at + 8),
            method: u16_at(&central, at + 10),
            crc: u32_at(&central, at + 16),
            compressed_size: u64::from(compressed_size),
            size: u64::from(size),
            local_offset: u64::from(local_offset),
            data_offset: 0,
        });
        at = next;
    }
    if at != central.len() {
        return Err(damaged("its central directory is longer than its entries"));
    }
    Ok(ZipIndex {
        entries,
        central_offset,
    })
}

/// From the central directory, before anything is inflated: every name is safe and unique
/// (`unsafe_entry_name`), then per entry the ratio (`zip_bomb`) and size (`too_large`),
/// then the total size (`too_large`).
pub(crate) fn check_entry_names_and_sizes(
    entries: &[ZipEntry],
    limits: &DropLimits,
) -> Result<(), DropError> {
    let mut seen = std::collections::BTreeSet::new();
    for e in entries {
        let Some(name) = e.name.as_deref() else {
            return Err(DropError::new(
                Code::UnsafeEntryName,
                "An entry name is not UTF-8 text; write entry names in UTF-8 (plain ASCII such as \"telemetry/brake.pressure.json\").",
            ));
        };
        if let Some(why) = unsafe_entry_name_reason(name) {
            return Err(DropError::new(
                Code::UnsafeEntryName,
                format!("Entry \"{name}\" {why}; a drop may only hold relative paths inside the archive, such as \"telemetry/brake.pressure.json\"."),
            ));
        }
        // Two entries with one name would let two readers see different content.
        if !seen.insert(name) {
            return Err(DropError::new(
                Code::UnsafeEntryName,
                format!("Entry \"{name}\" appears twice in the archive; write each file once."),
            ));
        }
    }
    let mut total = 0u64;
    for e in entries {
        let name = e.name();
        if e.size > limits.ratio_check_above_bytes {
            let ratio = e.size / e.compressed_size.max(1);
            if ratio > limits.max_ratio {
                return Err(DropError::new(
                    Code::ZipBomb,
                    format!(
                        "{name}: {} compressed into {} (ratio {ratio}, limit {}); this looks like a zip bomb, not PLC data: check what the PLC export writes into this file.",
                        format_bytes(e.size),
                        format_bytes(e.compressed_size),
                        limits.max_ratio
                    ),
                ));
            }
        }
        if e.size > limits.max_entry_bytes {
            return Err(DropError::new(
                Code::TooLarge,
                format!(
                    "{name} is {} uncompressed; one entry may be at most {}: a drop holds one hour of one ride, check the export's window and sample rate.",
                    format_exact_bytes(e.size),
                    format_exact_bytes(limits.max_entry_bytes)
                ),
            ));
        }
        total += e.size;
    }
    if total > limits.max_total_bytes {
        return Err(DropError::new(
            Code::TooLarge,
            format!(
                "The entries add up to {} uncompressed; the limit is {}: a drop holds one hour of one ride, check the export's window and sample rate.",
                format_exact_bytes(total),
                format_exact_bytes(limits.max_total_bytes)
            ),
        ));
    }
    Ok(())
}

/// Why an entry name could escape a folder, as TypeScript's `unsafeEntryNameReason`.
pub(crate) fn unsafe_entry_name_reason(name: &str) -> Option<&'static str> {
    let b = name.as_bytes();
    if name.is_empty() {
        Some("has an empty name")
    } else if name.contains('\0') {
        Some("contains a NUL character")
    } else if name.contains('\\') {
        Some("contains a backslash (use forward slashes)")
    } else if b[0] == b'/' {
        Some("is an absolute path")
    } else if b.len() >= 2 && b[0].is_ascii_alphabetic() && b[1] == b':' {
        Some("starts with a drive letter")
    } else if name.contains("..") {
        Some("contains \"..\" and could escape the archive folder")
    } else {
        None
    }
}

/// Per entry, in archive order and before anything is inflated: not encrypted, stored or
/// deflated, a local header with the same name, and the compressed data inside the file
/// before the central directory. Sets every entry's data offset.
pub(crate) fn locate_entry_data<R: Read + Seek>(
    r: &mut R,
    index: &mut ZipIndex,
) -> Result<(), DropError> {
    let central_offset = index.central_offset;
    for e in &mut index.entries {
        let name = e.name().to_owned();
        if e.flags & FLAG_ENCRYPTED != 0 {
            return Err(DropError::new(
                Code::ZipCorrupt,
                format!("{name} is encrypted; drops must not be password protected: turn encryption off in the PLC's export."),
            ));
        }
        if e.method != METHOD_STORED && e.method != METHOD_DEFLATED {
            return Err(DropError::new(
                Code::ZipCorrupt,
                format!(
                    "{name} uses compression method {}; only stored (0) and deflate (8) are supported: choose deflate in the PLC's export.",
                    e.method
                ),
            ));
        }
        let at = e.local_offset;
        let missing = || damaged(&format!("the local header of {name} is missing"));
        if at + LOCAL_BYTES > central_offset {
            return Err(missing());
        }
        let header = read_at(r, at, LOCAL_BYTES as usize)?;
        if u32_at(&header, 0) != LOCAL_SIGNATURE {
            return Err(missing());
        }
        let name_len = u64::from(u16_at(&header, 26));
        let extra_len = u64::from(u16_at(&header, 28));
        let data_offset = at + LOCAL_BYTES + name_len + extra_len;
        if data_offset > central_offset {
            return Err(damaged(&format!("the local header of {name} is cut short")));
        }
        if read_at(r, at + LOCAL_BYTES, name_len as usize)? != e.name_bytes {
            return Err(damaged(&format!(
                "the local header of {name} names another file"
            )));
        }
        if data_offset + e.compressed_size > central_offset {
            return Err(damaged(&format!(
                "only part of the {} of compressed data of {name} is present",
                format_bytes(e.compressed_size)
            )));
        }
        e.data_offset = data_offset;
    }
    Ok(())
}

/// The decompressed bytes of one entry.
enum Source<'a, R> {
    Stored(Take<&'a mut R>),
    Deflated(DeflateDecoder<BufReader<Take<&'a mut R>>>),
}

impl<R: Read> Read for Source<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        match self {
            Self::Stored(r) => r.read(buf),
            Self::Deflated(r) => r.read(buf),
        }
    }
}

/// Reads one located entry: inflates it, never past its declared size, while counting,
/// checksumming (CRC-32) and hashing (SHA-256) what comes out; [`EntryReader::finish`]
/// then checks the length, the CRC-32 and that the deflate stream ended exactly at the end
/// of the compressed data.
pub(crate) struct EntryReader<'a, R> {
    source: Source<'a, R>,
    declared: u64,
    compressed: u64,
    crc_expected: u32,
    crc: flate2::Crc,
    sha: Sha256,
    bytes: u64,
    /// The first read error, kept because a JSON parser that meets it reports a parse error
    /// and the reader may then look finished.
    failed: Option<String>,
}

/// Opens a located entry for reading.
pub(crate) fn open_entry<'a, R: Read + Seek>(
    r: &'a mut R,
    e: &ZipEntry,
) -> Result<EntryReader<'a, R>, DropError> {
    r.seek(SeekFrom::Start(e.data_offset))
        .map_err(|err| unreadable(&err))?;
    let raw = r.take(e.compressed_size);
    let source = if e.method == METHOD_STORED {
        Source::Stored(raw)
    } else {
        Source::Deflated(DeflateDecoder::new(BufReader::with_capacity(
            64 * 1024,
            raw,
        )))
    };
    Ok(EntryReader {
        source,
        declared: e.size,
        compressed: e.compressed_size,
        crc_expected: e.crc,
        crc: flate2::Crc::new(),
        sha: Sha256::new(),
        bytes: 0,
        failed: None,
    })
}

impl<R: Read> Read for EntryReader<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let fail = |this: &mut Self, what: String| {
            let e = std::io::Error::new(std::io::ErrorKind::InvalidData, what.clone());
            this.failed.get_or_insert(what);
            Err(e)
        };
        if let Some(what) = &self.failed {
            let what = what.clone();
            return fail(self, what);
        }
        let n = match self.source.read(buf) {
            Ok(n) => n,
            Err(_) => return fail(self, "its compressed data is invalid or cut short".into()),
        };
        self.bytes += n as u64;
        if self.bytes > self.declared {
            let what = format!(
                "it inflates to more than the {} bytes its header declares",
                self.declared
            );
            return fail(self, what);
        }
        self.crc.update(&buf[..n]);
        self.sha.update(&buf[..n]);
        Ok(n)
    }
}

impl<R: Read> EntryReader<'_, R> {
    /// Reads what the consumer left, then checks the entry; returns its size and SHA-256,
    /// or what is wrong (for `zip_corrupt`).
    pub fn finish(mut self) -> Result<(u64, String), String> {
        if self.failed.is_none() {
            // Drain (hashing, checking) whatever the consumer did not read.
            let _ = std::io::copy(&mut self, &mut std::io::sink());
        }
        if let Some(what) = self.failed {
            return Err(what);
        }
        if let Source::Deflated(d) = &self.source {
            if d.total_in() != self.compressed {
                return Err("bytes follow the end of its compressed data".into());
            }
        }
        if self.bytes != self.declared {
            return Err(format!(
                "it holds {} bytes but its header declares {}",
                self.bytes, self.declared
            ));
        }
        if self.crc.sum() != self.crc_expected {
            return Err("its CRC-32 check failed".into());
        }
        Ok((self.bytes, hex(&self.sha.finalize())))
    }
}
