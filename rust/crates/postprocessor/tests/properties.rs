//! Property tests of the postprocessor's aggregates on random drops, against a naive
//! reference computed here from the same samples.

#[path = "../../drop-format/tests/support/mod.rs"]
mod support;

use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};

use drop_format::RideModels;
use postprocessor::{process, PostprocessResult};
use proptest::prelude::*;
use serde_json::{json, Value};
use support::DropBuilder;

const START_S: i64 = 1_780_300_800; // 2026-06-01T08:00:00Z
                                    // One hour, as every window is (R2 of the drop format).
const WINDOW_S: i64 = 3600;

fn iso_ms(ms: i64) -> String {
    drop_format::format_utc_instant(chrono::DateTime::from_timestamp_millis(ms).unwrap())
}

#[derive(Debug, Clone)]
struct Case {
    /// `(start, end)` in ms from the window start; may begin before or after the window.
    cycles: Vec<(i64, i64, bool, u32)>,
    /// `(raised, cleared)` in ms from the window start, fault severity.
    faults: Vec<(i64, Option<i64>)>,
    rate_hz: f64,
    /// Offset of the first sample in ms, and the samples.
    telemetry_start: i64,
    values: Vec<Option<f64>>,
}

fn case() -> impl Strategy<Value = Case> {
    (
        prop::collection::vec(
            (
                -600_000i64..4_200_000,
                0i64..600_000,
                any::<bool>(),
                0u32..=1000,
            ),
            0..25,
        ),
        prop::collection::vec(
            (
                -600_000i64..4_200_000,
                prop::option::weighted(0.8, 0i64..3_600_000),
            ),
            0..5,
        ),
        prop::sample::select(vec![1.0, 2.0, 5.0, 10.0]),
        -5_000i64..5_000,
        prop::collection::vec(prop::option::weighted(0.95, 0.0f64..1000.0), 0..3000),
    )
        .prop_map(|(cycles, faults, rate_hz, telemetry_start, values)| Case {
            cycles: cycles
                .into_iter()
                .map(|(s, len, auto, riders)| (s, s + len, auto, riders))
                .collect(),
            faults: faults
                .into_iter()
                .map(|(r, len)| (r, len.map(|l| r + l)))
                .collect(),
            rate_hz,
            telemetry_start,
            values,
        })
}

fn build(c: &Case) -> DropBuilder {
    let t = |ms: i64| iso_ms(START_S * 1000 + ms);
    let cycles: Vec<Value> = c
        .cycles
        .iter()
        .enumerate()
        .map(|(i, &(s, e, auto, riders))| {
            json!({ "id": format!("c{i}"), "start": t(s), "end": t(e),
                    "mode": if auto { "auto" } else { "manual" }, "outcome": "completed", "riders": riders })
        })
        .collect();
    let alarms: Vec<Value> = c
        .faults
        .iter()
        .map(|&(r, cl)| {
            json!({ "code": "E-101", "severity": "fault", "raisedAt": t(r),
                    "clearedAt": cl.map(t), "cycleId": null })
        })
        .collect();
    DropBuilder::new(
        "discovery-revolution",
        "Europe/Rome",
        &t(0),
        &t(WINDOW_S * 1000),
    )
    .entry("cycles.json", &Value::Array(cycles))
    .entry("alarms.json", &Value::Array(alarms))
    .telemetry(
        "main_motor.current",
        "A",
        c.rate_hz,
        &t(c.telemetry_start),
        &c.values,
    )
}

fn run(c: &Case) -> PostprocessResult {
    static N: AtomicUsize = AtomicUsize::new(0);
    let path = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!(
        "prop-{}-{}.zip",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    ));
    std::fs::write(&path, build(c).build()).unwrap();
    let models = RideModels::from_json(
        &std::fs::read(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../../shared/ride-models/ride-models.json"
        ))
        .unwrap(),
    )
    .unwrap();
    let result = process(&path, &models).unwrap();
    std::fs::remove_file(&path).unwrap();
    result
}

