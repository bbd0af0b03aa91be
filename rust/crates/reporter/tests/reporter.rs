//! The reporter binary end to end: input written here, the three files read back.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::{json, Value};

fn out_dir(name: &str) -> PathBuf {
    let d = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&d);
    d
}

/// Three days of a ride in Rome across the spring DST change, 10 cycles an hour from
/// 08:00 to 19:59 UTC, one hour with 15 fault minutes.
fn input(language: &str) -> Value {
    let mut hourly = Vec::new();
    for day in 28..=30 {
        for hour in 8..20 {
            let fault = if day == 29 && hour == 10 { 15.0 } else { 0.0 };
            hourly.push(json!({
                "ride": "revo-1", "hourStart": format!("2026-03-{day}T{hour:02}:00:00Z"),
                "localHour": "", "cycles": 10, "riders": 250, "completed": 10, "aborted": 0, "estop": 0,
                "autoMinutes": 40.0, "faultMinutes": fault, "availability": 1.0 - fault / 60.0
            }));
        }
    }
    // Outside the period: must not count.
    hourly.push(json!({
        "ride": "revo-1", "hourStart": "2026-03-31T10:00:00Z", "localHour": "", "cycles": 99, "riders": 1,
        "completed": 99, "aborted": 0, "estop": 0, "autoMinutes": 1.0, "faultMinutes": 0.0, "availability": 1.0
    }));
    let day = |date: &str, cycles: u64, p95: f64| json!({ "date": date, "cycles": cycles, "p95Peak": p95 });
    let channels = json!([
        { "ride": "revo-1", "channel": "main_motor.current", "unit": "A", "threshold": { "max": 420.0 },
          "days": [day("2026-03-28", 120, 401.5), day("2026-03-29", 120, 433.25), day("2026-03-30", 120, 410.0),
                   // Outside the period: must not count.
                   day("2026-03-31", 99, 999.0)] },
        { "ride": "revo-1", "channel": "brake.pressure", "unit": "bar", "threshold": { "min": 120.0, "max": 210.0 },
          "days": [day("2026-03-28", 120, 181.0), day("2026-03-30", 120, 183.5)] },
        { "ride": "revo-1", "channel": "cabin.humidity", "unit": null, "threshold": null,
          "days": [day("2026-03-29", 120, 55.0)] },
        // Another ride's rows do not belong in this ride's report.
        { "ride": "other", "channel": "main_motor.current", "unit": "A", "threshold": { "max": 1.0 },
          "days": [day("2026-03-29", 5, 300.0)] },
    ]);
    let alarm = |code: &str, text: &str, at: &str, d: f64| json!({ "ride": "revo-1", "code": code, "severity": "fault", "text": text, "raisedAt": at, "durationS": d });
    json!({
        "format": "zamperla.report-input/v1",
        "language": language,
        "park": { "id": "gardaland", "name": "Gardaland", "timezone": "Europe/Rome" },
        "ride": { "id": "revo-1", "name": "Revolution Express", "model": "discovery-revolution" },
        "period": { "start": "2026-03-27T23:00:00Z", "end": "2026-03-30T22:00:00Z" },
        "hourly": hourly,
        "alarms": [
            alarm("W-401", "Structure vibration high", "2026-03-28T09:00:00Z", 60.0),
            alarm("E-101", "Main motor overcurrent", "2026-03-29T10:00:00Z", 900.0),
            alarm("W-401", "Structure vibration high", "2026-03-30T09:00:00Z", 30.0),
            alarm("E-201", "Brake pressure low", "2026-03-30T11:00:00Z", 5000.0),
        ],
        "channels": channels,
        "anomalies": [
            { "ride": "revo-1", "kind": "breach_max", "channel": "main_motor.current", "count": 4,
              "first": "2026-03-29T10:12:00Z", "worst": 451.25, "limit": 420.0 },
            { "ride": "revo-1", "kind": "gap", "channel": "brake.pressure", "count": 2,
              "first": "2026-03-28T09:00:00Z", "worst": null, "limit": null },
            { "ride": "revo-1", "kind": "counter_reset", "channel": null, "count": 1,
              "first": "2026-03-30T08:00:00Z", "worst": null, "limit": null },
            // Outside the period, and another ride: both left out.
            { "ride": "revo-1", "kind": "gap", "channel": "brake.pressure", "count": 9,
              "first": "2026-03-31T09:00:00Z", "worst": null, "limit": null },
            { "ride": "other", "kind": "gap", "channel": null, "count": 9,
              "first": "2026-03-29T09:00:00Z", "worst": null, "limit": null }
        ]
    })
}

fn run(name: &str, input: &Value) -> (std::process::Output, PathBuf) {
    let dir = out_dir(name);
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
    (o, out)
}

