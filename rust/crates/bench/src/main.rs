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

/// One pass over the drop set: uncompressed bytes and the three timings.
type Pass = (u64, Duration, Duration, Duration);

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
    // Per pass over the set: uncompressed bytes, baseline, verification, postprocessor.
    let mut per_pass: Vec<Pass> = Vec::new();
    // Interleaved per drop, so both see the same cache and machine load.
    while mb(bytes) < min_mb {
        let mut pass = (0u64, Duration::ZERO, Duration::ZERO, Duration::ZERO);
        for d in &drops {
            let t = Instant::now();
            let n = baseline(d);
            pass.1 += t.elapsed();
            let t = Instant::now();
            let limits = drop_format::DropLimits::default();
            drop_format::stream_drop_file(d, &limits, &mut drop_format::NullSink).unwrap();
            pass.2 += t.elapsed();
            let t = Instant::now();
            let r = postprocessor::process(d, &models).unwrap();
            pass.3 += t.elapsed();
            std::hint::black_box(r.hourly.len());
            pass.0 += n;
        }
        bytes += pass.0;
        passes += 1;
        per_pass.push(pass);
    }
    let zipped: u64 = drops
        .iter()
        .map(|d| std::fs::metadata(d).unwrap().len())
        .sum();
    let set_bytes = per_pass[0].0;
    println!(
        "{} drops ({:.1} MB zipped, {:.1} MB uncompressed), {passes} passes, {:.1} MB uncompressed processed, one thread",
        drops.len(),
        mb(zipped),
        mb(set_bytes),
        mb(bytes)
    );
    let median = |f: &dyn Fn(&Pass) -> Duration| {
        let mut v: Vec<Duration> = per_pass.iter().map(f).collect();
        v.sort();
        v[v.len() / 2]
    };
    let (base, verify, post) = (median(&|p| p.1), median(&|p| p.2), median(&|p| p.3));
    let rate = |t: Duration| mb(set_bytes) / t.as_secs_f64();
    let total =
        |f: &dyn Fn(&Pass) -> Duration| per_pass.iter().map(f).sum::<Duration>().as_secs_f64();
    println!("median pass (MB/s per core = uncompressed MB / time on one thread):");
    for (name, t, sum) in [
        ("baseline (inflate + serde_json)", base, total(&|p| p.1)),
        ("verification alone (streamed)  ", verify, total(&|p| p.2)),
        ("postprocessor                  ", post, total(&|p| p.3)),
    ] {
        println!(
            "  {name}: {:7.1} ms/pass, {:6.1} MB/s per core, {:5.2}x baseline  (all passes: {sum:.2} s)",
            t.as_secs_f64() * 1e3,
            rate(t),
            t.as_secs_f64() / base.as_secs_f64()
        );
    }
    let mut ratios: Vec<f64> = per_pass
        .iter()
        .map(|p| p.3.as_secs_f64() / p.1.as_secs_f64())
        .collect();
    ratios.sort_by(f64::total_cmp);
    println!(
        "postprocessor / baseline per pass: median {:.2}x, min {:.2}x, max {:.2}x (target <= 1.5x)",
        ratios[ratios.len() / 2],
        ratios[0],
        ratios[ratios.len() - 1]
    );
    peak_rss(&drops, models_path);
}

/// Peak RSS of the `postprocessor` binary (next to this one) on each drop, through
/// `/usr/bin/time -f %M`; skipped when either is missing.
fn peak_rss(drops: &[PathBuf], models: &str) {
    let Some(bin) = std::env::current_exe()
        .ok()
        .and_then(|e| e.parent().map(|d| d.join("postprocessor")))
        .filter(|b| b.exists())
    else {
        return;
    };
    let out = std::env::temp_dir().join("zra-bench-postprocess.json");
    let mut kib = Vec::new();
    for d in drops {
        let Ok(o) = std::process::Command::new("/usr/bin/time")
            .args(["-f", "%M"])
            .arg(&bin)
            .args(["--drop".as_ref(), d.as_os_str()])
            .args(["--ride-models", models])
            .args(["--out".as_ref(), out.as_os_str()])
            .output()
        else {
            return;
        };
        if let Some(k) = String::from_utf8_lossy(&o.stderr)
            .lines()
            .last()
            .and_then(|l| l.trim().parse::<u64>().ok())
        {
            kib.push(k);
        }
    }
    let _ = std::fs::remove_file(&out);
    if let (Some(min), Some(max)) = (kib.iter().min(), kib.iter().max()) {
        println!(
            "postprocessor binary peak RSS over the {} drops: {min} to {max} KiB (target flat, < 100 MB)",
            kib.len()
        );
    }
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
    // Channel health: 8 channels per ride, one row per day.
    let mut channels = Vec::new();
    for r in 0..rides {
        for c in 0..8 {
            let days: Vec<_> = (0..30)
                .map(|d| {
                    serde_json::json!({
                    "date": format!("2026-06-{:02}", d + 1), "cycles": 280,
                    "p95Peak": 300.0 + ((d * 7 + c * 3 + r) % 23) as f64 * 6.0 })
                })
                .collect();
            channels.push(serde_json::json!({
                "ride": format!("ride-{r}"), "channel": format!("component_{c}.quantity"),
                "unit": "A", "threshold": { "max": 420.0 }, "days": days }));
        }
    }
    let input = serde_json::json!({
        "format": "zamperla.report-input/v1", "language": "en",
        "park": { "id": "gardaland", "name": "Gardaland", "timezone": "Europe/Rome" },
        "ride": null,
        "period": { "start": "2026-05-31T22:00:00Z", "end": "2026-06-30T22:00:00Z" },
        "hourly": hourly, "alarms": alarms, "channels": channels });
    let bytes = serde_json::to_vec(&input).unwrap();
    let runs = 21;
    let mut times = Vec::new();
    let mut pages = 0;
    for _ in 0..runs {
        let t = Instant::now();
        let input = reporter::ReportInput::from_json(&bytes).unwrap();
        let r = reporter::render(&input).unwrap();
        times.push(t.elapsed());
        let count = |pat: &[u8]| r.pdf.windows(pat.len()).filter(|w| *w == pat).count();
        pages = count(b"/Type /Page") - count(b"/Type /Pages");
        std::hint::black_box(r.pdf.len());
    }
    times.sort();
    println!(
        "reporter, park-month ({rides} rides, {} hourly rows, {} alarms, {} channel rows, {:.1} MB input, {pages} PDF pages): median {:.1} ms per report (parse + summary + PDF with font subsets + HTML; min {:.1}, max {:.1}, {runs} runs)",
        hourly_len(&input),
        input["alarms"].as_array().unwrap().len(),
        input["channels"].as_array().unwrap().len(),
        mb(bytes.len() as u64),
        times[runs / 2].as_secs_f64() * 1e3,
        times[0].as_secs_f64() * 1e3,
        times[runs - 1].as_secs_f64() * 1e3
    );
}

fn hourly_len(input: &serde_json::Value) -> usize {
    input["hourly"].as_array().unwrap().len()
}
