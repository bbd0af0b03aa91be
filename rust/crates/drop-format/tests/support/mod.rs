//! Builds drop zips in tests. Shared by the crates' integration tests through `#[path]`.
#![allow(dead_code)]

use std::io::{Cursor, Write};

use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, ZipWriter};

/// Lowercase hex SHA-256.
pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A drop under construction: entries plus a manifest generated to list them.
#[derive(Clone, Debug)]
pub struct DropBuilder {
    pub manifest: Value,
    pub entries: Vec<(String, Vec<u8>)>,
    /// Entries written to the zip but left out of the manifest.
    pub unlisted: Vec<(String, Vec<u8>)>,
    pub compression: CompressionMethod,
    /// Replaces the generated manifest bytes when set.
    pub raw_manifest: Option<Vec<u8>>,
    /// Writes the zip entries in reverse order (the manifest stays the same).
    pub reversed: bool,
}

impl DropBuilder {
    /// A drop for `park`/`ride` of model `model` covering `[start, end)` in `timezone`.
    pub fn new(model: &str, timezone: &str, start: &str, end: &str) -> Self {
        Self {
            manifest: json!({
                "format": "zamperla.plc/v1",
                "park": "gardaland",
                "ride": "revo-1",
                "model": model,
                "plc": { "serial": "PLC-0001", "firmware": "4.2.1" },
                "timezone": timezone,
                "window": { "start": start, "end": end },
                "sequence": 7,
            }),
            entries: Vec::new(),
            unlisted: Vec::new(),
            compression: CompressionMethod::Deflated,
            raw_manifest: None,
            reversed: false,
        }
    }

    pub fn entry(mut self, path: &str, value: &Value) -> Self {
        self.entries
            .push((path.to_owned(), serde_json::to_vec(value).unwrap()));
        self
    }

    /// A telemetry channel at `rate_hz` from `start`.
    pub fn telemetry(
        self,
        channel: &str,
        unit: &str,
        rate_hz: f64,
        start: &str,
        values: &[Option<f64>],
    ) -> Self {
        let v = json!({ "channel": channel, "unit": unit, "rateHz": rate_hz, "start": start, "values": values });
        self.entry(&format!("telemetry/{channel}.json"), &v)
    }

    /// The manifest as it will be written.
    pub fn manifest_bytes(&self) -> Vec<u8> {
        if let Some(raw) = &self.raw_manifest {
            return raw.clone();
        }
        let mut m = self.manifest.clone();
        let files: Vec<Value> = self
            .entries
            .iter()
            .map(|(p, b)| json!({ "path": p, "sha256": sha256_hex(b), "bytes": b.len() }))
            .collect();
        m["files"] = Value::Array(files);
        serde_json::to_vec_pretty(&m).unwrap()
    }

    /// The zip's bytes: manifest, entries, unlisted entries (or the reverse).
    pub fn build(&self) -> Vec<u8> {
        let mut zip = ZipWriter::new(Cursor::new(Vec::new()));
        let opts = SimpleFileOptions::default().compression_method(self.compression);
        let manifest = self.manifest_bytes();
        let all = std::iter::once(("manifest.json", manifest.as_slice()))
            .chain(self.entries.iter().map(|(p, b)| (p.as_str(), b.as_slice())))
            .chain(
                self.unlisted
                    .iter()
                    .map(|(p, b)| (p.as_str(), b.as_slice())),
            );
        for (path, bytes) in all {
            zip.start_file(path, opts).unwrap();
            zip.write_all(bytes).unwrap();
        }
        zip.finish().unwrap().into_inner()
    }
}

/// Flips one byte of `needle`'s first occurrence in `zip` (use with stored entries).
pub fn corrupt(mut zip: Vec<u8>, needle: &[u8]) -> Vec<u8> {
    let at = zip
        .windows(needle.len())
        .position(|w| w == needle)
        .expect("needle in zip");
    zip[at] ^= 0x20;
    zip
}
