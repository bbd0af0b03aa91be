//! `bench postprocessor DROP_DIR [MIN_MB]`: runs the postprocessor over every drop in
//! `DROP_DIR`, repeating the set until at least `MIN_MB` (default 1024) of uncompressed
//! drop content went through, and in the same run times the baseline of inflating the same
//! entries and parsing them with `serde_json` (telemetry into its typed values, other
//! entries into `Value`) and nothing else. One thread: the figures are per core.
//!
//! `bench reporter [RIDES]`: times rendering a park-month report (30 days, 14 hourly rows a
//! day per ride, default 5 rides).

use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use drop_format::{RideModels, TelemetryFile};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("postprocessor") if args.len() >= 2 => {
            let min_mb = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(1024.0);
            postprocessor_bench(Path::new(&args[1]), min_mb);
        }
        Some("reporter") => {
            let rides = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(5);
            reporter_bench(rides);
        }
        _ => {
            eprintln!("usage: bench postprocessor DROP_DIR [MIN_MB] | bench reporter [RIDES]");
            std::process::exit(3);
        }
    }
}

fn mb(bytes: u64) -> f64 {
    bytes as f64 / 1e6
}

/// Inflates every entry and parses it, keeping nothing; returns the uncompressed bytes.
fn baseline(path: &Path) -> u64 {
    let file = std::io::BufReader::new(std::fs::File::open(path).unwrap());
    let mut zip = zip::ZipArchive::new(file).unwrap();
    let mut total = 0;
    for i in 0..zip.len() {
        let mut entry = zip.by_index(i).unwrap();
        let name = entry.name().unwrap().into_owned();
        let mut buf = Vec::with_capacity(entry.size() as usize);
        entry.read_to_end(&mut buf).unwrap();
        total += buf.len() as u64;
        if name.starts_with("telemetry/") {
            let t: TelemetryFile = serde_json::from_slice(&buf).unwrap();
            std::hint::black_box(t.values.len());
        } else {
            let v: serde_json::Value = serde_json::from_slice(&buf).unwrap();
            std::hint::black_box(&v);
        }
    }
    total
}

fn postprocessor_bench(dir: &Path, min_mb: f64) {
    let mut drops: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "zip"))
        .collect();
    drops.sort();
    assert!(!drops.is_empty(), "no .zip in {}", dir.display());
    let models_path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/ride-models/ride-models.json"
    );
    let models = RideModels::from_json(&std::fs::read(models_path).unwrap()).unwrap();

    let (mut bytes, mut passes) = (0u64, 0u32);
    let (mut t_base, mut t_post, mut t_verify) = (Duration::ZERO, Duration::ZERO, Duration::ZERO);
    // Interleaved per drop, so both see the same cache and machine load.
    while mb(bytes) < min_mb {
        for d in &drops {
            let t = Instant::now();
            let n = baseline(d);
            t_base += t.elapsed();
            let t = Instant::now();
            let limits = drop_format::DropLimits::default();
            drop_format::stream_drop_file(d, &limits, &mut drop_format::NullSink).unwrap();
            t_verify += t.elapsed();
            let t = Instant::now();
            let r = postprocessor::process(d, &models).unwrap();
            t_post += t.elapsed();
            std::hint::black_box(r.hourly.len());
            bytes += n;
        }
        passes += 1;
    }
    let zipped: u64 = drops
        .iter()
        .map(|d| std::fs::metadata(d).unwrap().len())
        .sum();
    println!(
        "{} drops ({:.1} MB zipped), {passes} passes, {:.1} MB uncompressed processed",
        drops.len(),
        mb(zipped),
        mb(bytes)
    );
    let rate = |t: Duration| mb(bytes) / t.as_secs_f64();
    println!(
        "baseline (inflate + serde_json): {:.2} s, {:.1} MB/s",
        t_base.as_secs_f64(),
        rate(t_base)
    );
    println!(
        "verification alone (streamed):   {:.2} s, {:.1} MB/s",
        t_verify.as_secs_f64(),
        rate(t_verify)
    );
    println!(
        "postprocessor:                   {:.2} s, {:.1} MB/s",
        t_post.as_secs_f64(),
        rate(t_post)
    );
    println!(
        "postprocessor / baseline: {:.2}x",
        t_post.as_secs_f64() / t_base.as_secs_f64()
    );
}

fn reporter_bench(rides: usize) {
    let start = chrono::DateTime::parse_from_rfc3339("2026-06-01T00:00:00Z")
        .unwrap()
        .to_utc();
    let mut hourly = Vec::new();
    let mut alarms = Vec::new();
    for day in 0..30i64 {
        for r in 0..rides {
            for h in 8..22i64 {
                let at = start + chrono::TimeDelta::hours(day * 24 + h);
                let fault = if (day + h + r as i64) % 17 == 0 {
                    12.0
                } else {
                    0.0
                };
                hourly.push(serde_json::json!({
                    "ride": format!("ride-{r}"), "hourStart": drop_format::format_utc_instant(at),
                    "localHour": "", "cycles": 20, "riders": 500, "completed": 19, "aborted": 1,
                    "estop": 0, "autoMinutes": 45.0, "faultMinutes": fault,
                    "availability": 1.0 - fault / 60.0 }));
                if fault > 0.0 {
                    alarms.push(serde_json::json!({
                        "ride": format!("ride-{r}"), "code": format!("E-{}", 100 + h),
                        "severity": "fault", "text": "Main motor overcurrent",
                        "raisedAt": drop_format::format_utc_instant(at), "durationS": fault * 60.0 }));
                }
            }
        }
    }
    let input = serde_json::json!({
        "format": "zamperla.report-input/v1", "language": "en",
        "park": { "id": "gardaland", "name": "Gardaland", "timezone": "Europe/Rome" },
        "ride": null,
        "period": { "start": "2026-05-31T22:00:00Z", "end": "2026-06-30T22:00:00Z" },
        "hourly": hourly, "alarms": alarms });
    let bytes = serde_json::to_vec(&input).unwrap();
    let runs = 20;
    let t = Instant::now();
    for _ in 0..runs {
        let input = reporter::ReportInput::from_json(&bytes).unwrap();
        let r = reporter::render(&input).unwrap();
        std::hint::black_box(r.pdf.len());
    }
    let each = t.elapsed() / runs;
    println!(
        "reporter, park-month ({rides} rides, {} hourly rows, {} alarms, {:.1} MB input): {:.1} ms per report (parse + PDF + HTML + summary, mean of {runs})",
        hourly_len(&input),
        input["alarms"].as_array().unwrap().len(),
        mb(bytes.len() as u64),
        each.as_secs_f64() * 1e3
    );
}

fn hourly_len(input: &serde_json::Value) -> usize {
    input["hourly"].as_array().unwrap().len()
}
