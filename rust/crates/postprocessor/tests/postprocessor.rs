//! The postprocessor binary end to end: drops built here, results read back as JSON.

#[path = "../../drop-format/tests/support/mod.rs"]
mod support;

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::{json, Value};
use support::DropBuilder;
use zip::CompressionMethod;

const RIDE_MODELS: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../../shared/ride-models/ride-models.json"
);

fn tmp(name: &str) -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR")).join(name)
}

/// Runs the binary on `zip`; returns the exit code, the result (if any) and stderr.
fn run(name: &str, zip: &[u8]) -> (i32, Option<Vec<u8>>, String) {
    let drop = tmp(&format!("{name}.zip"));
    let out = tmp(&format!("{name}.result.json"));
    std::fs::write(&drop, zip).unwrap();
    let _ = std::fs::remove_file(&out);
    let o = Command::new(env!("CARGO_BIN_EXE_postprocessor"))
        .args([
            "--drop".as_ref(),
            drop.as_os_str(),
            "--ride-models".as_ref(),
            RIDE_MODELS.as_ref(),
            "--out".as_ref(),
            out.as_os_str(),
        ])
        .output()
        .unwrap();
    (
        o.status.code().unwrap(),
        std::fs::read(&out).ok(),
        String::from_utf8(o.stderr).unwrap(),
    )
}

fn result(name: &str, b: &DropBuilder) -> Value {
    let (code, out, stderr) = run(name, &b.build());
    assert_eq!(code, 0, "{stderr}");
    serde_json::from_slice(&out.unwrap()).unwrap()
}

/// Two hours of a Discovery Revolution in June (Rome is UTC+2), 1 Hz telemetry.
fn two_hours() -> DropBuilder {
    let start = "2026-06-01T08:00:00Z";
    let sec = |hh: usize, mm: usize, ss: usize| (hh - 8) * 3600 + mm * 60 + ss;
    let in_cycle = |i: usize| {
        [
            (sec(8, 10, 0), sec(8, 12, 30)),
            (sec(8, 40, 0), sec(8, 42, 30)),
            (sec(9, 5, 0), sec(9, 7, 30)),
        ]
        .iter()
        .any(|&(a, b)| (a..b).contains(&i))
    };
    // Three samples past the window's end, to be reported and ignored.
    let n = 7200 + 3;
    let mut current: Vec<Option<f64>> = (0..n)
        .map(|i| Some(if in_cycle(i) { 310.0 } else { 12.0 }))
        .collect();
    current[sec(8, 41, 0)] = Some(450.0);
    current[sec(8, 50, 0)] = Some(430.0);
    for v in &mut current[sec(9, 30, 0)..sec(9, 30, 5)] {
        *v = None;
    }
    let mut brake: Vec<Option<f64>> = (0..7200)
        .map(|i| Some(if in_cycle(i) { 160.0 } else { 175.0 }))
        .collect();
    brake[sec(8, 11, 0)] = Some(110.0);

    let cycle = |id: &str, s: &str, e: &str, mode: &str, outcome: &str, riders: u32| json!({ "id": id, "start": s, "end": e, "mode": mode, "outcome": outcome, "riders": riders });
    DropBuilder::new("discovery-revolution", "Europe/Rome", start, "2026-06-01T10:00:00Z")
        .entry(
            "cycles.json",
            &json!([
                cycle("c2", "2026-06-01T08:40:00Z", "2026-06-01T08:42:30Z", "auto", "aborted", 20),
                cycle("c1", "2026-06-01T08:10:00Z", "2026-06-01T08:12:30Z", "auto", "completed", 38),
                cycle("c3", "2026-06-01T09:05:00Z", "2026-06-01T09:07:30Z", "manual", "estop", 0),
                cycle("c1", "2026-06-01T08:10:00Z", "2026-06-01T08:12:30Z", "auto", "completed", 38),
            ]),
        )
        .entry(
            "alarms.json",
            &json!([
                { "code": "E-201", "severity": "critical", "raisedAt": "2026-06-01T09:55:00Z", "clearedAt": null, "cycleId": null },
                { "code": "E-101", "severity": "fault", "raisedAt": "2026-06-01T09:00:00Z", "clearedAt": "2026-06-01T09:06:00Z", "cycleId": "c3" },
            ]),
        )
        .entry(
            "counters.json",
            &json!([
                { "at": "2026-06-01T09:00:00Z", "operatingHours": 10.5, "cycleCounter": 50, "powerOnHours": 20 },
                { "at": "2026-06-01T08:00:00Z", "operatingHours": 10, "cycleCounter": 100, "powerOnHours": 19.5 },
            ]),
        )
        .telemetry("main_motor.current", "A", 1.0, start, &current)
        .telemetry("brake.pressure", "bar", 1.0, start, &brake)
}

