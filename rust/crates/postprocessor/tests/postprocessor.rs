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

/// One hour of a Discovery Revolution in June (Rome is UTC+2), 1 Hz telemetry.
fn one_hour() -> DropBuilder {
    let start = "2026-06-01T08:00:00Z";
    let sec = |mm: usize, ss: usize| mm * 60 + ss;
    let in_cycle = |i: usize| {
        [
            (sec(10, 0), sec(12, 30)),
            (sec(40, 0), sec(42, 30)),
            (sec(50, 0), sec(52, 30)),
        ]
        .iter()
        .any(|&(a, b)| (a..b).contains(&i))
    };
    // Three samples past the window's end, to be reported and ignored.
    let n = 3600 + 3;
    let mut current: Vec<Option<f64>> = (0..n)
        .map(|i| Some(if in_cycle(i) { 310.0 } else { 12.0 }))
        .collect();
    current[sec(41, 0)] = Some(450.0);
    current[sec(45, 0)] = Some(430.0);
    for v in &mut current[sec(30, 0)..sec(30, 5)] {
        *v = None;
    }
    let mut brake: Vec<Option<f64>> = (0..3600)
        .map(|i| Some(if in_cycle(i) { 160.0 } else { 175.0 }))
        .collect();
    brake[sec(11, 0)] = Some(110.0);

    let cycle = |id: &str, s: &str, e: &str, mode: &str, outcome: &str, riders: u32| json!({ "id": id, "start": s, "end": e, "mode": mode, "outcome": outcome, "riders": riders });
    DropBuilder::new("discovery-revolution", "Europe/Rome", start, "2026-06-01T09:00:00Z")
        .entry(
            "cycles.json",
            &json!([
                cycle("c2", "2026-06-01T08:40:00Z", "2026-06-01T08:42:30Z", "auto", "aborted", 20),
                cycle("c1", "2026-06-01T08:10:00Z", "2026-06-01T08:12:30Z", "auto", "completed", 38),
                cycle("c3", "2026-06-01T08:50:00Z", "2026-06-01T08:52:30Z", "manual", "estop", 0),
                cycle("c1", "2026-06-01T08:10:00Z", "2026-06-01T08:12:30Z", "auto", "completed", 38),
            ]),
        )
        .entry(
            "alarms.json",
            &json!([
                { "code": "E-201", "severity": "critical", "raisedAt": "2026-06-01T08:55:00Z", "clearedAt": null, "cycleId": null },
                { "code": "E-101", "severity": "fault", "raisedAt": "2026-06-01T08:45:00Z", "clearedAt": "2026-06-01T08:51:00Z", "cycleId": "c3" },
            ]),
        )
        .entry(
            "counters.json",
            &json!([
                { "at": "2026-06-01T08:20:00Z", "operatingHours": 10.5, "cycleCounter": 50, "powerOnHours": 20 },
                { "at": "2026-06-01T08:00:00Z", "operatingHours": 10, "cycleCounter": 100, "powerOnHours": 19.5 },
            ]),
        )
        .telemetry("main_motor.current", "A", 1.0, start, &current)
        .telemetry("brake.pressure", "bar", 1.0, start, &brake)
}

