//! Runs every drop of `shared/test-vectors/` through the crate, with the vector's file name,
//! limits and reception time, and checks the verdict that `expected.json` records (the one
//! TypeScript's `verifyDrop` reaches), so the two validators cannot disagree silently.

use std::path::PathBuf;

use drop_format::{
    parse_utc_instant, verify_drop_bytes, verify_drop_file, DropLimits, NullSink, ReadDropError,
    VerifyOptions,
};
use serde_json::Value;

fn vectors_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/test-vectors")
}

/// The vector's limit overrides (TypeScript's names) over the defaults.
fn limits_of(v: &Value) -> DropLimits {
    let d = DropLimits::default();
    let get = |key: &str, default: u64| v[key].as_u64().unwrap_or(default);
    DropLimits {
        max_zip_bytes: get("maxZipBytes", d.max_zip_bytes),
        max_entries: get("maxEntries", d.max_entries as u64) as usize,
        max_entry_bytes: get("maxEntryBytes", d.max_entry_bytes),
        max_total_bytes: get("maxTotalBytes", d.max_total_bytes),
        max_ratio: get("maxRatio", d.max_ratio),
        ratio_check_above_bytes: get("ratioCheckAboveBytes", d.ratio_check_above_bytes),
    }
}

#[test]
fn every_rejection_code_has_a_vector() {
    let expected: Value =
        serde_json::from_slice(&std::fs::read(vectors_dir().join("expected.json")).unwrap())
            .unwrap();
    let codes: std::collections::BTreeSet<&str> = expected["vectors"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|v| v["code"].as_str())
        .collect();
    for code in [
        "too_large",
        "zip_corrupt",
        "zip64",
        "unsafe_entry_name",
        "zip_bomb",
        "manifest_missing",
        "manifest_invalid",
        "window_not_hour",
        "entry_missing",
        "size_mismatch",
        "hash_mismatch",
        "entry_unlisted",
        "entry_invalid",
        "name_mismatch",
        "window_in_future",
    ] {
        assert!(codes.contains(code), "no vector for {code}");
    }
}

#[test]
fn the_limits_are_the_numbers_of_drop_limits_json() {
    // The one source both sides read (TypeScript directly, Rust through limits_generated.rs).
    let path =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/src/drop/drop-limits.json");
    let file: Value = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
    let d = DropLimits::default();
    assert_eq!(file["maxZipBytes"].as_u64(), Some(d.max_zip_bytes));
    assert_eq!(file["maxEntries"].as_u64(), Some(d.max_entries as u64));
    assert_eq!(file["maxEntryBytes"].as_u64(), Some(d.max_entry_bytes));
    assert_eq!(file["maxTotalBytes"].as_u64(), Some(d.max_total_bytes));
    assert_eq!(file["maxRatio"].as_u64(), Some(d.max_ratio));
    assert_eq!(
        file["ratioCheckAboveBytes"].as_u64(),
        Some(d.ratio_check_above_bytes)
    );
    assert_eq!(
        file["maxWindowStartAfterReceivedMs"].as_i64(),
        Some(drop_format::MAX_WINDOW_START_AFTER_RECEIVED_MS)
    );
}

#[test]
fn judges_every_shared_test_vector_as_typescript_does() {
    let dir = vectors_dir();
    let expected: Value =
        serde_json::from_slice(&std::fs::read(dir.join("expected.json")).unwrap()).unwrap();
    assert_eq!(expected["format"], "zamperla.drop-test-vectors/v1");
    let vectors = expected["vectors"].as_array().unwrap();
    // Guards against an empty or half-read folder making this test pass vacuously.
    assert!(vectors.len() >= 20, "only {} vectors", vectors.len());

    let mut disagreements = Vec::new();
    for v in vectors {
        let file = v["file"].as_str().unwrap();
        let bytes = std::fs::read(dir.join("drops").join(file)).unwrap();
        let opts = VerifyOptions {
            file_name: v["fileName"].as_str(),
            limits: limits_of(&v["limits"]),
            received_at: v["receivedAt"]
                .as_str()
                .map(|t| parse_utc_instant(t).expect("receivedAt is an instant")),
        };
        let verdict = verify_drop_bytes(&bytes, &opts);
        // The streaming reader over a file (what the postprocessor uses) judges alike.
        let streamed = verify_drop_file(&dir.join("drops").join(file), &opts, &mut NullSink);
        let code = |r: Result<(), String>| r.err();
        let from_file = code(streamed.map(drop).map_err(|e| match e {
            ReadDropError::Invalid(e) => e.code.as_str().to_owned(),
            ReadDropError::Io(e) => format!("io: {e}"),
        }));
        let from_bytes = code(
            verdict
                .as_ref()
                .map(|_| ())
                .map_err(|e| e.code.as_str().to_owned()),
        );
        if from_file != from_bytes {
            disagreements.push(format!(
                "{file}: from the file {from_file:?}, from memory {from_bytes:?}"
            ));
        }
        match (v["ok"].as_bool().unwrap(), verdict) {
            (true, Ok(drop)) => {
                for (key, got) in [("sha256", &drop.sha256), ("contentId", &drop.content_id)] {
                    if let Some(want) = v[key].as_str() {
                        if want != got {
                            disagreements.push(format!("{file}: {key} {got}, expected {want}"));
                        }
                    }
                }
            }
            (true, Err(e)) => disagreements.push(format!(
                "{file}: rejected ({}: {}), expected valid",
                e.code.as_str(),
                e.message
            )),
            (false, Ok(_)) => disagreements.push(format!(
                "{file}: accepted, expected {}",
                v["code"].as_str().unwrap()
            )),
            (false, Err(e)) => {
                let want = v["code"].as_str().unwrap();
                if e.code.as_str() != want {
                    disagreements.push(format!(
                        "{file}: code {} ({}), expected {want}",
                        e.code.as_str(),
                        e.message
                    ));
                }
            }
        }
    }
    assert!(disagreements.is_empty(), "{}", disagreements.join("\n"));
}
