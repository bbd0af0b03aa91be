//! Property tests: random valid drops are accepted as written, and mutated zips never
//! crash the reader. Case counts are fixed so `cargo test --release` stays quick.

#[path = "support/mod.rs"]
mod support;

use drop_format::{read_drop, DropLimits};
use proptest::prelude::*;
use serde_json::{json, Value};
use support::DropBuilder;
use zip::CompressionMethod;

const START_S: i64 = 1_780_300_800; // 2026-06-01T08:00:00Z

fn iso(s: i64) -> String {
    chrono::DateTime::from_timestamp(s, 0)
        .unwrap()
        .format("%Y-%m-%dT%H:%M:%SZ")
        .to_string()
}

prop_compose! {
    fn cycle(i: usize)(start in 0i64..7000, len in 0i64..400, mode in 0usize..3,
                       outcome in 0usize..3, riders in 0u32..=1000) -> Value {
        json!({ "id": format!("c{i}"), "start": iso(START_S + start), "end": iso(START_S + start + len),
                "mode": (["auto", "manual", "maintenance"][mode]),
                "outcome": (["completed", "aborted", "estop"][outcome]), "riders": riders })
    }
}

prop_compose! {
    fn alarm()(code in "[A-Z]-[0-9]{3}", severity in 0usize..4, raised in 0i64..7200,
               len in proptest::option::of(0i64..3600)) -> Value {
        json!({ "code": code, "severity": (["info", "warning", "fault", "critical"][severity]),
                "raisedAt": iso(START_S + raised), "clearedAt": len.map(|l| iso(START_S + raised + l)),
                "cycleId": null })
    }
}

fn channel() -> impl Strategy<Value = (f64, Vec<Option<f64>>)> {
    (
        prop::sample::select(vec![0.5, 1.0, 2.0, 5.0, 10.0]),
        prop::collection::vec(prop::option::weighted(0.9, -1e6f64..1e6), 0..300),
    )
}

fn random_drop() -> impl Strategy<Value = DropBuilder> {
    (
        prop::collection::vec(0..1usize, 0..12),
        prop::collection::vec(alarm(), 0..6),
        prop::collection::vec(channel(), 0..3),
        any::<bool>(),
    )
        .prop_flat_map(|(cycles, alarms, channels, stored)| {
            let cycles: Vec<_> = (0..cycles.len()).map(cycle).collect();
            (cycles, Just(alarms), Just(channels), Just(stored))
        })
        .prop_map(|(cycles, alarms, channels, stored)| {
            // One UTC hour; cycles and alarms run up to two hours past its start: what lies
            // outside the window is for the postprocessor's findings, never a rejection.
            let mut b = DropBuilder::new(
                "discovery-revolution",
                "Europe/Rome",
                &iso(START_S),
                &iso(START_S + 3600),
            )
            .entry("cycles.json", &Value::Array(cycles))
            .entry("alarms.json", &Value::Array(alarms));
            for (k, (rate, values)) in channels.into_iter().enumerate() {
                let name = ["main_motor.current", "brake.pressure", "gondola.speed"][k];
                b = b.telemetry(name, "A", rate, &iso(START_S), &values);
            }
            if stored {
                b.compression = CompressionMethod::Stored;
            }
            b
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn accepts_every_valid_random_drop_as_written(b in random_drop()) {
        let d = read_drop(&b.build(), None, &DropLimits::default())
            .map_err(|e| TestCaseError::fail(format!("{}: {}", e.code.as_str(), e.message)))?;
        let cycles: Value = serde_json::from_slice(&b.entries[0].1).unwrap();
        prop_assert_eq!(d.cycles.len(), cycles.as_array().unwrap().len());
        let telemetry: Vec<&(String, Vec<u8>)> =
            b.entries.iter().filter(|(p, _)| p.starts_with("telemetry/")).collect();
        prop_assert_eq!(d.telemetry.len(), telemetry.len());
        for (path, bytes) in telemetry {
            let v: Value = serde_json::from_slice(bytes).unwrap();
            let got = d.telemetry.iter().find(|t| path.contains(&t.channel)).unwrap();
            let want: Vec<Option<f64>> = serde_json::from_value(v["values"].clone()).unwrap();
            prop_assert_eq!(&got.values, &want);
        }
    }
}

/// One valid drop of each compression, the base of the mutations.
fn base(stored: bool) -> Vec<u8> {
    let mut b = DropBuilder::new(
        "discovery-revolution",
        "Europe/Rome",
        &iso(START_S),
        &iso(START_S + 3600),
    )
    .entry(
        "cycles.json",
        &json!([{ "id": "c1", "start": iso(START_S + 10), "end": iso(START_S + 160),
                  "mode": "auto", "outcome": "completed", "riders": 38 }]),
    )
    .entry("alarms.json", &json!([]))
    .telemetry(
        "main_motor.current",
        "A",
        1.0,
        &iso(START_S),
        &(0..200)
            .map(|i| Some(f64::from(i) * 1.5))
            .collect::<Vec<_>>(),
    );
    if stored {
        b.compression = CompressionMethod::Stored;
    }
    b.build()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2048, ..ProptestConfig::default() })]

    /// Byte flips anywhere (headers, data, central directory) and truncations: the reader
    /// must answer with a drop or a rejection code, never panic or hang.
    #[test]
    fn never_panics_on_a_mutated_zip(
        stored in any::<bool>(),
        flips in prop::collection::vec((any::<prop::sample::Index>(), 1u8..=255), 0..8),
        cut in prop::option::weighted(0.3, any::<prop::sample::Index>()),
    ) {
        let mut zip = base(stored);
        for (at, x) in &flips {
            let i = at.index(zip.len());
            zip[i] ^= x;
        }
        if let Some(cut) = cut {
            zip.truncate(cut.index(zip.len()));
        }
        match read_drop(&zip, None, &DropLimits::default()) {
            Ok(d) => prop_assert_eq!(d.sha256.len(), 64),
            Err(e) => prop_assert!(!e.code.as_str().is_empty() && !e.message.is_empty()),
        }
        // Unmutated, the base must still be valid, or the test proves nothing.
        if flips.is_empty() && cut.is_none() {
            prop_assert!(read_drop(&zip, None, &DropLimits::default()).is_ok());
        }
    }
}
