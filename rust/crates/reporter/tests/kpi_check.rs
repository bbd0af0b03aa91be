//! An independent check of the KPI math: a week of hourly drops goes through the
//! postprocessor and the reporter (assembled as central's worker does), and a second,
//! deliberately simple implementation computes cycles, riders, availability, failures,
//! MTTR and top alarms (count, active time, downtime) straight from the drops' raw cycles
//! and alarms, for the whole week and for a period that cuts through an alarm; both must
//! agree.

#[path = "../../drop-format/tests/support/mod.rs"]
mod support;

use std::collections::BTreeMap;
use std::path::Path;

use chrono::{DateTime, DurationRound, TimeDelta, Utc};
use drop_format::{format_utc_instant, RideModels};
use serde_json::{json, Value};
use support::DropBuilder;

const CODES: [(&str, &str); 4] = [
    ("E-101", "fault"),
    ("E-201", "critical"),
    ("W-401", "warning"),
    ("E-301", "fault"),
];

struct RawAlarm {
    code: &'static str,
    severity: &'static str,
    raised: DateTime<Utc>,
    cleared: DateTime<Utc>,
}

#[test]
fn reporter_summary_matches_a_direct_computation_from_the_drops() {
    let mut seed = 0x9e37_79b9_7f4a_7c15_u64;
    let mut rand = move |n: u64| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed % n
    };
    let t0: DateTime<Utc> = "2026-06-01T06:00:00Z".parse().unwrap(); // 08:00 in Rome
    let mut raw_cycles: Vec<(DateTime<Utc>, u64)> = Vec::new();
    let mut raw_alarms: Vec<RawAlarm> = Vec::new();
    let mut windows = Vec::new();
    for day in 0..7 {
        let open = t0 + TimeDelta::days(day);
        let close = open + TimeDelta::hours(12);
        for _ in 0..rand(4) {
            let (code, severity) = CODES[rand(4) as usize];
            let raised = open + TimeDelta::seconds(rand(12 * 3600) as i64);
            // Some span several hourly drops; all clear by closing time.
            let cleared = (raised + TimeDelta::seconds(30 + rand(5400) as i64)).min(close);
            raw_alarms.push(RawAlarm {
                code,
                severity,
                raised,
                cleared,
            });
        }
        for h in 0..12 {
            windows.push(open + TimeDelta::hours(h));
        }
    }

    let models = RideModels::from_json(
        &std::fs::read(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../../shared/ride-models/ride-models.json"
        ))
        .unwrap(),
    )
    .unwrap();
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("kpi-week");
    std::fs::create_dir_all(&dir).unwrap();
    // Per window: its hourly rows and its alarm rows, as the postprocessor wrote them.
    let mut results: Vec<(DateTime<Utc>, Vec<Value>, Vec<Value>)> = Vec::new();
    for (seq, &ws) in windows.iter().enumerate() {
        let we = ws + TimeDelta::hours(1);
        let mut cycles = Vec::new();
        for k in 0..rand(15) {
            let start = ws + TimeDelta::seconds((k * 220 + rand(60)) as i64);
            let riders = rand(41);
            raw_cycles.push((start, riders));
            cycles.push(
                json!({ "id": format!("{seq}-{k}"), "start": format_utc_instant(start),
                "end": format_utc_instant(start + TimeDelta::seconds(150)), "mode": "auto",
                "outcome": "completed", "riders": riders }),
            );
        }
        // The PLC repeats an active alarm in every window it spans, with its original raisedAt.
        let alarms: Vec<Value> = raw_alarms
            .iter()
            .filter(|a| a.raised < we && a.cleared > ws)
            .map(|a| {
                json!({ "code": a.code, "severity": a.severity,
                "raisedAt": format_utc_instant(a.raised),
                "clearedAt": (a.cleared <= we).then(|| format_utc_instant(a.cleared)),
                "cycleId": null })
            })
            .collect();
        let mut b = DropBuilder::new(
            "discovery-revolution",
            "Europe/Rome",
            &format_utc_instant(ws),
            &format_utc_instant(we),
        )
        .entry("cycles.json", &Value::Array(cycles))
        .entry("alarms.json", &Value::Array(alarms));
        b.manifest["sequence"] = json!(seq + 1);
        let path = dir.join(format!("{seq}.zip"));
        std::fs::write(&path, b.build()).unwrap();
        let r = serde_json::to_value(postprocessor::process(&path, &models).unwrap()).unwrap();
        let hourly: Vec<Value> = r["hourly"]
            .as_array()
            .unwrap()
            .iter()
            .cloned()
            .map(|mut h| {
                let o = h.as_object_mut().unwrap();
                o.remove("channels");
                o.insert("ride".into(), json!("revo-1"));
                h
            })
            .collect();
        results.push((ws, hourly, r["alarms"].as_array().unwrap().clone()));
    }
    assert!(
        raw_cycles.len() > 300 && raw_alarms.iter().any(|a| a.severity != "warning"),
        "the week must have cycles and faults"
    );

    // The whole week, then three days cut through the middle of the longest alarm, so an
    // occurrence raised before the period counts with its time inside it.
    let week = (
        t0 - TimeDelta::hours(8),
        t0 + TimeDelta::days(7) - TimeDelta::hours(8),
    );
    check(&results, &raw_cycles, &raw_alarms, &windows, week);
    let longest = raw_alarms
        .iter()
        .max_by_key(|a| a.cleared - a.raised)
        .unwrap();
    let cut = longest.raised.duration_trunc(TimeDelta::hours(1)).unwrap() + TimeDelta::hours(1);
    assert!(
        longest.raised < cut && cut < longest.cleared,
        "the cut must split an alarm"
    );
    check(
        &results,
        &raw_cycles,
        &raw_alarms,
        &windows,
        (cut, cut + TimeDelta::days(3)),
    );
}