#[test]
fn writes_pdf_html_and_summary() {
    let (o, out) = run("en", &input("en"));
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));

    let summary: Value =
        serde_json::from_slice(&std::fs::read(out.join("summary.json")).unwrap()).unwrap();
    assert_eq!(summary["format"], "zamperla.report-summary/v1");
    assert_eq!(summary["cycles"], 360);
    assert_eq!(summary["riders"], 9000);
    assert_eq!(summary["hoursWithData"], 36.0);
    assert_eq!(summary["availability"], 0.993056, "1 - 15 / (36 * 60)");
    let days: Vec<&str> = summary["days"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["date"].as_str().unwrap())
        .collect();
    assert_eq!(days, ["2026-03-28", "2026-03-29", "2026-03-30"]);
    assert_eq!(summary["days"][1]["availability"], 0.979167);
    let top: Vec<&str> = summary["topAlarms"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["code"].as_str().unwrap())
        .collect();
    assert_eq!(top, ["W-401", "E-201", "E-101"], "by count, then downtime");
    assert_eq!(summary["topAlarms"][0]["downtimeS"], 90.0);

    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(html.contains("Revolution Express") && html.contains("Brake pressure low"));
    assert!(
        !html.contains("http://") && !html.contains("https://") && !html.contains("src="),
        "self-contained"
    );

    let pdf = std::fs::read(out.join("report.pdf")).unwrap();
    assert!(pdf.starts_with(b"%PDF-"));
    let info = Command::new("pdfinfo")
        .arg(out.join("report.pdf"))
        .output()
        .expect("pdfinfo (poppler-utils)");
    let info = String::from_utf8(info.stdout).unwrap();
    assert!(info.contains("595.28 x 841.89 pts (A4)"), "{info}");
    let text = Command::new("pdftotext")
        .arg(out.join("report.pdf"))
        .arg("-")
        .output()
        .expect("pdftotext (poppler-utils)");
    assert!(text.status.success());
    let text = String::from_utf8(text.stdout).unwrap();
    assert!(text.contains("Revolution Express"), "{text}");
    assert!(text.contains("Cycles 360"), "{text}");
    assert!(text.contains("Main motor overcurrent"), "{text}");
}

#[test]
fn speaks_italian_and_is_deterministic() {
    let (a, out_a) = run("it-a", &input("it"));
    let (b, out_b) = run("it-b", &input("it"));
    assert!(a.status.success() && b.status.success());
    for f in ["report.pdf", "report.html", "summary.json"] {
        assert_eq!(
            std::fs::read(out_a.join(f)).unwrap(),
            std::fs::read(out_b.join(f)).unwrap(),
            "{f}"
        );
    }
    let html = std::fs::read_to_string(out_a.join("report.html")).unwrap();
    assert!(
        html.contains("lang=\"it\"")
            && html.contains("Cicli al giorno")
            && html.contains("Cicli 360 \u{b7} Passeggeri 9000 \u{b7} Disponibilit\u{e0} 99,3 %")
    );
}

#[test]
fn invalid_input_exits_3_with_a_json_error() {
    let mut bad = input("en");
    bad["park"]["timezone"] = json!("Europe/Atlantis");
    let (o, out) = run("bad", &bad);
    assert_eq!(o.status.code(), Some(3));
    let line: Value = serde_json::from_slice(&o.stderr).unwrap();
    assert_eq!(line["error"]["code"], "input_invalid");
    assert!(line["error"]["message"]
        .as_str()
        .unwrap()
        .contains("Europe/Atlantis"));
    assert!(!out.exists(), "nothing written");

    let o = Command::new(env!("CARGO_BIN_EXE_reporter"))
        .arg("--input")
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(3));
}