#[test]
fn computes_cycles_alarms_breaches_hours_and_quality() {
    let r = result("valid", &two_hours());
    assert_eq!(r["format"], "zamperla.postprocess/v1");
    assert_eq!(r["drop"]["park"], "gardaland");
    assert_eq!(r["drop"]["contentId"].as_str().unwrap().len(), 64);

    let cycles = r["cycles"].as_array().unwrap();
    let ids: Vec<&str> = cycles.iter().map(|c| c["id"].as_str().unwrap()).collect();
    assert_eq!(
        ids,
        ["c1", "c2", "c3"],
        "sorted by start, duplicate dropped"
    );
    assert_eq!(cycles[0]["durationS"], 150.0);
    assert_eq!(
        cycles[0]["channels"]["main_motor.current"],
        json!({ "peak": 310.0, "mean": 310.0, "rms": 310.0, "samples": 150 })
    );
    let c2 = &cycles[1]["channels"]["main_motor.current"];
    assert_eq!(
        (c2["peak"].as_f64(), c2["samples"].as_u64()),
        (Some(450.0), Some(150))
    );
    assert_eq!(
        c2["mean"], 310.933,
        "(149 * 310 + 450) / 150, 6 significant digits"
    );

    let hourly = r["hourly"].as_array().unwrap();
    assert_eq!(hourly.len(), 2);
    let total: u64 = hourly.iter().map(|h| h["cycles"].as_u64().unwrap()).sum();
    assert_eq!(total, cycles.len() as u64);
    for h in hourly {
        let a = h["availability"].as_f64().unwrap();
        assert!((0.0..=1.0).contains(&a), "{a}");
    }
    assert_eq!(hourly[0]["localHour"], "2026-06-01T10:00:00+02:00");
    assert_eq!(
        (
            &hourly[0]["cycles"],
            &hourly[0]["riders"],
            &hourly[0]["completed"],
            &hourly[0]["aborted"]
        ),
        (&json!(2), &json!(58), &json!(1), &json!(1))
    );
    assert_eq!(hourly[0]["autoMinutes"], 5.0);
    assert_eq!(hourly[0]["availability"], 1.0);
    assert_eq!(hourly[1]["estop"], 1);
    assert_eq!(
        hourly[1]["faultMinutes"], 11.0,
        "6 min of E-101 + 5 min of E-201 up to the window's end"
    );
    assert_eq!(hourly[1]["availability"], 0.816667);
    assert_eq!(
        hourly[0]["channels"]["brake.pressure"],
        json!({ "p50": 175.0, "p95": 175.0, "max": 175.0 })
    );

    let alarms = r["alarms"].as_array().unwrap();
    assert_eq!(alarms[0]["code"], "E-101");
    assert_eq!(alarms[0]["text"], "Main motor overcurrent");
    assert_eq!(alarms[0]["component"], "main_motor");
    assert_eq!(alarms[0]["durationS"], 360.0);
    assert_eq!(
        (&alarms[1]["clearedAt"], &alarms[1]["durationS"]),
        (&Value::Null, &json!(300.0))
    );

    let breaches = r["breaches"].as_array().unwrap();
    let find = |ch: &str, cycle: Value| {
        breaches
            .iter()
            .find(|b| b["channel"] == ch && b["cycleId"] == cycle)
            .cloned()
    };
    assert_eq!(
        find("main_motor.current", json!("c2")).unwrap(),
        json!({ "channel": "main_motor.current", "cycleId": "c2", "at": "2026-06-01T08:41:00Z", "value": 450.0, "limit": 420.0, "kind": "max" })
    );
    assert_eq!(
        find("main_motor.current", Value::Null).unwrap()["value"],
        430.0,
        "idle breach"
    );
    assert_eq!(find("brake.pressure", json!("c1")).unwrap()["kind"], "min");
    assert_eq!(breaches.len(), 3);

    let kinds: Vec<&str> = r["quality"]
        .as_array()
        .unwrap()
        .iter()
        .map(|q| q["kind"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        ["duplicate_cycle", "counter_reset", "gap", "outside_window"],
        "sorted by time"
    );
}

#[test]
fn labels_hours_in_local_time_across_the_spring_dst_change() {
    let b = DropBuilder::new("discovery-revolution", "Europe/Rome", "2026-03-29T00:00:00Z", "2026-03-29T03:00:00Z").entry(
        "cycles.json",
        &json!([{ "id": "dst", "start": "2026-03-29T01:30:00Z", "end": "2026-03-29T01:32:30Z", "mode": "auto", "outcome": "completed", "riders": 3 }]),
    );
    let r = result("dst", &b);
    let labels: Vec<&str> = r["hourly"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["localHour"].as_str().unwrap())
        .collect();
    assert_eq!(
        labels,
        [
            "2026-03-29T01:00:00+01:00",
            "2026-03-29T03:00:00+02:00",
            "2026-03-29T04:00:00+02:00"
        ]
    );
    assert_eq!(r["hourly"][1]["cycles"], 1);
}

#[test]
fn same_content_gives_identical_bytes() {
    let a = two_hours();
    let mut b = a.clone();
    b.reversed = true;
    b.compression = CompressionMethod::Stored;
    let (ca, oa, _) = run("same-a", &a.build());
    let (ca2, oa2, _) = run("same-a2", &a.build());
    let (cb, ob, _) = run("same-b", &b.build());
    assert_eq!((ca, ca2, cb), (0, 0, 0));
    assert_eq!(oa, oa2);
    assert_eq!(
        oa, ob,
        "entry order and compression do not change the result"
    );
}

fn assert_rejected(name: &str, zip: &[u8], code: &str) {
    let (exit, out, stderr) = run(name, zip);
    assert_eq!(exit, 2, "{stderr}");
    assert!(out.is_none(), "no result for a rejected drop");
    let line: Value = serde_json::from_str(stderr.trim()).expect("one JSON line on stderr");
    assert_eq!(line["error"]["code"], code, "{stderr}");
    assert!(line["error"]["message"].as_str().unwrap().len() > 10);
}

#[test]
fn rejects_invalid_drops_with_exit_2_and_the_contract_code() {
    let mut unlisted = two_hours();
    unlisted
        .unlisted
        .push(("notes.txt".into(), b"hello".to_vec()));
    assert_rejected("unlisted", &unlisted.build(), "entry_unlisted");

    let mut slip = two_hours();
    slip.unlisted.push(("../evil.json".into(), b"{}".to_vec()));
    assert_rejected("slip", &slip.build(), "unsafe_entry_name");

    let good = two_hours();
    let mut m: Value = serde_json::from_slice(&good.manifest_bytes()).unwrap();
    m["files"][1]["sha256"] = json!("f".repeat(64));
    let mut hash = good.clone();
    hash.raw_manifest = Some(serde_json::to_vec(&m).unwrap());
    assert_rejected("hash", &hash.build(), "hash_mismatch");

    let mut stored = two_hours();
    stored.compression = CompressionMethod::Stored;
    assert_rejected(
        "corrupt",
        &support::corrupt(stored.build(), b"E-201"),
        "zip_corrupt",
    );

    let mut manifest = two_hours();
    manifest.manifest["window"]["end"] = json!("2026-06-01T07:00:00Z");
    assert_rejected("manifest", &manifest.build(), "manifest_invalid");
}

#[test]
fn bad_arguments_and_unknown_models_exit_3() {
    let o = Command::new(env!("CARGO_BIN_EXE_postprocessor"))
        .args(["--drop", "x.zip"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(3));
    let line: Value = serde_json::from_slice(&o.stderr).unwrap();
    assert_eq!(line["error"]["code"], "invalid_arguments");

    let mut unknown = two_hours();
    unknown.manifest["model"] = json!("tea-cups");
    let (exit, _, stderr) = run("unknown-model", &unknown.build());
    assert_eq!(exit, 3);
    assert!(
        stderr.contains("unknown_ride_model") && stderr.contains("discovery-revolution"),
        "{stderr}"
    );
}

#[test]
fn processes_a_drop_written_by_the_typescript_generator() {
    let zip = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../drop-format/tests/data/gardaland-demo_wheel_20260329T080000Z_2.zip"
    ))
    .unwrap();
    let cycles_in_drop = {
        let mut z = zip::ZipArchive::new(std::io::Cursor::new(&zip)).unwrap();
        let c: Value = serde_json::from_reader(z.by_name("cycles.json").unwrap()).unwrap();
        c.as_array().unwrap().len()
    };
    let (code, out, stderr) = run("generated", &zip);
    assert_eq!(code, 0, "{stderr}");
    let r: Value = serde_json::from_slice(&out.unwrap()).unwrap();
    assert_eq!(r["cycles"].as_array().unwrap().len(), cycles_in_drop);
    let hourly_cycles: u64 = r["hourly"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["cycles"].as_u64().unwrap())
        .sum();
    assert_eq!(hourly_cycles as usize, cycles_in_drop);
    assert_eq!(r["hourly"][0]["localHour"], "2026-03-29T10:00:00+02:00");
}

