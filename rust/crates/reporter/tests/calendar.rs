//! Calendar edges (rule R6 of issue 14): day reports of DST change days are 23, 23.5, 24.5
//! or 25 hours long, may start at 01:00 (a skipped midnight) or mid-UTC-hour (Lord Howe), and
//! may carry an opening whose open equals its close (hours that fell into the spring gap). The
//! reporter renders them all; what it refuses, it says in words, without a file path.

use std::path::{Path, PathBuf};
use std::process::Command;

use chrono::{DateTime, TimeDelta, Utc};
use serde_json::{json, Value};

fn run(name: &str, input: &Value) -> (std::process::Output, PathBuf, PathBuf) {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("calendar-{name}"));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("input.json");
    std::fs::write(&path, serde_json::to_vec(input).unwrap()).unwrap();
    let out = dir.join("out");
    let o = Command::new(env!("CARGO_BIN_EXE_reporter"))
        .args([
            "--input".as_ref(),
            path.as_os_str(),
            "--out-dir".as_ref(),
            out.as_os_str(),
        ])
        .output()
        .unwrap();
    (o, out, path)
}

fn at(s: &str) -> DateTime<Utc> {
    s.parse().unwrap()
}

fn iso(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// A ride's day report: a row (10 cycles) for every UTC hour that overlaps the period, so also
/// the hour a half-hour offset's day starts in, and one opening window.
fn day_input(zone: &str, date: &str, start: &str, end: &str, open: &str, close: &str) -> Value {
    let (start, end) = (at(start), at(end));
    let mut hourly = Vec::new();
    let mut t = DateTime::from_timestamp(start.timestamp() / 3600 * 3600, 0).unwrap();
    while t < end {
        hourly.push(json!({
            "ride": "revo-1", "hourStart": iso(t), "localHour": "", "cycles": 10, "riders": 200,
            "completed": 10, "aborted": 0, "estop": 0, "autoMinutes": 30.0, "faultMinutes": 0.0,
            "availability": 1.0
        }));
        t += TimeDelta::hours(1);
    }
    json!({
        "format": "zamperla.report-input/v1",
        "language": "en",
        "park": { "id": "p", "name": "Park", "timezone": zone },
        "ride": { "id": "revo-1", "name": "Revolution", "model": "discovery-revolution" },
        "period": { "start": iso(start), "end": iso(end) },
        "hourly": hourly,
        "alarms": [],
        "openingHours": {
            "rides": ["revo-1"],
            "days": [{ "date": date, "open": open, "close": close }],
        },
    })
}

fn summary(out: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(out.join("summary.json")).unwrap()).unwrap()
}

#[test]
fn renders_a_day_report_of_every_dst_day_length() {
    // [zone, date, period start, period end, hours, open, close]: open 00:00-24:00 park-local,
    // resolved by central with R6.
    let cases = [
        (
            "Europe/Rome",
            "2026-03-29",
            "2026-03-28T23:00:00Z",
            "2026-03-29T22:00:00Z",
            23.0,
        ),
        (
            "Europe/Rome",
            "2026-10-25",
            "2026-10-24T22:00:00Z",
            "2026-10-25T23:00:00Z",
            25.0,
        ),
        (
            "Australia/Lord_Howe",
            "2026-04-05",
            "2026-04-04T13:00:00Z",
            "2026-04-05T13:30:00Z",
            24.5,
        ),
        (
            "Australia/Lord_Howe",
            "2026-10-04",
            "2026-10-03T13:30:00Z",
            "2026-10-04T13:00:00Z",
            23.5,
        ),
        // Midnight skipped: the day starts at 01:00 (-03:00).
        (
            "America/Santiago",
            "2026-09-06",
            "2026-09-06T04:00:00Z",
            "2026-09-07T03:00:00Z",
            23.0,
        ),
        (
            "Asia/Kolkata",
            "2026-03-29",
            "2026-03-28T18:30:00Z",
            "2026-03-29T18:30:00Z",
            24.0,
        ),
    ];
    for (zone, date, start, end, hours) in cases {
        let input = day_input(zone, date, start, end, start, end);
        let (o, out, _) = run(&format!("{zone}-{date}").replace('/', "-"), &input);
        assert!(
            o.status.success(),
            "{zone} {date}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        let s = summary(&out);
        let days: Vec<&str> = s["days"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["date"].as_str().unwrap())
            .collect();
        assert_eq!(days, [date], "{zone}: one park-local day");
        let c = &s["completeness"];
        assert_eq!(c["basis"], "openingHours", "{zone} {date}");
        assert_eq!(
            c["rideHoursExpected"], hours,
            "{zone} {date}: the day's length"
        );
        // Data in every hour, the half-hour at a Lord Howe day's start included.
        assert_eq!(c["rideHoursWithData"], hours, "{zone} {date}");
        assert_eq!(c["ratio"], 1.0, "{zone} {date}");
        assert_eq!(c["rideHoursOutsideOpening"], 0.0, "{zone} {date}");
        assert_eq!(s["days"][0]["closed"], false);
        for f in ["report.pdf", "report.html"] {
            assert!(out.join(f).metadata().unwrap().len() > 0, "{zone}: {f}");
        }
    }
}

#[test]
fn an_opening_whose_open_equals_its_close_is_no_opening() {
    // 02:00-03:00 on Rome's spring-forward day: both resolve to 03:00 CEST (01:00Z).
    let input = day_input(
        "Europe/Rome",
        "2026-03-29",
        "2026-03-28T23:00:00Z",
        "2026-03-29T22:00:00Z",
        "2026-03-29T01:00:00Z",
        "2026-03-29T01:00:00Z",
    );
    let (o, out, _) = run("zero-length", &input);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let s = summary(&out);
    assert_eq!(s["days"][0]["closed"], true);
    assert_eq!(s["days"][0]["completeness"], Value::Null);
    let c = &s["completeness"];
    assert_eq!(c["rideHoursExpected"], 0.0);
    assert_eq!(
        c["rideHoursOutsideOpening"], 23.0,
        "all the day's data is outside opening"
    );
    assert!(s["narrative"]
        .as_str()
        .unwrap()
        .contains("By its opening hours the park was closed for the whole period."));
}

#[test]
fn refuses_an_opening_that_ends_before_it_starts_in_words_without_a_path() {
    let input = day_input(
        "Europe/Rome",
        "2026-03-29",
        "2026-03-28T23:00:00Z",
        "2026-03-29T22:00:00Z",
        "2026-03-29T08:00:00Z",
        "2026-03-29T07:00:00Z",
    );
    let (o, _, path) = run("reversed", &input);
    assert_eq!(o.status.code(), Some(3));
    let line: Value = serde_json::from_slice(&o.stderr).unwrap();
    let message = line["error"]["message"].as_str().unwrap();
    assert!(
        message.contains(
            "openingHours.days[0] (2026-03-29) opens at 2026-03-29T08:00:00Z but closes earlier, at 2026-03-29T07:00:00Z"
        ),
        "{message}"
    );
    let dir = path.parent().unwrap().to_str().unwrap();
    assert!(!message.contains(dir), "{message} names the input file");

    let mut half = input.clone();
    half["openingHours"]["days"][0]["close"] = Value::Null;
    let (o, _, _) = run("half", &half);
    assert_eq!(o.status.code(), Some(3));
    let line: Value = serde_json::from_slice(&o.stderr).unwrap();
    assert!(line["error"]["message"]
        .as_str()
        .unwrap()
        .contains("has only one of open and close; give both, or neither for a closed day"));
}
