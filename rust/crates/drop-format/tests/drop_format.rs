//! Reading and validating drop zips as the contract says.

#[path = "support/mod.rs"]
mod support;

use drop_format::{read_drop, DropLimits, RejectionCode};
use serde_json::json;
use support::DropBuilder;
use zip::CompressionMethod;

fn valid() -> DropBuilder {
    DropBuilder::new("discovery-revolution", "Europe/Rome", "2026-06-01T08:00:00Z", "2026-06-01T09:00:00Z")
        .entry(
            "cycles.json",
            &json!([{ "id": "c1", "start": "2026-06-01T08:00:10Z", "end": "2026-06-01T08:02:40Z",
                      "mode": "auto", "outcome": "completed", "riders": 38 }]),
        )
        .entry("alarms.json", &json!([]))
        .entry(
            "counters.json",
            &json!([{ "at": "2026-06-01T08:00:00Z", "operatingHours": 1200.5, "cycleCounter": 4.0, "powerOnHours": 1500 }]),
        )
        .telemetry("main_motor.current", "A", 1.0, "2026-06-01T08:00:00Z", &[Some(12.0), None, Some(310.0)])
}

fn code(b: &DropBuilder, limits: &DropLimits) -> RejectionCode {
    read_drop(&b.build(), None, limits)
        .expect_err("drop should be rejected")
        .code
}

#[test]
fn accepts_a_valid_drop_and_parses_its_entries() {
    let d = read_drop(
        &valid().build(),
        Some("gardaland_revo-1_20260601T080000Z_7.zip"),
        &DropLimits::default(),
    )
    .unwrap();
    assert_eq!(d.cycles.len(), 1);
    assert_eq!(
        d.counters[0].cycle_counter, 4,
        "4.0 is an integer, as in JavaScript"
    );
    assert_eq!(d.telemetry[0].values, vec![Some(12.0), None, Some(310.0)]);
    assert_eq!(d.sha256.len(), 64);

    let mut lower = valid();
    lower.manifest["timezone"] = json!("europe/rome");
    assert!(
        read_drop(&lower.build(), None, &DropLimits::default()).is_ok(),
        "Intl accepts any case"
    );
}

#[test]
fn content_id_ignores_compression_and_entry_order() {
    let a = valid();
    let mut b = valid();
    b.reversed = true;
    b.compression = CompressionMethod::Stored;
    let limits = DropLimits::default();
    let (da, db) = (
        read_drop(&a.build(), None, &limits).unwrap(),
        read_drop(&b.build(), None, &limits).unwrap(),
    );
    assert_ne!(da.sha256, db.sha256, "different zip bytes");
    assert_eq!(da.content_id, db.content_id, "same content");

    let mut lines: Vec<String> = std::iter::once(("manifest.json".to_owned(), a.manifest_bytes()))
        .chain(a.entries.iter().cloned())
        .map(|(p, bytes)| format!("{p}\t{}\n", support::sha256_hex(&bytes)))
        .collect();
    lines.sort();
    assert_eq!(
        da.content_id,
        support::sha256_hex(lines.concat().as_bytes())
    );
}

#[test]
fn rejects_each_kind_of_bad_drop_with_its_code() {
    let limits = DropLimits::default();
    let mut unlisted = valid();
    unlisted
        .unlisted
        .push(("extra.json".into(), b"{}".to_vec()));
    assert_eq!(code(&unlisted, &limits), RejectionCode::EntryUnlisted);

    let mut slip = valid();
    slip.unlisted.push(("../evil.json".into(), b"{}".to_vec()));
    assert_eq!(code(&slip, &limits), RejectionCode::UnsafeEntryName);

    let mut no_manifest_schema = valid();
    no_manifest_schema.manifest["timezone"] = json!("Mars/Olympus");
    assert_eq!(
        code(&no_manifest_schema, &limits),
        RejectionCode::ManifestInvalid
    );

    let mut bad_cycle = valid();
    bad_cycle.entries[0].1 = br#"[{"id":"c1","start":"2026-06-01T08:00:10+02:00","end":"2026-06-01T08:02:40Z","mode":"auto","outcome":"completed","riders":1}]"#.to_vec();
    assert_eq!(code(&bad_cycle, &limits), RejectionCode::EntryInvalid);

    let wrong_channel = valid().entry(
        "telemetry/brake.pressure.json",
        &json!({ "channel": "gondola.speed", "unit": "bar", "rateHz": 1, "start": "2026-06-01T08:00:00Z", "values": [] }),
    );
    assert_eq!(code(&wrong_channel, &limits), RejectionCode::EntryInvalid);

    let foreign = valid().entry("notes.json", &json!({}));
    assert_eq!(
        code(&foreign, &limits),
        RejectionCode::EntryInvalid,
        "not part of format v1"
    );

    let mut backwards = valid();
    backwards.entries[0].1 = br#"[{"id":"c1","start":"2026-06-01T08:00:10Z","end":"2026-06-01T08:00:09Z","mode":"auto","outcome":"completed","riders":1}]"#.to_vec();
    assert_eq!(code(&backwards, &limits), RejectionCode::EntryInvalid);

    // The zip writer refuses duplicate names, so write a twin under another name and rename it.
    let mut twice = valid();
    twice.unlisted.push(("cyclez.json".into(), b"[]".to_vec()));
    let zip = twice.build();
    let mut patched = Vec::with_capacity(zip.len());
    let mut rest = zip.as_slice();
    while let Some(at) = rest.windows(11).position(|w| w == b"cyclez.json") {
        patched.extend_from_slice(&rest[..at]);
        patched.extend_from_slice(b"cycles.json");
        rest = &rest[at + 11..];
    }
    patched.extend_from_slice(rest);
    let err = read_drop(&patched, None, &limits).unwrap_err();
    assert_eq!(err.code, RejectionCode::UnsafeEntryName, "{}", err.message);

    let mut stored = valid();
    stored.compression = CompressionMethod::Stored;
    let zip = support::corrupt(stored.build(), b"\"c1\"");
    let err = read_drop(&zip, None, &limits).unwrap_err();
    assert_eq!(err.code, RejectionCode::ZipCorrupt, "{}", err.message);

    let err = read_drop(b"PK\x03\x04 not really a zip", None, &limits).unwrap_err();
    assert_eq!(err.code, RejectionCode::ZipCorrupt);

    let mut no_manifest = valid();
    no_manifest.raw_manifest = Some(b"{".to_vec());
    assert_eq!(code(&no_manifest, &limits), RejectionCode::ManifestInvalid);
}