#[test]
fn computes_mtbf_mttr_completeness_and_a_narrative() {
    let mut input = input("en");
    // A missing hour inside an operating day, and the vibration alarms only warnings.
    input["hourly"]
        .as_array_mut()
        .unwrap()
        .retain(|h| h["hourStart"] != "2026-03-29T12:00:00Z");
    for a in input["alarms"].as_array_mut().unwrap() {
        if a["code"] == "W-401" {
            a["severity"] = json!("warning");
        }
    }
    let (o, out) = run("depth", &input);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let s: Value =
        serde_json::from_slice(&std::fs::read(out.join("summary.json")).unwrap()).unwrap();

    assert_eq!(
        s["failures"], 2,
        "E-101 and E-201; warnings are not failures"
    );
    assert_eq!(
        s["operatingS"], 125_100.0,
        "(35 h * 60 - 15 fault min) * 60"
    );
    assert_eq!(s["mtbfS"], 62_550.0);
    assert_eq!(s["mttrS"], 2950.0, "(900 + 5000) / 2");
    // No opening hours in this input: measured against each day's span of data.
    assert_eq!(s["completeness"]["basis"], "dataSpan");
    assert_eq!(s["completeness"]["rideHoursWithData"], 35.0);
    assert_eq!(s["completeness"]["rideHoursExpected"], 36.0);
    assert_eq!(s["completeness"]["rideHoursOutsideOpening"], Value::Null);
    assert_eq!(s["completeness"]["ratio"], 0.972222);
    assert_eq!(s["days"][1]["completeness"], 0.916667, "11 of 12 hours");
    let by_downtime: Vec<&str> = s["topAlarmsByDowntime"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["code"].as_str().unwrap())
        .collect();
    assert_eq!(
        by_downtime,
        ["E-201", "E-101"],
        "warnings carry no downtime, so they are not listed by it"
    );
    assert_eq!(s["warnings"], 2);
    assert_eq!(
        (
            &s["topAlarms"][0]["activeS"],
            &s["topAlarms"][0]["downtimeS"]
        ),
        (&json!(90.0), &json!(0.0)),
        "W-401 was active 90 s without downtime"
    );

    let n = s["narrative"].as_str().unwrap();
    for part in [
        "Revolution Express ran 350 cycles with 8750 riders over 35 hours with data.",
        "with 2 faults: on average one every 17 h 22 min of operation, each taking 49 min 10 s to clear.",
        "The most downtime came from E-201 \u{201c}Brake pressure low\u{201d} (1 h 23 min); the most frequent alarm was W-401 \u{201c}Structure vibration high\u{201d} (2 times).",
        "2 warning or info alarms were active; they caused no downtime (only fault and critical alarms do).",
        "Data is missing for 1 of 36 operating hours (97.2 % complete).",
        "No opening hours were given, so completeness is measured against each day's span of hours with data.",
    ] {
        assert!(n.contains(part), "{part:?} not in {n:?}");
    }

    // The PDF shows it too, and renders to as many pictures as it has pages.
    let pdf = out.join("report.pdf");
    let text = Command::new("pdftotext")
        .args([pdf.as_os_str(), "-".as_ref()])
        .output()
        .unwrap();
    let text = String::from_utf8(text.stdout).unwrap();
    assert!(
        text.contains("MTBF") && text.contains("17 h 22 min") && text.contains("35 / 36 h"),
        "{text}"
    );
    let info = Command::new("pdfinfo").arg(&pdf).output().unwrap();
    let pages: usize = String::from_utf8(info.stdout)
        .unwrap()
        .lines()
        .find_map(|l| l.strip_prefix("Pages:"))
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    assert!(
        pages >= 2,
        "summary, tables and two alarm lists need two pages"
    );
    let prefix = out.join("page");
    let ppm = Command::new("pdftoppm")
        .args(["-png", "-r", "30"])
        .args([pdf.as_os_str(), prefix.as_os_str()])
        .status()
        .expect("pdftoppm (poppler-utils)");
    assert!(ppm.success());
    let pngs = std::fs::read_dir(&out)
        .unwrap()
        .filter(|e| {
            let name = e.as_ref().unwrap().file_name();
            let name = name.to_string_lossy();
            name.starts_with("page") && name.ends_with(".png")
        })
        .count();
    assert_eq!(pngs, pages);
}

#[test]
fn says_so_in_italian_when_there_were_no_faults() {
    let mut input = input("it");
    input["alarms"] = json!([]);
    for h in input["hourly"].as_array_mut().unwrap() {
        h["faultMinutes"] = json!(0.0);
        h["availability"] = json!(1.0);
    }
    let (o, out) = run("it-calm", &input);
    assert!(o.status.success());
    let s: Value =
        serde_json::from_slice(&std::fs::read(out.join("summary.json")).unwrap()).unwrap();
    assert_eq!(s["failures"], 0);
    assert_eq!(s["mtbfS"], Value::Null);
    assert_eq!(s["mttrS"], Value::Null);
    let n = s["narrative"].as_str().unwrap();
    assert!(
        n.contains("La disponibilità è stata del 100,0 %, senza guasti.")
            && n.contains("I dati sono completi per tutte le 36 ore di esercizio."),
        "{n}"
    );
}

#[test]
fn never_says_no_faults_while_availability_shows_fault_time() {
    // Fault minutes in the hourly rows but no fault alarm in the list (an input central
    // should not send): the narrative must not contradict the availability it prints.
    for (lang, must, must_not) in [
        (
            "en",
            "Availability was 99.3 %: the hourly data records fault time, but no fault or critical alarm is listed for the period.",
            "no faults",
        ),
        (
            "it",
            "La disponibilità è stata del 99,3 %: i dati orari registrano tempo di guasto, ma nel periodo non risulta alcun allarme fault o critical.",
            "senza guasti",
        ),
    ] {
        let mut input = input(lang);
        input["alarms"] = json!([]);
        let (o, out) = run(&format!("lost-{lang}"), &input);
        assert!(o.status.success());
        let s: Value =
            serde_json::from_slice(&std::fs::read(out.join("summary.json")).unwrap()).unwrap();
        let n = s["narrative"].as_str().unwrap();
        assert!(n.contains(must) && !n.contains(must_not), "{n}");
    }
}

