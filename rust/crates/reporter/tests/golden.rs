//! Golden test: the report of a committed ride week (`data/ride-week.input.json`, the input
//! behind the page images in `docs/images/`) must give exactly `data/ride-week.summary.json`,
//! and its PDF must have the expected pages. After an intended change, rewrite the golden
//! file with `UPDATE_GOLDEN=1 cargo test --release -p reporter --test golden` and review the
//! diff.

use std::path::{Path, PathBuf};
use std::process::Command;

fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name)
}

#[test]
fn ride_week_summary_matches_the_golden_file_and_the_pdf_has_three_pages() {
    let out = Path::new(env!("CARGO_TARGET_TMPDIR")).join("golden-ride-week");
    let _ = std::fs::remove_dir_all(&out);
    let o = Command::new(env!("CARGO_BIN_EXE_reporter"))
        .args(["--input".as_ref(), data("ride-week.input.json").as_os_str()])
        .args(["--out-dir".as_ref(), out.as_os_str()])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));

    let summary = std::fs::read_to_string(out.join("summary.json")).unwrap();
    let golden = data("ride-week.summary.json");
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(&golden, &summary).unwrap();
    }
    let expected = std::fs::read_to_string(&golden).unwrap();
    assert!(
        summary == expected,
        "summary.json differs from {}; if the change is intended, rerun with UPDATE_GOLDEN=1 and review the diff:\n{summary}",
        golden.display()
    );

    // Page 1 summary, page 2 the rest of the days, alarms and anomalies, page 3 channel health.
    let pdf = out.join("report.pdf");
    let prefix = out.join("page");
    let ppm = Command::new("pdftoppm")
        .args(["-png", "-r", "20"])
        .args([pdf.as_os_str(), prefix.as_os_str()])
        .status()
        .expect("pdftoppm (poppler-utils)");
    assert!(ppm.success());
    let mut pngs: Vec<String> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("page") && n.ends_with(".png"))
        .collect();
    pngs.sort();
    assert_eq!(pngs, ["page-1.png", "page-2.png", "page-3.png"]);
    for (page, must) in [
        (1, "Cycles per day"),
        (2, "Anomalies"),
        (3, "Channel health"),
    ] {
        let text = Command::new("pdftotext")
            .args(["-f", &page.to_string(), "-l", &page.to_string()])
            .args([pdf.as_os_str(), "-".as_ref()])
            .output()
            .unwrap();
        let text = String::from_utf8(text.stdout).unwrap();
        assert!(text.contains(must), "page {page} lacks {must:?}: {text}");
    }
}
