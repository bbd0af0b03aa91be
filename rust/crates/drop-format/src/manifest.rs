use serde::Deserialize;

use crate::instant::UtcInstant;
use crate::json_text::{require_array, require_object};
use crate::text::{is_safe_entry_path, is_sha256_hex, is_slug, js_len};

/// The value of `manifest.format` for drop format version 1.
pub const DROP_FORMAT: &str = "zamperla.plc/v1";

/// `manifest.json`: who produced the drop, for which window, and what else it holds.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    /// Always [`DROP_FORMAT`].
    pub format: String,
    /// Park id (slug).
    pub park: String,
    /// Ride id (slug).
    pub ride: String,
    /// Ride model id (slug), the key into the ride-models file.
    pub model: String,
    /// The PLC that wrote the drop.
    pub plc: Plc,
    /// The park's IANA time zone, e.g. `Europe/Rome`.
    pub timezone: String,
    /// The UTC window the drop covers, end exclusive.
    pub window: Window,
    /// Per ride, increasing.
    #[serde(deserialize_with = "crate::int::non_negative")]
    pub sequence: u64,
    /// Every other entry of the zip, with its size and SHA-256.
    pub files: Vec<ManifestFile>,
}

/// The PLC's identity.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Plc {
    /// Serial number.
    pub serial: String,
    /// Firmware version.
    pub firmware: String,
}

/// A UTC time window, start inclusive, end exclusive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Window {
    /// First instant covered.
    pub start: UtcInstant,
    /// First instant no longer covered.
    pub end: UtcInstant,
}

/// One listed entry.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ManifestFile {
    /// Path inside the archive.
    pub path: String,
    /// Lowercase hex SHA-256 of the entry's uncompressed bytes.
    pub sha256: String,
    /// Uncompressed size in bytes.
    #[serde(deserialize_with = "crate::int::non_negative")]
    pub bytes: u64,
}

impl Manifest {
    /// Parses and validates `manifest.json`; the error names the first problem.
    pub fn from_json(bytes: &[u8]) -> Result<Self, String> {
        let m: Manifest = serde_json::from_slice(bytes).map_err(|e| e.to_string())?;
        // serde's derived structs also read arrays; zod's objects do not.
        let v: serde_json::Value = serde_json::from_slice(bytes).map_err(|e| e.to_string())?;
        require_object(&v, "the manifest")?;
        require_object(&v["plc"], "plc")?;
        require_object(&v["window"], "window")?;
        for (i, f) in require_array(&v["files"], "files")?.iter().enumerate() {
            require_object(f, &format!("files[{i}]"))?;
        }
        m.validate()?;
        Ok(m)
    }

    /// The checks that serde's shape cannot express (the refinements of the zod schema).
    pub fn validate(&self) -> Result<(), String> {
        if self.format != DROP_FORMAT {
            return Err(format!(
                "format must be {DROP_FORMAT:?}, got {:?}",
                self.format
            ));
        }
        for (field, value) in [
            ("park", &self.park),
            ("ride", &self.ride),
            ("model", &self.model),
        ] {
            if !is_slug(value) {
                return Err(format!(
                    "{field} {value:?}: use lowercase letters, digits and dashes (max 63)"
                ));
            }
        }
        for (field, value) in [
            ("plc.serial", &self.plc.serial),
            ("plc.firmware", &self.plc.firmware),
        ] {
            if !(1..=64).contains(&js_len(value)) {
                return Err(format!("{field} must have 1 to 64 characters"));
            }
        }
        // Case-insensitive, as JavaScript's Intl (what the zod schema asks) accepts zones.
        if chrono_tz::Tz::from_str_insensitive(&self.timezone).is_err() {
            return Err(format!(
                "timezone {:?}: expected an IANA time zone such as Europe/Rome",
                self.timezone
            ));
        }
        if self.window.start >= self.window.end {
            return Err("window.start must be before window.end".into());
        }
        if !(1..=64).contains(&self.files.len()) {
            return Err(format!(
                "files must list 1 to 64 entries, got {}",
                self.files.len()
            ));
        }
        let mut listed = std::collections::BTreeSet::new();
        for (i, f) in self.files.iter().enumerate() {
            if f.path == "manifest.json" {
                return Err(format!("files[{i}] lists manifest.json itself"));
            }
            if !listed.insert(f.path.as_str()) {
                return Err(format!("files[{i}] lists {:?} a second time", f.path));
            }
            if !is_safe_entry_path(&f.path) {
                return Err(format!("files[{i}].path {:?}: unsafe entry path", f.path));
            }
            if !is_sha256_hex(&f.sha256) {
                return Err(format!(
                    "files[{i}].sha256: expected a lowercase hex SHA-256"
                ));
            }
        }
        Ok(())
    }

    /// The park's time zone; valid after [`Manifest::validate`].
    pub fn tz(&self) -> Option<chrono_tz::Tz> {
        chrono_tz::Tz::from_str_insensitive(&self.timezone).ok()
    }
}