#[test]
fn shows_channel_health_against_thresholds() {
    let (o, out) = run("health", &input("en"));
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let s: Value =
        serde_json::from_slice(&std::fs::read(out.join("summary.json")).unwrap()).unwrap();
    let health = s["channelHealth"].as_array().unwrap();
    let names: Vec<&str> = health
        .iter()
        .map(|c| c["channel"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        ["brake.pressure", "cabin.humidity", "main_motor.current"],
        "sorted, only this ride"
    );
    let motor = &health[2];
    assert_eq!(motor["limit"], 420.0);
    assert_eq!(
        motor["days"].as_array().unwrap().len(),
        3,
        "31st is outside"
    );
    assert_eq!(motor["maxP95Peak"], 433.25);
    assert_eq!(motor["daysAbove"], 1);
    assert_eq!(motor["flagged"], true);
    assert_eq!(
        health[0]["limit"], 210.0,
        "peaks are compared with the upper limit"
    );
    assert_eq!(health[0]["flagged"], false);
    assert_eq!(health[1]["limit"], Value::Null);
    assert_eq!(health[1]["flagged"], false);
    assert!(s["narrative"]
        .as_str()
        .unwrap()
        .contains("exceeded the model's threshold on at least one day: main_motor.current."));

    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(html.contains("Channel health \u{2013} Revolution Express"));
    assert!(html.contains("<tr class=\"flag\"><td>main_motor.current (A)</td>"));
    assert!(html.contains("<polyline"));

    let pdf = out.join("report.pdf");
    let text = Command::new("pdftotext")
        .args(["-layout".as_ref(), pdf.as_os_str(), "-".as_ref()])
        .output()
        .unwrap();
    let text = String::from_utf8(text.stdout).unwrap();
    let row = text
        .lines()
        .find(|l| l.contains("main_motor.current (A)"))
        .unwrap_or_else(|| panic!("no motor row in {text}"));
    assert!(
        row.contains("420") && row.contains("433.2") && row.contains("ABOVE 1 / 3"),
        "{row}"
    );
}

#[test]
fn older_inputs_without_channels_still_render() {
    let mut old = input("en");
    old.as_object_mut().unwrap().remove("channels");
    let (o, out) = run("no-channels", &old);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let s: Value =
        serde_json::from_slice(&std::fs::read(out.join("summary.json")).unwrap()).unwrap();
    assert_eq!(s["channelHealth"], json!([]));
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(!html.contains("Channel health"));
}

#[test]
fn embeds_its_fonts_and_prints_italian_accents() {
    let mut it = input("it");
    it["park"]["name"] = json!("Parco Città d\u{2019}Été \u{2264} °C \u{904a}");
    let (o, out) = run("fonts", &it);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let pdf = out.join("report.pdf");
    let fonts = Command::new("pdffonts")
        .arg(&pdf)
        .output()
        .expect("pdffonts");
    let fonts = String::from_utf8(fonts.stdout).unwrap();
    let rows: Vec<&str> = fonts.lines().skip(2).collect();
    assert_eq!(rows.len(), 2, "{fonts}");
    for row in rows {
        // name, type, encoding, emb, sub, uni, ...
        let cols: Vec<&str> = row.split_whitespace().collect();
        assert!(cols[0].contains("+DejaVuSans"), "{row}");
        assert_eq!(
            &cols[cols.len() - 5..cols.len() - 2],
            ["yes", "yes", "yes"],
            "embedded, subset, unicode: {row}"
        );
    }
    let text = Command::new("pdftotext")
        .args([pdf.as_os_str(), "-".as_ref()])
        .output()
        .unwrap();
    let text = String::from_utf8(text.stdout).unwrap();
    for part in [
        // DejaVu has no CJK: the page shows `?`, and so does the extracted text.
        "Parco Città d\u{2019}Été \u{2264} °C ?",
        "Disponibilità",
        "Allarmi più frequenti",
        "Stato dei canali",
    ] {
        assert!(text.contains(part), "{part:?} not in {text}");
    }
}

#[test]
fn a_day_report_of_a_park_charts_hours_and_names_ride_hours() {
    let mut day = input("en");
    day["ride"] = Value::Null;
    day["period"] = json!({ "start": "2026-03-28T23:00:00Z", "end": "2026-03-29T22:00:00Z" });
    // A second ride for two hours: 12 + 2 ride-hours, 12 distinct hours.
    for hour in [9, 10] {
        day["hourly"].as_array_mut().unwrap().push(json!({
            "ride": "wheel", "hourStart": format!("2026-03-29T{hour:02}:00:00Z"), "localHour": "",
            "cycles": 3, "riders": 30, "completed": 3, "aborted": 0, "estop": 0,
            "autoMinutes": 10.0, "faultMinutes": 0.0, "availability": 1.0
        }));
    }
    let (o, out) = run("park-day", &day);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let s: Value =
        serde_json::from_slice(&std::fs::read(out.join("summary.json")).unwrap()).unwrap();
    assert_eq!(s["hoursWithData"], 12.0);
    assert_eq!(s["completeness"]["rideHoursWithData"], 14.0);
    let n = s["narrative"].as_str().unwrap();
    assert!(
        n.contains("over 12 hours in which at least one ride sent data")
            && n.contains("for all 14 ride-hours of operation"),
        "{n}"
    );
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(html.contains("Cycles per hour (park-local time)"));
    assert!(html.contains("Hours with data (from any ride)"));
    // 08:00 UTC is 10:00 in Rome after the change to summer time on the 29th.
    assert!(html.contains(">10</text>") && html.contains(">23</text>"));
    let pdf = out.join("report.pdf");
    let text = Command::new("pdftotext")
        .args(["-layout".as_ref(), pdf.as_os_str(), "-".as_ref()])
        .output()
        .unwrap();
    let text = String::from_utf8(text.stdout).unwrap();
    assert!(
        text.contains("Cycles per hour") && text.contains("ride-hours"),
        "{text}"
    );
}

#[test]
fn lists_breaches_and_quality_findings_as_anomalies() {
    let (o, out) = run("anomalies", &input("en"));
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let s: Value =
        serde_json::from_slice(&std::fs::read(out.join("summary.json")).unwrap()).unwrap();
    let kinds: Vec<(&str, u64)> = s["anomalies"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| (a["kind"].as_str().unwrap(), a["count"].as_u64().unwrap()))
        .collect();
    assert_eq!(
        kinds,
        [("breach_max", 4), ("counter_reset", 1), ("gap", 2)],
        "this ride, this period, sorted by kind"
    );
    assert!(s["narrative"]
        .as_str()
        .unwrap()
        .contains("4 threshold breaches and 3 data-quality findings were recorded"));
    let pdf = out.join("report.pdf");
    let text = Command::new("pdftotext")
        .args(["-layout".as_ref(), pdf.as_os_str(), "-".as_ref()])
        .output()
        .unwrap();
    let text = String::from_utf8(text.stdout).unwrap();
    let row = text
        .lines()
        .find(|l| l.contains("Above the upper limit"))
        .unwrap_or_else(|| panic!("no breach row in {text}"));
    // 10:12 UTC on the 29th is 12:12 in Rome (summer time began that night).
    assert!(
        row.contains("main_motor.current")
            && row.contains("2026-03-29 12:12")
            && row.contains("451.2 / 420"),
        "{row}"
    );
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(html.contains("<td>Telemetry gap</td><td>brake.pressure</td>"));

    // The findings of what lay outside a drop's window, and of riders above capacity, are
    // named in both languages.
    let mut window = input("en");
    let finding = |kind: &str| {
        json!({ "ride": "revo-1", "kind": kind, "channel": null, "count": 1,
        "first": "2026-03-29T08:00:00Z", "worst": null, "limit": null })
    };
    window["anomalies"] = json!([
        finding("cycle_outside_window"),
        finding("alarm_outside_window"),
        finding("counter_outside_window"),
        finding("duplicate_alarm"),
        finding("riders_over_capacity")
    ]);
    for (lang, labels) in [
        (
            "en",
            [
                "Cycle outside the window",
                "Alarm outside the window",
                "Counters outside the window",
                "Duplicate alarm",
                "Riders above capacity",
            ],
        ),
        (
            "it",
            [
                "Ciclo fuori finestra",
                "Allarme fuori finestra",
                "Contatori fuori finestra",
                "Allarme duplicato",
                "Passeggeri oltre la capienza",
            ],
        ),
    ] {
        window["language"] = json!(lang);
        let (o, out) = run(&format!("anomalies-window-{lang}"), &window);
        assert!(o.status.success());
        let html = std::fs::read_to_string(out.join("report.html")).unwrap();
        for label in labels {
            assert!(
                html.contains(&format!("<td>{label}</td>")),
                "{label}: {html}"
            );
        }
    }

    let mut calm = input("it");
    calm["anomalies"] = json!([]);
    let (o, out) = run("anomalies-none", &calm);
    assert!(o.status.success());
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(html.contains("Nessun superamento di soglia"));
}

#[test]
fn a_park_reports_anomalies_cut_no_number_ride_or_channel() {
    // A park report has a ride column too: with long channel names and Italian labels the
    // table used to end "113.9 / 1…", hiding the limit, and cut ride and channel names.
    let breach = |ride: &str, kind: &str, channel: &str, worst: f64, limit: f64| {
        json!({ "ride": ride, "kind": kind, "channel": channel, "count": 14,
                "first": "2026-03-29T10:12:00Z", "worst": worst, "limit": limit })
    };
    let finding = |ride: &str, kind: &str| {
        json!({ "ride": ride, "kind": kind, "channel": null, "count": 3,
                "first": "2026-03-29T08:00:00Z", "worst": null, "limit": null })
    };
    for (lang, numbers) in [
        ("en", ["113.9 / 110", "112.4 / 120"]),
        ("it", ["113,9 / 110", "112,4 / 120"]),
    ] {
        let mut park = input(lang);
        park["ride"] = Value::Null;
        park["anomalies"] = json!([
            breach(
                "revo-1",
                "breach_max",
                "main_motor.temperature",
                113.94,
                110.0
            ),
            breach(
                "revo-1",
                "breach_min",
                "hydraulics.brake_pressure",
                112.4,
                120.0
            ),
            finding("discovery-2", "riders_over_capacity"),
            finding("discovery-2", "counter_outside_window"),
        ]);
        let (o, out) = run(&format!("park-anomalies-{lang}"), &park);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let text = pdf_text(&out);
        // The table's heading, on a line of its own (the narrative names it too).
        let heading = if lang == "en" {
            "\nAnomalies\n"
        } else {
            "\nAnomalie\n"
        };
        let at = text
            .find(heading)
            .unwrap_or_else(|| panic!("{lang}: {text}"));
        let table = &text[at..];
        assert!(
            !table.contains('\u{2026}'),
            "{lang}: a cell was cut: {table}"
        );
        for number in numbers {
            assert!(table.contains(number), "{lang}: no {number} in {table}");
        }
        let joined: String = table.split_whitespace().collect();
        for name in [
            "discovery-2",
            "main_motor.temperature",
            "hydraulics.brake_pressure",
        ] {
            assert!(joined.contains(name), "{lang}: no {name} in {table}");
        }
    }
}

/// The DST input with opening hours: Saturday 09:30-19:00 (CET, 08:30Z-18:00Z), Sunday the
/// 29th (the DST day) closed, Monday 09:00-22:00 (CEST, 07:00Z-20:00Z); data every hour
/// 08:00Z-19:59Z except Monday 12:00Z.
fn with_opening_hours(language: &str) -> Value {
    let mut input = input(language);
    input["hourly"]
        .as_array_mut()
        .unwrap()
        .retain(|h| h["hourStart"] != "2026-03-30T12:00:00Z");
    input["openingHours"] = json!({
        "rides": ["revo-1", "other"],
        "days": [
            { "date": "2026-03-28", "open": "2026-03-28T08:30:00Z", "close": "2026-03-28T18:00:00Z" },
            { "date": "2026-03-29", "open": null, "close": null },
            { "date": "2026-03-30", "open": "2026-03-30T07:00:00Z", "close": "2026-03-30T20:00:00Z" },
        ],
    });
    input
}

#[test]
fn measures_completeness_against_opening_hours_with_a_closed_day_and_data_outside() {
    let (o, out) = run("opening", &with_opening_hours("en"));
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let s: Value =
        serde_json::from_slice(&std::fs::read(out.join("summary.json")).unwrap()).unwrap();
    let c = &s["completeness"];
    assert_eq!(c["basis"], "openingHours");
    // A ride report counts its own ride only, though the list names another.
    assert_eq!(c["rideHoursExpected"], 22.5, "9.5 + 0 (closed) + 13");
    assert_eq!(c["rideHoursWithData"], 20.5, "9.5 (half of 08:00Z) + 11");
    assert_eq!(
        c["rideHoursOutsideOpening"], 14.5,
        "0.5 + 2 on Saturday, 12 on the closed Sunday"
    );
    assert_eq!(c["ratio"], 0.911111);
    let days: Vec<(Value, Value)> = s["days"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| (d["completeness"].clone(), d["closed"].clone()))
        .collect();
    assert_eq!(
        days,
        [
            (json!(1.0), json!(false)),
            (Value::Null, json!(true)),
            (json!(0.846154), json!(false))
        ]
    );
    let n = s["narrative"].as_str().unwrap();
    assert!(
        n.contains(
            "Data is missing for 2 of 22.5 opening hours (91.1 % complete). A further 14.5 hours of data fall outside opening hours."
        ),
        "{n}"
    );
    let pdf = out.join("report.pdf");
    let text = Command::new("pdftotext")
        .args(["-layout".as_ref(), pdf.as_os_str(), "-".as_ref()])
        .output()
        .unwrap();
    let text = String::from_utf8(text.stdout).unwrap();
    for part in [
        "Data completeness (hours with data / opening hours)",
        "20.5 / 22.5 h (91.1 %)",
        "Data outside opening hours",
        "14.5 h",
        "Completeness",
        "closed",
        "84.6 %",
    ] {
        assert!(text.contains(part), "{part:?} not in {text}");
    }
}

#[test]
fn words_opening_hours_completeness_in_italian() {
    let (o, out) = run("opening-it", &with_opening_hours("it"));
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let s: Value =
        serde_json::from_slice(&std::fs::read(out.join("summary.json")).unwrap()).unwrap();
    let n = s["narrative"].as_str().unwrap();
    assert!(
        n.contains("Mancano i dati di 2 su 22,5 ore di apertura (completezza 91,1 %). Altre 14,5 ore di dati cadono fuori dall'orario di apertura."),
        "{n}"
    );
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    for part in [
        "Completezza dati (ore con dati / ore di apertura)",
        "20,5 / 22,5 h (91,1 %)",
        "Dati fuori dall&#39;orario di apertura",
        "chiuso",
    ] {
        assert!(
            html.contains(part) || html.contains(&part.replace("&#39;", "'")),
            "{part:?} not in the HTML"
        );
    }
}

#[test]
fn a_park_report_expects_every_listed_ride_and_a_closed_period_says_so() {
    let mut park = with_opening_hours("en");
    park["ride"] = Value::Null;
    let (o, out) = run("opening-park", &park);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let s: Value =
        serde_json::from_slice(&std::fs::read(out.join("summary.json")).unwrap()).unwrap();
    // "other" sent nothing: its opening hours count as missing.
    assert_eq!(s["completeness"]["rideHoursExpected"], 45.0);
    assert_eq!(s["completeness"]["rideHoursWithData"], 20.5);
    assert!(s["narrative"]
        .as_str()
        .unwrap()
        .contains("Data is missing for 24.5 of 45 ride-hours of opening (45.6 % complete)."));

    let mut closed = with_opening_hours("en");
    for d in closed["openingHours"]["days"].as_array_mut().unwrap() {
        d["open"] = Value::Null;
        d["close"] = Value::Null;
    }
    let (o, out) = run("opening-closed", &closed);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let s: Value =
        serde_json::from_slice(&std::fs::read(out.join("summary.json")).unwrap()).unwrap();
    assert_eq!(s["completeness"]["ratio"], Value::Null);
    assert_eq!(s["completeness"]["rideHoursOutsideOpening"], 35.0);
    assert!(s["narrative"]
        .as_str()
        .unwrap()
        .contains("By its opening hours the park was closed for the whole period."));
}

#[test]
fn refuses_opening_hours_with_open_but_no_close() {
    let mut bad = with_opening_hours("en");
    bad["openingHours"]["days"][0]["close"] = Value::Null;
    let (o, _) = run("opening-bad", &bad);
    assert_eq!(o.status.code(), Some(3));
    let line: Value = serde_json::from_slice(&o.stderr).unwrap();
    assert!(line["error"]["message"]
        .as_str()
        .unwrap()
        .contains("openingHours.days[0]"));
}

/// A ride-day in Rome (1 June, 22:00Z to 22:00Z) with one hour of data, 22:00Z, and the
/// given alarms; `fault_minutes` of that hour under a fault.
fn one_night(language: &str, fault_minutes: f64, alarms: Value) -> Value {
    json!({
        "format": "zamperla.report-input/v1",
        "language": language,
        "park": { "id": "gardaland", "name": "Gardaland", "timezone": "Europe/Rome" },
        "ride": { "id": "revo-1", "name": "Revolution Express", "model": "discovery-revolution" },
        "period": { "start": "2026-06-01T22:00:00Z", "end": "2026-06-02T22:00:00Z" },
        "hourly": [{ "ride": "revo-1", "hourStart": "2026-06-01T22:00:00Z", "localHour": "2026-06-02T00:00:00+02:00",
                     "cycles": 4, "riders": 80, "completed": 4, "aborted": 0, "estop": 0,
                     "autoMinutes": 10.0, "faultMinutes": fault_minutes,
                     "availability": 1.0 - fault_minutes / 60.0 }],
        "alarms": alarms,
    })
}

fn pdf_text(out: &Path) -> String {
    let text = Command::new("pdftotext")
        .args([
            "-raw".as_ref(),
            out.join("report.pdf").as_os_str(),
            "-".as_ref(),
        ])
        .output()
        .expect("pdftotext (poppler-utils)");
    String::from_utf8(text.stdout).unwrap()
}

#[test]
fn an_alarm_raised_before_the_period_counts_and_the_narrative_names_it() {
    // Raised at 23:50 local the day before, cleared 27 min into the period: central sends it
    // with its 27 minutes inside the period (R5). It made availability 55 %, and the report
    // used to leave it out and say "no faults".
    let alarms = json!([{ "ride": "revo-1", "code": "E-101", "severity": "fault",
        "text": "Main motor overcurrent", "raisedAt": "2026-06-01T21:50:00Z", "durationS": 1620.0 }]);
    let (o, out) = run("before-period", &one_night("en", 27.0, alarms));
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let s: Value =
        serde_json::from_slice(&std::fs::read(out.join("summary.json")).unwrap()).unwrap();
    assert_eq!(s["availability"], 0.55);
    assert_eq!(s["failures"], 1);
    assert_eq!(s["warnings"], 0);
    assert_eq!(s["mttrS"], 1620.0, "the time inside the period, as sent");
    assert_eq!(s["mtbfS"], 1980.0, "33 operating minutes / 1 fault");
    let top = json!([{ "code": "E-101", "text": "Main motor overcurrent", "severity": "fault",
                       "count": 1, "activeS": 1620.0, "downtimeS": 1620.0 }]);
    assert_eq!(s["topAlarms"], top);
    assert_eq!(s["topAlarmsByDowntime"], top);
    let n = s["narrative"].as_str().unwrap();
    assert_eq!(
        n,
        "Revolution Express ran 4 cycles with 80 riders over 1 hour with data. \
         Availability was 55.0 %, with 1 fault in 33 min 00 s of operation, which took 27 min 00 s to clear. \
         The most frequent alarm, and the one with the most downtime, was E-101 \u{201c}Main motor overcurrent\u{201d} (once, 27 min 00 s of downtime). \
         Data is complete for the 1 operating hour. \
         No opening hours were given, so completeness is measured against each day's span of hours with data."
    );
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(
        html.contains("<td>E-101</td><td>Main motor overcurrent</td><td>fault</td><td class=\"n\">1</td><td class=\"n\">27 min 00 s</td><td class=\"n\">27 min 00 s</td>"),
        "{html}"
    );
    let text = pdf_text(&out);
    assert!(
        text.contains("1 fault in 33 min 00 s of operation") && text.contains("E-101"),
        "{text}"
    );
}

#[test]
fn warnings_carry_no_downtime_anywhere() {
    let warning = |at: &str, d: f64| {
        json!({ "ride": "revo-1", "code": "W-401", "severity": "warning",
        "text": "Structure vibration high", "raisedAt": at, "durationS": d })
    };
    for (lang, sentences) in [
        (
            "en",
            [
                "Availability was 100.0 %, with no faults.",
                "The most frequent alarm was W-401 \u{201c}Structure vibration high\u{201d} (2 times).",
                "2 warning or info alarms were active; they caused no downtime (only fault and critical alarms do).",
            ],
        ),
        (
            "it",
            [
                "La disponibilità è stata del 100,0 %, senza guasti.",
                "L'allarme più frequente è stato W-401 \u{ab}Structure vibration high\u{bb} (2 volte).",
                "2 allarmi di avviso o informativi sono stati attivi, senza causare fermo (solo gli allarmi fault e critical lo causano).",
            ],
        ),
    ] {
        let alarms = json!([
            // Raised before the period: counts, with its time inside the period.
            warning("2026-06-01T21:30:00Z", 600.0),
            warning("2026-06-01T22:40:00Z", 300.0)
        ]);
        let (o, out) = run(&format!("warnings-{lang}"), &one_night(lang, 0.0, alarms));
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let s: Value =
            serde_json::from_slice(&std::fs::read(out.join("summary.json")).unwrap()).unwrap();
        assert_eq!(s["availability"], 1.0);
        assert_eq!((&s["failures"], &s["warnings"]), (&json!(0), &json!(2)));
        assert_eq!((&s["mtbfS"], &s["mttrS"]), (&Value::Null, &Value::Null));
        assert_eq!(
            s["topAlarms"],
            json!([{ "code": "W-401", "text": "Structure vibration high", "severity": "warning",
                     "count": 2, "activeS": 900.0, "downtimeS": 0.0 }])
        );
        assert_eq!(s["topAlarmsByDowntime"], json!([]));
        let n = s["narrative"].as_str().unwrap();
        for sentence in sentences {
            assert!(n.contains(sentence), "{sentence:?} not in {n:?}");
        }
        assert!(!n.contains("downtime came") && !n.contains("fermo più lungo"), "{n}");

        // The tables show its active time, and no downtime for it, not even zero.
        let html = std::fs::read_to_string(out.join("report.html")).unwrap();
        let severity = if lang == "en" { "warning" } else { "avviso" };
        let row = format!("<td>W-401</td><td>Structure vibration high</td><td>{severity}</td><td class=\"n\">2</td><td class=\"n\">15 min 00 s</td><td class=\"n\">\u{2013}</td>");
        assert!(html.contains(&row), "{html}");
        let none = if lang == "en" {
            "No alarm caused downtime in this period."
        } else {
            "Nessun allarme ha causato fermo nel periodo."
        };
        assert!(html.contains(none), "{html}");
        let text = pdf_text(&out);
        assert!(
            text.contains(none) && text.contains("15 min 00 s"),
            "{text}"
        );
    }
}

#[test]
fn refuses_an_alarm_duration_longer_than_the_period_or_an_unknown_severity() {
    // A one-hour period cannot hold 4008 s of one alarm: the input is wrong, and a report
    // that printed it would show more downtime than time passed.
    let mut long = one_night(
        "en",
        0.0,
        json!([{ "ride": "revo-1", "code": "E-101", "severity": "fault",
        "text": "Main motor overcurrent", "raisedAt": "2026-06-01T22:10:00Z", "durationS": 4008.0 }]),
    );
    long["period"]["end"] = json!("2026-06-01T23:00:00Z");
    let (o, out) = run("too-long", &long);
    assert_eq!(o.status.code(), Some(3));
    let line: Value = serde_json::from_slice(&o.stderr).unwrap();
    assert_eq!(line["error"]["code"], "input_invalid");
    assert!(
        line["error"]["message"]
            .as_str()
            .unwrap()
            .contains("alarms[0].durationS"),
        "{line}"
    );
    assert!(!out.exists());

    let bad = one_night(
        "en",
        0.0,
        json!([{ "ride": "revo-1", "code": "E-101", "severity": "Fault",
        "text": "Main motor overcurrent", "raisedAt": "2026-06-01T22:10:00Z", "durationS": 40.0 }]),
    );
    let (o, _) = run("bad-severity", &bad);
    assert_eq!(o.status.code(), Some(3));
    assert!(String::from_utf8_lossy(&o.stderr).contains("alarms[0].severity"));
}