#[test]
fn computes_cycles_alarms_breaches_hours_and_quality() {
    let r = result("valid", &one_hour());
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
    assert_eq!(hourly.len(), 1);
    let h = &hourly[0];
    assert_eq!(h["hourStart"], "2026-06-01T08:00:00Z");
    assert_eq!(h["localHour"], "2026-06-01T10:00:00+02:00");
    assert_eq!(
        (
            &h["cycles"],
            &h["riders"],
            &h["completed"],
            &h["aborted"],
            &h["estop"]
        ),
        (&json!(3), &json!(58), &json!(1), &json!(1), &json!(1)),
        "the duplicate c1 counts once"
    );
    assert_eq!(h["autoMinutes"], 5.0);
    assert_eq!(
        h["faultMinutes"], 11.0,
        "6 min of E-101 + 5 min of E-201 up to the window's end"
    );
    assert_eq!(h["availability"], 0.816667);
    assert_eq!(
        h["channels"]["brake.pressure"],
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

    let quality = r["quality"].as_array().unwrap();
    let kinds: Vec<&str> = quality
        .iter()
        .map(|q| q["kind"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        ["outside_window", "duplicate_cycle", "counter_reset", "gap"],
        "sorted by time; samples outside the window are dated at its start"
    );
    assert_eq!(quality[0]["at"], "2026-06-01T08:00:00Z");
    assert_eq!(
        quality[0]["detail"],
        "3 samples after the window (from 2026-06-01T09:00:00Z); ignored"
    );
}

#[test]
fn labels_hours_in_local_time_across_the_spring_dst_change() {
    // Three hourly drops of the night Rome moves from +01:00 to +02:00 (at 01:00Z).
    let mut labels = Vec::new();
    for (k, (start, end)) in [
        ("2026-03-29T00:00:00Z", "2026-03-29T01:00:00Z"),
        ("2026-03-29T01:00:00Z", "2026-03-29T02:00:00Z"),
        ("2026-03-29T02:00:00Z", "2026-03-29T03:00:00Z"),
    ]
    .into_iter()
    .enumerate()
    {
        let b = DropBuilder::new("discovery-revolution", "Europe/Rome", start, end).entry(
            "cycles.json",
            &json!([{ "id": "dst", "start": "2026-03-29T01:30:00Z", "end": "2026-03-29T01:32:30Z", "mode": "auto", "outcome": "completed", "riders": 3 }]),
        );
        let r = result(&format!("dst-{k}"), &b);
        let hourly = r["hourly"].as_array().unwrap();
        assert_eq!(hourly.len(), 1, "one row, the window's hour");
        assert_eq!(hourly[0]["hourStart"], start);
        assert_eq!(
            hourly[0]["cycles"],
            u64::from(k == 1),
            "the cycle counts in the drop whose window it started in"
        );
        labels.push(hourly[0]["localHour"].as_str().unwrap().to_owned());
    }
    assert_eq!(
        labels,
        [
            "2026-03-29T01:00:00+01:00",
            "2026-03-29T03:00:00+02:00",
            "2026-03-29T04:00:00+02:00"
        ]
    );
}

fn kinds_and_details(r: &Value) -> Vec<(String, String, String)> {
    r["quality"]
        .as_array()
        .unwrap()
        .iter()
        .map(|q| {
            (
                q["kind"].as_str().unwrap().to_owned(),
                q["at"].as_str().unwrap().to_owned(),
                q["detail"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

#[test]
fn counts_only_what_belongs_to_the_window_and_reports_the_rest() {
    let cycle = |id: &str, s: &str, e: &str, riders: u32| json!({ "id": id, "start": s, "end": e, "mode": "auto", "outcome": "completed", "riders": riders });
    let alarm = |code: &str, sev: &str, raised: &str, cleared: Option<&str>| json!({ "code": code, "severity": sev, "raisedAt": raised, "clearedAt": cleared, "cycleId": null });
    let counter = |at: &str, n: u64| json!({ "at": at, "operatingHours": 1, "cycleCounter": n, "powerOnHours": 2 });
    let start = "2026-06-01T08:00:00Z";
    // 1 Hz from one minute before the window to two minutes after it: 100 inside, 999 outside.
    let values: Vec<Option<f64>> = (0..3780)
        .map(|i| {
            Some(if (60..3660).contains(&i) {
                100.0
            } else {
                999.0
            })
        })
        .collect();
    let b = DropBuilder::new(
        "discovery-revolution",
        "Europe/Rome",
        start,
        "2026-06-01T09:00:00Z",
    )
    .entry(
        "cycles.json",
        &json!([
            cycle("in", "2026-06-01T08:10:00Z", "2026-06-01T08:12:30Z", 30),
            // A PLC clock in the far future: counted, it made an hourly row for 2999.
            cycle("future", "2999-06-01T08:20:00Z", "2999-06-01T08:22:30Z", 30),
            cycle("before", "2026-06-01T07:58:00Z", "2026-06-01T08:00:30Z", 30),
            cycle("full", "2026-06-01T08:30:00Z", "2026-06-01T08:32:30Z", 45),
            // Runs past the window's end: counted, but only its samples inside are used.
            cycle("late", "2026-06-01T08:59:00Z", "2026-06-01T09:01:30Z", 10),
        ]),
    )
    .entry(
        "alarms.json",
        &json!([
            // Raised before, cleared inside: counts for its 5 minutes inside.
            alarm(
                "E-101",
                "fault",
                "2026-06-01T07:50:00Z",
                Some("2026-06-01T08:05:00Z")
            ),
            // The same occurrence written twice: counts once.
            alarm(
                "E-201",
                "critical",
                "2026-06-01T08:20:00Z",
                Some("2026-06-01T08:26:00Z")
            ),
            alarm(
                "E-201",
                "critical",
                "2026-06-01T08:20:00Z",
                Some("2026-06-01T08:26:00Z")
            ),
            // Not active in the window: cleared at its start, raised at its end, years away.
            alarm(
                "E-101",
                "fault",
                "2026-06-01T07:00:00Z",
                Some("2026-06-01T08:00:00Z")
            ),
            alarm("E-101", "fault", "2026-06-01T09:00:00Z", None),
            alarm(
                "E-101",
                "fault",
                "2999-01-01T00:00:00Z",
                Some("2999-01-01T01:00:00Z")
            ),
        ]),
    )
    .entry(
        "counters.json",
        &json!([
            counter("2026-06-01T08:00:00Z", 100),
            counter("2026-06-01T08:30:00Z", 101),
            // Outside the window: ignored, so no counter reset either.
            counter("2026-06-01T09:30:00Z", 3),
        ]),
    )
    .telemetry(
        "main_motor.current",
        "A",
        1.0,
        "2026-06-01T07:59:00Z",
        &values,
    );
    let r = result("window-only", &b);

    let ids: Vec<&str> = r["cycles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["in", "full", "late"]);
    let late = &r["cycles"][2]["channels"]["main_motor.current"];
    assert_eq!(
        (late["peak"].as_f64(), late["samples"].as_u64()),
        (Some(100.0), Some(60)),
        "samples after the window's end are not used"
    );

    let hourly = r["hourly"].as_array().unwrap();
    let hours: Vec<&str> = hourly
        .iter()
        .map(|h| h["hourStart"].as_str().unwrap())
        .collect();
    assert_eq!(hours, ["2026-06-01T08:00:00Z"], "no row outside the window");
    assert_eq!(
        (&hourly[0]["cycles"], &hourly[0]["riders"]),
        (&json!(3), &json!(85)),
        "45 riders above the capacity of 40 are counted as reported"
    );
    assert_eq!(
        hourly[0]["channels"]["main_motor.current"]["max"], 100.0,
        "hourly figures use samples inside the window only"
    );
    assert_eq!(
        hourly[0]["faultMinutes"], 11.0,
        "5 min of E-101 + 6 of E-201"
    );

    let alarms: Vec<(&str, &str, f64)> = r["alarms"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a["code"].as_str().unwrap(),
                a["raisedAt"].as_str().unwrap(),
                a["durationS"].as_f64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        alarms,
        [
            ("E-101", "2026-06-01T07:50:00Z", 300.0),
            ("E-201", "2026-06-01T08:20:00Z", 360.0)
        ]
    );

    let w = "2026-06-01T08:00:00Z";
    let found = kinds_and_details(&r);
    let expected = [
        ("outside_window", w, "120 samples after the window (from 2026-06-01T09:00:00Z); ignored"),
        ("outside_window", w, "60 samples before the window (from 2026-06-01T07:59:00Z); ignored"),
        ("cycle_outside_window", w, "cycle before starts at 2026-06-01T07:58:00Z, outside the window; it is not counted, check the PLC clock"),
        ("cycle_outside_window", w, "cycle future starts at 2999-06-01T08:20:00Z, outside the window; it is not counted, check the PLC clock"),
        ("alarm_outside_window", w, "alarm E-101 raised at 2026-06-01T07:00:00Z and cleared at 2026-06-01T08:00:00Z was not active in the window; it is not counted, check the PLC clock"),
        ("alarm_outside_window", w, "alarm E-101 raised at 2026-06-01T09:00:00Z was not active in the window; it is not counted, check the PLC clock"),
        ("alarm_outside_window", w, "alarm E-101 raised at 2999-01-01T00:00:00Z and cleared at 2999-01-01T01:00:00Z was not active in the window; it is not counted, check the PLC clock"),
        ("counter_outside_window", w, "1 counter snapshot lies outside the window (first at 2026-06-01T09:30:00Z); ignored, check the PLC clock"),
        ("duplicate_alarm", "2026-06-01T08:20:00Z", "alarm E-201 raised at 2026-06-01T08:20:00Z appears more than once; counted once, active until the latest clear of its copies"),
        ("riders_over_capacity", "2026-06-01T08:30:00Z", "cycle full reports 45 riders, more than the 40 seats of a Discovery Revolution; counted as reported, check the PLC's rider count"),
    ];
    let expected: Vec<(String, String, String)> = expected
        .iter()
        .map(|(k, a, d)| ((*k).to_owned(), (*a).to_owned(), (*d).to_owned()))
        .collect();
    assert_eq!(found, expected);
}

#[test]
fn same_content_gives_identical_bytes() {
    let a = one_hour();
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
    let mut unlisted = one_hour();
    unlisted
        .unlisted
        .push(("notes.txt".into(), b"hello".to_vec()));
    assert_rejected("unlisted", &unlisted.build(), "entry_unlisted");

    let mut slip = one_hour();
    slip.unlisted.push(("../evil.json".into(), b"{}".to_vec()));
    assert_rejected("slip", &slip.build(), "unsafe_entry_name");

    let good = one_hour();
    let mut m: Value = serde_json::from_slice(&good.manifest_bytes()).unwrap();
    m["files"][1]["sha256"] = json!("f".repeat(64));
    let mut hash = good.clone();
    hash.raw_manifest = Some(serde_json::to_vec(&m).unwrap());
    assert_rejected("hash", &hash.build(), "hash_mismatch");

    let mut stored = one_hour();
    stored.compression = CompressionMethod::Stored;
    assert_rejected(
        "corrupt",
        &support::corrupt(stored.build(), b"E-201"),
        "zip_corrupt",
    );

    let mut manifest = one_hour();
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

    let mut unknown = one_hour();
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

#[test]
fn copies_of_one_alarm_in_a_drop_count_once_for_the_time_any_copy_was_active() {
    // Central takes an occurrence written in several drops as the union of its rows; copies
    // inside one drop must mean the same, whichever copy comes first in the file.
    let alarm = |code: &str, cleared: Option<&str>| json!({ "code": code, "severity": "fault", "raisedAt": "2026-06-01T08:10:00Z", "clearedAt": cleared, "cycleId": null });
    let b = DropBuilder::new(
        "discovery-revolution",
        "Europe/Rome",
        "2026-06-01T08:00:00Z",
        "2026-06-01T09:00:00Z",
    )
    .entry("cycles.json", &json!([]))
    .entry(
        "alarms.json",
        &json!([
            alarm("E-101", Some("2026-06-01T08:20:00Z")),
            alarm("E-101", Some("2026-06-01T08:30:00Z")),
            alarm("E-101", Some("2026-06-01T08:15:00Z")),
            alarm("E-201", Some("2026-06-01T08:40:00Z")),
            // Still active at the window's end in one copy: so is the occurrence.
            alarm("E-201", None),
        ]),
    )
    .entry("counters.json", &json!([]));
    let r = result("alarm-copies", &b);
    let alarms: Vec<(String, Value, Value)> = r["alarms"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a["code"].as_str().unwrap().to_owned(),
                a["clearedAt"].clone(),
                a["durationS"].clone(),
            )
        })
        .collect();
    assert_eq!(
        alarms,
        vec![
            (
                "E-101".to_owned(),
                json!("2026-06-01T08:30:00Z"),
                json!(1200.0)
            ),
            ("E-201".to_owned(), Value::Null, json!(3000.0)),
        ]
    );
    // Both faults from 08:10 to the window's end: 50 minutes of downtime, not 20 + 30 + 5.
    assert_eq!(r["hourly"][0]["faultMinutes"], 50.0);
    let duplicates = kinds_and_details(&r)
        .into_iter()
        .filter(|(kind, _, _)| kind == "duplicate_alarm")
        .count();
    assert_eq!(duplicates, 3);
}

/// One hour of `channels` channels at 50 Hz with pseudo-random noise (so deflate cannot
/// shrink them past the zip-bomb ratio) and two cycles. A window is one hour (R2 of the
/// drop format), so a bigger drop has more channels rather than more hours.
fn sized_drop(channels: usize) -> Vec<u8> {
    let start = "2026-06-01T08:00:00Z";
    let mut seed = 0x2545_f491_4f6c_dd1d_u64;
    let mut noise = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        (seed % 1000) as f64 / 10.0
    };
    let cycles: Vec<Value> = (0..2)
        .map(|k| {
            let m = k * 30 + 5;
            json!({ "id": format!("c{k}"), "start": format!("2026-06-01T08:{m:02}:00Z"),
                    "end": format!("2026-06-01T08:{:02}:30Z", m + 2), "mode": "auto",
                    "outcome": "completed", "riders": 30 })
        })
        .collect();
    let mut b = DropBuilder::new(
        "discovery-revolution",
        "Europe/Rome",
        start,
        "2026-06-01T09:00:00Z",
    )
    .entry("cycles.json", &Value::Array(cycles));
    let known = [
        "main_motor.current",
        "brake.pressure",
        "structure.vibration",
        "gondola.speed",
    ];
    for k in 0..channels {
        let channel = known
            .get(k)
            .map_or_else(|| format!("extra_{k}.value"), |c| (*c).to_owned());
        let values: Vec<Option<f64>> = (0..3600 * 50).map(|_| Some(noise())).collect();
        b = b.telemetry(&channel, "x", 50.0, start, &values);
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
    let (small, large) = (sized_drop(4), sized_drop(16));
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