#[test]
fn rejects_listed_files_that_differ_from_the_manifest() {
    let limits = DropLimits::default();
    let b = valid();
    let mut m: serde_json::Value = serde_json::from_slice(&b.manifest_bytes()).unwrap();
    let mut hash = b.clone();
    m["files"][0]["sha256"] = json!("0".repeat(64));
    hash.raw_manifest = Some(serde_json::to_vec(&m).unwrap());
    assert_eq!(code(&hash, &limits), RejectionCode::HashMismatch);

    let mut m: serde_json::Value = serde_json::from_slice(&b.manifest_bytes()).unwrap();
    let mut size = b.clone();
    m["files"][0]["bytes"] = json!(1);
    size.raw_manifest = Some(serde_json::to_vec(&m).unwrap());
    assert_eq!(code(&size, &limits), RejectionCode::SizeMismatch);

    let mut m: serde_json::Value = serde_json::from_slice(&b.manifest_bytes()).unwrap();
    let mut missing = b.clone();
    m["files"]
        .as_array_mut()
        .unwrap()
        .push(json!({ "path": "gone.json", "sha256": "a".repeat(64), "bytes": 2 }));
    missing.raw_manifest = Some(serde_json::to_vec(&m).unwrap());
    assert_eq!(code(&missing, &limits), RejectionCode::EntryMissing);
}

#[test]
fn enforces_the_limits() {
    let tight = DropLimits {
        max_entries: 3,
        ..DropLimits::default()
    };
    assert_eq!(code(&valid(), &tight), RejectionCode::TooLarge);

    let tight = DropLimits {
        max_zip_bytes: 100,
        ..DropLimits::default()
    };
    assert_eq!(code(&valid(), &tight), RejectionCode::TooLarge);

    let bomb = valid().telemetry(
        "gondola.speed",
        "m/s",
        50.0,
        "2026-06-01T08:00:00Z",
        &vec![Some(0.0); 20_000],
    );
    let tight = DropLimits {
        ratio_check_above_bytes: 1024,
        max_ratio: 20,
        ..DropLimits::default()
    };
    assert_eq!(code(&bomb, &tight), RejectionCode::ZipBomb);
}

#[test]
fn checks_a_canonical_file_name_against_the_manifest() {
    let zip = valid().build();
    let limits = DropLimits::default();
    for name in [
        "gardaland_revo-2_20260601T080000Z_7.zip",
        "gardaland_revo-1_20260601T090000Z_7.zip",
        "gardaland_revo-1_20260601T080000Z_8.zip",
        "drop.zip",
    ] {
        let err = read_drop(&zip, Some(name), &limits).unwrap_err();
        assert_eq!(err.code, RejectionCode::NameMismatch, "{name}");
    }
}

#[test]
fn agrees_with_typescript_on_a_generated_drop() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/gardaland-demo_wheel_20260329T080000Z_2.zip");
    let d =
        drop_format::read_drop_file(&path, &DropLimits::default()).expect("TypeScript accepts it");
    assert_eq!(
        d.content_id,
        "e9b01bf6968dcffc0e26ab03c45eabf7bccaf2fb96dc31295d5cd3832da2174f"
    );
    assert_eq!(d.manifest.ride, "wheel");
    assert_eq!(d.telemetry.len(), 8);
}

#[test]
fn streams_telemetry_whatever_the_key_order_and_catches_its_corruption() {
    // The header after the values: the reader must wait for it rather than guess.
    let mut b = valid();
    b.entries.retain(|(p, _)| !p.starts_with("telemetry/"));
    let b = b.entry(
        "telemetry/main_motor.current.json",
        &json!({ "values": [1.5, null], "start": "2026-06-01T08:00:00Z", "rateHz": 2, "unit": "A", "channel": "main_motor.current" }),
    );
    let d = read_drop(&b.build(), None, &DropLimits::default()).unwrap();
    assert_eq!(d.telemetry[0].values, vec![Some(1.5), None]);
    assert_eq!(d.telemetry[0].rate_hz, 2.0);

    // A flipped byte inside a streamed entry is a CRC failure, not a schema complaint.
    let mut stored = valid();
    stored.compression = CompressionMethod::Stored;
    let zip = support::corrupt(stored.build(), b"310.0");
    assert_eq!(
        read_drop(&zip, None, &DropLimits::default())
            .unwrap_err()
            .code,
        RejectionCode::ZipCorrupt
    );
}