type Period = (DateTime<Utc>, DateTime<Utc>);

/// Runs the reporter on `period` with the input central's worker assembles (R4/R5: the
/// hourly rows of the period's hours, every occurrence active in the period with its parts
/// inside the period summed) and compares its figures with a computation from the raw lists.
fn check(
    results: &[(DateTime<Utc>, Vec<Value>, Vec<Value>)],
    raw_cycles: &[(DateTime<Utc>, u64)],
    raw_alarms: &[RawAlarm],
    windows: &[DateTime<Utc>],
    (from, to): Period,
) {
    let inside = |t: DateTime<Utc>| from <= t && t < to;
    let mut hourly = Vec::new();
    let mut parts: BTreeMap<(String, String), Value> = BTreeMap::new();
    for (ws, rows, alarms) in results.iter().filter(|r| inside(r.0)) {
        assert!(*ws + TimeDelta::hours(1) <= to, "periods are whole hours");
        hourly.extend(rows.iter().cloned());
        for a in alarms {
            let key = (
                a["code"].as_str().unwrap().to_owned(),
                a["raisedAt"].as_str().unwrap().to_owned(),
            );
            let e = parts.entry(key).or_insert_with(|| {
                json!({ "ride": "revo-1",
                "code": a["code"], "severity": a["severity"], "text": a["text"],
                "raisedAt": a["raisedAt"], "durationS": 0.0 })
            });
            e["durationS"] =
                json!(e["durationS"].as_f64().unwrap() + a["durationS"].as_f64().unwrap());
        }
    }
    let input = json!({
        "format": "zamperla.report-input/v1", "language": "en",
        "park": { "id": "gardaland", "name": "Gardaland", "timezone": "Europe/Rome" },
        "ride": { "id": "revo-1", "name": "Revolution Express", "model": "discovery-revolution" },
        "period": { "start": format_utc_instant(from), "end": format_utc_instant(to) },
        "hourly": hourly, "alarms": parts.into_values().collect::<Vec<_>>() });
    let input = reporter::ReportInput::from_json(&serde_json::to_vec(&input).unwrap()).unwrap();
    let summary = reporter::render(&input).unwrap().summary;

    // The simple implementation, from the raw lists only.
    let cycles: Vec<_> = raw_cycles.iter().filter(|c| inside(c.0)).collect();
    let riders: u64 = cycles.iter().map(|c| c.1).sum();
    let hours: Vec<_> = windows.iter().filter(|w| inside(**w)).collect();
    let is_fault = |a: &RawAlarm| matches!(a.severity, "fault" | "critical");
    let mut fault_s = 0.0;
    for &&ws in &hours {
        // Seconds of the hour covered by at least one fault or critical alarm, by the second.
        fault_s += (0..3600)
            .filter(|&s| {
                let t = ws + TimeDelta::seconds(s);
                raw_alarms
                    .iter()
                    .any(|a| is_fault(a) && a.raised <= t && t < a.cleared)
            })
            .count() as f64;
    }
    let availability = 1.0 - fault_s / (hours.len() as f64 * 3600.0);
    // Per code: occurrences active in the period, their seconds inside it, and the same for
    // faults only (warnings carry no downtime).
    let mut top: BTreeMap<&str, (u64, f64, f64)> = BTreeMap::new();
    let (mut failures, mut warnings, mut repair_s) = (0u64, 0u64, 0.0);
    for a in raw_alarms
        .iter()
        .filter(|a| a.raised < to && a.cleared > from)
    {
        let secs = (a.cleared.min(to) - a.raised.max(from)).num_milliseconds() as f64 / 1000.0;
        let e = top.entry(a.code).or_default();
        e.0 += 1;
        e.1 += secs;
        if is_fault(a) {
            e.2 += secs;
            failures += 1;
            repair_s += secs;
        } else {
            warnings += 1;
        }
    }

    let label = format!("period {from} – {to}");
    assert_eq!(summary.cycles, cycles.len() as u64, "{label}");
    assert_eq!(summary.riders, riders, "{label}");
    assert_eq!(summary.hours_with_data, hours.len() as f64, "{label}");
    let got = summary.availability.unwrap();
    assert!(
        (got - availability).abs() < 1e-5,
        "{label}: availability {got} vs {availability}"
    );
    assert_eq!(
        (summary.failures, summary.warnings),
        (failures, warnings),
        "{label}"
    );
    let mttr = summary.mttr_s.unwrap();
    assert!(
        (mttr - repair_s / failures as f64).abs() < 0.01,
        "{label}: MTTR {mttr} vs {}",
        repair_s / failures as f64
    );
    let got: BTreeMap<&str, (u64, f64, f64)> = summary
        .top_alarms
        .iter()
        .map(|a| (a.code.as_str(), (a.count, a.active_s, a.downtime_s)))
        .collect();
    assert_eq!(
        got.keys().collect::<Vec<_>>(),
        top.keys().collect::<Vec<_>>(),
        "{label}"
    );
    for (code, (count, active, downtime)) in &top {
        assert_eq!(got[code].0, *count, "{label}: {code}");
        assert!(
            (got[code].1 - active).abs() < 0.01 && (got[code].2 - downtime).abs() < 0.01,
            "{label}: {code}: {:?} vs {active} / {downtime}",
            got[code]
        );
    }
    // The narrative names the fault with the most downtime, the same as the table.
    let worst = summary.top_alarms_by_downtime.first().unwrap();
    assert!(
        worst.severity == "fault" || worst.severity == "critical",
        "{label}"
    );
    assert!(
        summary.narrative.contains(&worst.code) && !summary.narrative.contains("no faults"),
        "{label}: {}",
        summary.narrative
    );
}