fn close(got: f64, want: f64) -> bool {
    // The result is rounded to 6 significant digits.
    (got - want).abs() <= 1e-5 * want.abs().max(1e-3)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    #[test]
    fn hourly_rows_add_up_and_availability_stays_in_range(c in case()) {
        let r = run(&c);
        // Only cycles that started in the window count; the others are findings.
        let inside = |s: i64| (0..WINDOW_S * 1000).contains(&s);
        let counted: Vec<_> = c.cycles.iter().filter(|x| inside(x.0)).collect();
        prop_assert_eq!(r.cycles.len(), counted.len());
        let outside_findings = r.quality.iter()
            .filter(|q| serde_json::to_value(q.kind).unwrap() == "cycle_outside_window")
            .count();
        prop_assert_eq!(outside_findings, c.cycles.len() - counted.len());
        let hours: Vec<&str> = r.hourly.iter().map(|h| h.hour_start.as_str()).collect();
        prop_assert_eq!(hours, vec![iso_ms(START_S * 1000)], "one row per hour of the window, no other");
        let hourly_cycles: u64 = r.hourly.iter().map(|h| h.cycles).sum();
        prop_assert_eq!(hourly_cycles, counted.len() as u64);
        let hourly_riders: u64 = r.hourly.iter().map(|h| h.riders).sum();
        prop_assert_eq!(hourly_riders, counted.iter().map(|x| u64::from(x.3)).sum::<u64>());
        for h in &r.hourly {
            prop_assert!((0.0..=1.0).contains(&h.availability), "{:?}", h);
            prop_assert!(h.fault_minutes >= 0.0 && h.fault_minutes <= 60.0, "{:?}", h);
            prop_assert!(h.auto_minutes >= 0.0 && h.auto_minutes <= 60.0, "{:?}", h);
        }
    }

    #[test]
    fn cycle_features_match_a_naive_computation(c in case()) {
        let r = run(&c);
        let base_ms = START_S * 1000 + c.telemetry_start;
        for out in &r.cycles {
            let i: usize = out.id[1..].parse().unwrap();
            let (s, e, _, _) = c.cycles[i];
            // Samples after the window's end are not used, even by a cycle that runs past it.
            let (s, e) = (START_S * 1000 + s, START_S * 1000 + e.min(WINDOW_S * 1000));
            // Sample k is at base + k / rate; the rates used give whole milliseconds ×10.
            let inside: Vec<f64> = c.values.iter().enumerate()
                .filter_map(|(k, v)| {
                    let t10 = base_ms * 10 + (k as f64 * 10_000.0 / c.rate_hz) as i64;
                    (t10 >= s * 10 && t10 < e * 10).then_some(*v).flatten()
                })
                .collect();
            let got = out.channels.get("main_motor.current");
            if inside.is_empty() {
                prop_assert!(got.is_none(), "{:?}", out);
                continue;
            }
            let got = got.unwrap();
            let n = inside.len() as f64;
            let peak = inside.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            let mean = inside.iter().sum::<f64>() / n;
            let rms = (inside.iter().map(|v| v * v).sum::<f64>() / n).sqrt();
            prop_assert_eq!(got.samples, inside.len() as u64);
            prop_assert!(close(got.peak, peak), "peak {} vs {}", got.peak, peak);
            prop_assert!(close(got.mean, mean), "mean {} vs {}", got.mean, mean);
            prop_assert!(close(got.rms, rms), "rms {} vs {}", got.rms, rms);
        }
    }

    #[test]
    fn hourly_percentiles_match_a_sorted_nearest_rank(c in case()) {
        let r = run(&c);
        let base_ms = START_S * 1000 + c.telemetry_start;
        for h in &r.hourly {
            let from = chrono::DateTime::parse_from_rfc3339(&h.hour_start).unwrap().timestamp_millis();
            let (a, b) = (from.max(START_S * 1000), (from + 3_600_000).min((START_S + WINDOW_S) * 1000));
            let mut inside: Vec<f64> = c.values.iter().enumerate()
                .filter_map(|(k, v)| {
                    let t10 = base_ms * 10 + (k as f64 * 10_000.0 / c.rate_hz) as i64;
                    (t10 >= a * 10 && t10 < b * 10).then_some(*v).flatten()
                })
                .collect();
            let got = h.channels.get("main_motor.current");
            if inside.is_empty() {
                prop_assert!(got.is_none(), "{:?}", h);
                continue;
            }
            inside.sort_by(f64::total_cmp);
            let n = inside.len();
            let rank = |p: f64| inside[((p * n as f64).ceil() as usize).clamp(1, n) - 1];
            let got = got.unwrap();
            prop_assert!(close(got.p50, rank(0.5)), "p50 {} vs {}", got.p50, rank(0.5));
            prop_assert!(close(got.p95, rank(0.95)), "p95 {} vs {}", got.p95, rank(0.95));
            prop_assert!(close(got.max, inside[n - 1]), "max {} vs {}", got.max, inside[n - 1]);
        }
    }
}
