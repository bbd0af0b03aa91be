//! An independent check of the KPI math: a week of hourly drops goes through the
//! postprocessor and the reporter (assembled as central's worker does), and a second,
//! deliberately simple implementation computes cycles, riders, availability and top alarms
//! straight from the drops' raw cycles and alarms; both must agree.

#[path = "../../drop-format/tests/support/mod.rs"]
mod support;

use std::collections::BTreeMap;
use std::path::Path;

use chrono::{DateTime, TimeDelta, Utc};
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
    let (mut hourly, mut parts): (Vec<Value>, BTreeMap<(String, String), Value>) =
        (Vec::new(), BTreeMap::new());
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

        // What central's worker does: hourly rows as they are, alarm parts summed per
        // occurrence (ride, code, raisedAt).
        for mut h in r["hourly"].as_array().unwrap().iter().cloned() {
            let o = h.as_object_mut().unwrap();
            o.remove("channels");
            o.insert("ride".into(), json!("revo-1"));
            hourly.push(h);
        }
        for a in r["alarms"].as_array().unwrap() {
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
        "period": { "start": "2026-05-31T22:00:00Z", "end": "2026-06-07T22:00:00Z" },
        "hourly": hourly, "alarms": parts.into_values().collect::<Vec<_>>() });
    let input = reporter::ReportInput::from_json(&serde_json::to_vec(&input).unwrap()).unwrap();
    let summary = reporter::render(&input).unwrap().summary;

    // The simple implementation, from the raw lists only.
    let cycles = raw_cycles.len() as u64;
    let riders: u64 = raw_cycles.iter().map(|c| c.1).sum();
    let mut fault_s = 0.0;
    for &ws in &windows {
        // Seconds of the hour covered by at least one fault or critical alarm, by the second.
        fault_s += (0..3600)
            .filter(|&s| {
                let t = ws + TimeDelta::seconds(s);
                raw_alarms.iter().any(|a| {
                    matches!(a.severity, "fault" | "critical") && a.raised <= t && t < a.cleared
                })
            })
            .count() as f64;
    }
    let availability = 1.0 - fault_s / (windows.len() as f64 * 3600.0);
    let mut top: BTreeMap<&str, (u64, f64)> = BTreeMap::new();
    for a in &raw_alarms {
        let e = top.entry(a.code).or_default();
        e.0 += 1;
        e.1 += (a.cleared - a.raised).num_milliseconds() as f64 / 1000.0;
    }

    assert!(
        cycles > 300 && fault_s > 0.0,
        "the week must have cycles and faults"
    );
    assert_eq!(summary.cycles, cycles);
    assert_eq!(summary.riders, riders);
    assert_eq!(summary.hours_with_data, windows.len() as u64);
    let got = summary.availability.unwrap();
    assert!(
        (got - availability).abs() < 1e-5,
        "availability {got} vs {availability}"
    );
    let got: BTreeMap<&str, (u64, f64)> = summary
        .top_alarms
        .iter()
        .map(|a| (a.code.as_str(), (a.count, a.downtime_s)))
        .collect();
    assert_eq!(
        got.keys().collect::<Vec<_>>(),
        top.keys().collect::<Vec<_>>()
    );
    for (code, (count, downtime)) in &top {
        assert_eq!(got[code].0, *count, "{code}");
        assert!(
            (got[code].1 - downtime).abs() < 0.01,
            "{code}: {:?} vs {downtime}",
            got[code]
        );
    }
}
