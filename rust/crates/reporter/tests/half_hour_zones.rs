//! Zones whose days start at hh:30 UTC (Asia/Kolkata +05:30, Australia/Lord_Howe +10:30/+11):
//! central sends a row for the UTC hour that straddles the period's start or end, carrying
//! only its part inside the period (docs/job-contracts.md, report input `hourly`). Every
//! figure must keep that row and weight it by its minutes inside the period.
//!
//! Random cycles and rows are built as central builds them, and the figures are recomputed
//! here from the raw cycles and minute by minute, without the reporter's hour arithmetic.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use chrono::{DateTime, NaiveDate, TimeDelta, Timelike, Utc};
use chrono_tz::Tz;
use serde_json::{json, Value};

/// A small deterministic generator (no extra dev-dependency for one test).
struct Lcg(u64);
impl Lcg {
    fn next(&mut self, n: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 33) % n
    }
}

fn at(s: &str) -> DateTime<Utc> {
    s.parse().unwrap()
}

fn iso(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

fn hour_of(t: DateTime<Utc>) -> DateTime<Utc> {
    DateTime::from_timestamp(t.timestamp().div_euclid(3600) * 3600, 0).unwrap()
}

struct Cycle {
    start: DateTime<Utc>,
    riders: u64,
}

/// One generated period: the input central would send, and the raw material behind it.
struct Case {
    input: Value,
    tz: Tz,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    cycles: Vec<Cycle>,
    /// (ride, UTC hour) → availability, for every row sent.
    rows: BTreeMap<(&'static str, DateTime<Utc>), f64>,
}

const RIDES: [&str; 2] = ["a", "b"];

fn case(zone: &str, start: &str, end: &str, seed: u64, every_hour: bool) -> Case {
    let tz: Tz = zone.parse().unwrap();
    let (start, end) = (at(start), at(end));
    let mut g = Lcg(seed);
    let mut cycles = Vec::new();
    let mut rows = BTreeMap::new();
    let mut hourly = Vec::new();
    // Every UTC hour that overlaps the period, plus one either side that central never sends.
    let mut h = hour_of(start) - TimeDelta::hours(1);
    while h <= end {
        for ride in RIDES {
            if !every_hour && g.next(4) == 0 {
                continue;
            }
            // The PLC's cycles of the whole UTC hour, some before the period's start or after
            // its end when the hour straddles it.
            let mut in_row = Vec::new();
            for _ in 0..1 + g.next(8) {
                let c = Cycle {
                    start: h + TimeDelta::seconds(g.next(3600) as i64),
                    riders: g.next(41),
                };
                if start <= c.start && c.start < end {
                    in_row.push(c);
                }
            }
            let overlaps = h < end && h + TimeDelta::hours(1) > start;
            if !overlaps {
                continue;
            }
            let availability = g.next(61) as f64 / 60.0;
            rows.insert((ride, h), availability);
            hourly.push(json!({
                "ride": ride, "hourStart": iso(h), "localHour": "",
                "cycles": in_row.len(), "riders": in_row.iter().map(|c| c.riders).sum::<u64>(),
                "completed": in_row.len(), "aborted": 0, "estop": 0, "autoMinutes": 0.0,
                "faultMinutes": (1.0 - availability) * 60.0, "availability": availability,
            }));
            cycles.extend(in_row);
        }
        h += TimeDelta::hours(1);
    }
    let input = json!({
        "format": "zamperla.report-input/v1", "language": "en",
        "park": { "id": "p", "name": "Park", "timezone": zone }, "ride": null,
        "period": { "start": iso(start), "end": iso(end) },
        "hourly": hourly, "alarms": [],
    });
    Case {
        input,
        tz,
        start,
        end,
        cycles,
        rows,
    }
}

/// The park-local day a moment's data is counted in: the day of the start of its UTC hour's
/// part inside the period (an hour's cycles cannot be split, so a UTC hour that straddles
/// local midnight, as in India, counts in the day it starts in).
fn day_of(c: &Case, t: DateTime<Utc>) -> NaiveDate {
    hour_of(t).max(c.start).with_timezone(&c.tz).date_naive()
}

struct Expected {
    cycles: u64,
    riders: u64,
    availability: f64,
    hours_with_data: f64,
    operating_s: f64,
    /// date → (cycles, riders, availability, dataSpan completeness ratio)
    days: BTreeMap<NaiveDate, (u64, u64, f64, f64)>,
    ride_hours_with_data: f64,
    ride_hours_expected: f64,
    /// cycles per park-local hour label, for a one-day period
    chart: [u64; 24],
}

/// The figures from the raw cycles and a minute-by-minute walk over the period.
fn expected(c: &Case) -> Expected {
    let (mut cycles, mut riders) = (0, 0);
    let mut days: BTreeMap<NaiveDate, (u64, u64, f64, f64)> = BTreeMap::new();
    let mut chart = [0u64; 24];
    for x in &c.cycles {
        cycles += 1;
        riders += x.riders;
        let d = days.entry(day_of(c, x.start)).or_default();
        d.0 += 1;
        d.1 += x.riders;
        // The chart's bar: the park-local hour in which the cycle's UTC hour (its part inside
        // the period) starts.
        let bar = hour_of(x.start).max(c.start).with_timezone(&c.tz).hour();
        chart[bar as usize] += 1;
    }
    let (mut weighted, mut minutes, mut hours_minutes) = (0.0, 0.0, 0.0);
    let mut day_avail: BTreeMap<NaiveDate, (f64, f64)> = BTreeMap::new();
    // Per (ride, day): data minutes, first and last data minute.
    type Span = (u64, DateTime<Utc>, DateTime<Utc>);
    let mut span: BTreeMap<(&str, NaiveDate), Span> = BTreeMap::new();
    let mut m = c.start;
    while m < c.end {
        let mut any = false;
        for ride in RIDES {
            if let Some(a) = c.rows.get(&(ride, hour_of(m))) {
                any = true;
                weighted += a;
                minutes += 1.0;
                let d = day_avail.entry(day_of(c, m)).or_default();
                d.0 += a;
                d.1 += 1.0;
                let s = span.entry((ride, day_of(c, m))).or_insert((0, m, m));
                s.0 += 1;
                s.2 = m;
            }
        }
        hours_minutes += f64::from(u8::from(any));
        m += TimeDelta::minutes(1);
    }
    let mut with_by_day: BTreeMap<NaiveDate, (f64, f64)> = BTreeMap::new();
    for ((_, day), (n, first, last)) in &span {
        let e = with_by_day.entry(*day).or_default();
        e.0 += *n as f64 / 60.0;
        e.1 += ((*last - *first).num_minutes() + 1) as f64 / 60.0;
    }
    for (day, (w, n)) in &day_avail {
        let d = days.entry(*day).or_default();
        d.2 = w / n;
        let (with, expected) = with_by_day[day];
        d.3 = with / expected;
    }
    Expected {
        cycles,
        riders,
        availability: weighted / minutes,
        hours_with_data: hours_minutes / 60.0,
        operating_s: weighted * 60.0,
        ride_hours_with_data: with_by_day.values().map(|x| x.0).sum(),
        ride_hours_expected: with_by_day.values().map(|x| x.1).sum(),
        days,
        chart,
    }
}

fn close(a: &Value, b: f64) -> bool {
    a.as_f64()
        .is_some_and(|a| (a - b).abs() <= 1e-4 * b.abs().max(1.0))
}

fn check(name: &str, c: &Case) {
    let input = reporter::ReportInput::from_json(&serde_json::to_vec(&c.input).unwrap()).unwrap();
    let summary = reporter::summarize(&input, c.tz);
    let view = reporter::ReportView::new(&input, &summary, c.tz);
    let s = serde_json::to_value(&summary).unwrap();
    let e = expected(c);
    assert_eq!(s["cycles"], e.cycles, "{name}: cycles");
    assert_eq!(s["riders"], e.riders, "{name}: riders");
    assert!(
        close(&s["availability"], e.availability),
        "{name}: availability {} vs {}",
        s["availability"],
        e.availability
    );
    assert!(
        close(&s["hoursWithData"], e.hours_with_data),
        "{name}: hours with data {} vs {}",
        s["hoursWithData"],
        e.hours_with_data
    );
    assert!(
        close(&s["operatingS"], e.operating_s),
        "{name}: operating time {} vs {}",
        s["operatingS"],
        e.operating_s
    );
    let comp = &s["completeness"];
    assert_eq!(comp["basis"], "dataSpan", "{name}");
    assert!(
        close(&comp["rideHoursWithData"], e.ride_hours_with_data)
            && close(&comp["rideHoursExpected"], e.ride_hours_expected),
        "{name}: completeness {comp} vs {} / {}",
        e.ride_hours_with_data,
        e.ride_hours_expected
    );
    let days = s["days"].as_array().unwrap();
    let dates: Vec<String> = e.days.keys().map(|d| d.to_string()).collect();
    let got: Vec<&str> = days.iter().map(|d| d["date"].as_str().unwrap()).collect();
    assert_eq!(got, dates, "{name}: days");
    for (d, (date, (cycles, riders, avail, ratio))) in days.iter().zip(&e.days) {
        assert_eq!(
            (&d["cycles"], &d["riders"]),
            (&json!(cycles), &json!(riders)),
            "{name}: {date}"
        );
        assert!(
            close(&d["availability"], *avail) && close(&d["completeness"], *ratio),
            "{name}: {date}: {d} vs availability {avail}, completeness {ratio}"
        );
    }
    let bars: Vec<(String, u64)> = view.chart.clone();
    let chart_sum: u64 = bars.iter().map(|b| b.1).sum();
    assert_eq!(chart_sum, e.cycles, "{name}: the daily chart adds up");
    if e.days.len() == 1 {
        let hourly: Vec<u64> = view
            .hourly_chart
            .clone()
            .unwrap()
            .iter()
            .map(|b| b.1)
            .collect();
        assert_eq!(hourly, e.chart, "{name}: cycles per park-local hour");
    }
}

/// Day reports of a Kolkata day, Lord Howe's 23.5-hour and 24.5-hour DST days, a three-day
/// Kolkata period (UTC hours straddle every local midnight) and a Rome day for contrast, with
/// rows missing at random; each against the independent computation.
#[test]
fn half_hour_zones_count_the_hour_that_straddles_the_period_edge() {
    let cases = [
        (
            "Asia/Kolkata",
            "2026-03-28T18:30:00Z",
            "2026-03-29T18:30:00Z",
        ),
        (
            "Australia/Lord_Howe",
            "2026-10-03T13:30:00Z",
            "2026-10-04T13:00:00Z",
        ),
        (
            "Australia/Lord_Howe",
            "2026-04-04T13:00:00Z",
            "2026-04-05T13:30:00Z",
        ),
        (
            "Asia/Kolkata",
            "2026-03-27T18:30:00Z",
            "2026-03-30T18:30:00Z",
        ),
        (
            "Europe/Rome",
            "2026-03-28T23:00:00Z",
            "2026-03-29T22:00:00Z",
        ),
    ];
    for (zone, start, end) in cases {
        for seed in 0..12 {
            let c = case(zone, start, end, seed, seed % 4 == 0);
            check(&format!("{zone} {start} seed {seed}"), &c);
        }
    }
}

/// The Lord Howe 23.5-hour day (2026-10-04, clocks 02:00 → 02:30) as a rendered report: the
/// PDF's key figures show the cycles of the whole day, its first half hour included.
#[test]
fn a_lord_howe_dst_day_report_shows_the_first_half_hour_in_the_pdf() {
    let c = case(
        "Australia/Lord_Howe",
        "2026-10-03T13:30:00Z",
        "2026-10-04T13:00:00Z",
        7,
        true,
    );
    let first_half_hour = c
        .cycles
        .iter()
        .filter(|x| x.start < at("2026-10-03T14:00:00Z"))
        .count();
    assert!(first_half_hour > 0, "the fixture has cycles before 14:00Z");
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("lord-howe-23h30");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("input.json");
    std::fs::write(&path, serde_json::to_vec(&c.input).unwrap()).unwrap();
    let out = dir.join("out");
    let o = Command::new(env!("CARGO_BIN_EXE_reporter"))
        .args(["--input".as_ref(), path.as_os_str()])
        .args(["--out-dir".as_ref(), out.as_os_str()])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let text = Command::new("pdftotext")
        .args([out.join("report.pdf").as_os_str(), "-".as_ref()])
        .output()
        .expect("pdftotext (poppler-utils)");
    let text = String::from_utf8(text.stdout).unwrap();
    let riders: u64 = c.cycles.iter().map(|x| x.riders).sum();
    let headline = format!("Cycles {} \u{b7} Riders {riders}", c.cycles.len());
    assert!(text.contains(&headline), "{headline:?} not in: {text}");
    let summary: Value =
        serde_json::from_slice(&std::fs::read(out.join("summary.json")).unwrap()).unwrap();
    let narrative = summary["narrative"].as_str().unwrap();
    assert!(
        narrative.contains("over 23.5 hours in which at least one ride sent data"),
        "{narrative}"
    );
}