#[test]
fn counts_only_the_part_of_an_alarm_inside_the_drops_window() {
    // The PLC repeats a long alarm in every window it spans; each drop must count only its
    // own share, or a report would add the overlap twice.
    let b = DropBuilder::new("discovery-revolution", "Europe/Rome", "2026-06-01T08:00:00Z", "2026-06-01T09:00:00Z")
        .entry("cycles.json", &json!([]))
        .entry(
            "alarms.json",
            &json!([
                { "code": "E-101", "severity": "fault", "raisedAt": "2026-06-01T07:50:00Z", "clearedAt": "2026-06-01T08:04:00Z", "cycleId": null },
                { "code": "W-401", "severity": "warning", "raisedAt": "2026-06-01T08:58:00Z", "clearedAt": "2026-06-01T09:10:00Z", "cycleId": null },
            ]),
        )
        .entry("counters.json", &json!([]));
    let r = result("alarm-clipped", &b);
    let alarms = r["alarms"].as_array().unwrap();
    assert_eq!(alarms[0]["durationS"], 240.0);
    assert_eq!(alarms[1]["durationS"], 120.0);
    assert_eq!(r["hourly"][0]["faultMinutes"], 4.0);
}

/// `hours` of 4 channels at 50 Hz with pseudo-random noise (so deflate cannot shrink them
/// past the zip-bomb ratio) and two cycles an hour.
fn sized_drop(hours: usize) -> Vec<u8> {
    let start = "2026-06-01T08:00:00Z";
    let end = format!("2026-06-01T{:02}:00:00Z", 8 + hours);
    let mut seed = 0x2545_f491_4f6c_dd1d_u64;
    let mut noise = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        (seed % 1000) as f64 / 10.0
    };
    let cycles: Vec<Value> = (0..hours * 2)
        .map(|k| {
            let (h, m) = (8 + k / 2, (k % 2) * 30 + 5);
            json!({ "id": format!("c{k}"), "start": format!("2026-06-01T{h:02}:{m:02}:00Z"),
                    "end": format!("2026-06-01T{h:02}:{:02}:30Z", m + 2), "mode": "auto",
                    "outcome": "completed", "riders": 30 })
        })
        .collect();
    let mut b = DropBuilder::new("discovery-revolution", "Europe/Rome", start, &end)
        .entry("cycles.json", &Value::Array(cycles));
    for channel in [
        "main_motor.current",
        "brake.pressure",
        "structure.vibration",
        "gondola.speed",
    ] {
        let values: Vec<Option<f64>> = (0..hours * 3600 * 50).map(|_| Some(noise())).collect();
        b = b.telemetry(channel, "x", 50.0, start, &values);
    }
    b.build()
}

/// Peak resident set size in KiB of the postprocessor on `zip`, from GNU time.
fn peak_rss_kib(name: &str, zip: &[u8]) -> u64 {
    let drop = tmp(&format!("{name}.zip"));
    let out = tmp(&format!("{name}.result.json"));
    std::fs::write(&drop, zip).unwrap();
    let o = Command::new("/usr/bin/time")
        .args(["-f", "%M", env!("CARGO_BIN_EXE_postprocessor")])
        .args([
            "--drop".as_ref(),
            drop.as_os_str(),
            "--ride-models".as_ref(),
            RIDE_MODELS.as_ref(),
            "--out".as_ref(),
            out.as_os_str(),
        ])
        .output()
        .expect("GNU time at /usr/bin/time");
    let stderr = String::from_utf8(o.stderr).unwrap();
    assert!(o.status.success(), "{stderr}");
    stderr.trim().lines().last().unwrap().parse().unwrap()
}

#[test]
fn peak_memory_does_not_grow_with_telemetry_size() {
    let (small, large) = (sized_drop(1), sized_drop(4));
    let (rss1, rss4) = (
        peak_rss_kib("rss-1x", &small),
        peak_rss_kib("rss-4x", &large),
    );
    println!(
        "peak RSS: 1x ({} bytes zipped) {rss1} KiB, 4x ({} bytes zipped) {rss4} KiB",
        small.len(),
        large.len()
    );
    // Holding the telemetry would make the 4x drop need about four times the memory; the
    // margin covers the result, which does grow with the number of cycles.
    assert!(
        rss4 < rss1 + rss1 / 4 + 1024,
        "1x {rss1} KiB, 4x {rss4} KiB"
    );
}
