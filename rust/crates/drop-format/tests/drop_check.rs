//! The `drop-check` command line: one drop with exit codes, and `--verify-many`.

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};

use serde_json::Value;

fn vector(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/test-vectors/drops")
        .join(name)
}

fn drop_check(args: &[&str]) -> (i32, Value) {
    let out = Command::new(env!("CARGO_BIN_EXE_drop-check"))
        .args(args)
        .output()
        .unwrap();
    let verdict = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
    (out.status.code().unwrap(), verdict)
}

const NAME: &str = "gardaland-demo_ride-1_20260601T100000Z_7.zip";

#[test]
fn judges_one_drop_with_exit_codes() {
    let valid = vector("valid-sample.zip");
    let path = valid.to_str().unwrap();
    let (code, v) = drop_check(&["--file-name", NAME, path]);
    assert_eq!((code, v["ok"].as_bool()), (0, Some(true)));
    assert_eq!(v["contentId"].as_str().map(str::len), Some(64));

    let (code, v) = drop_check(&["--file-name", "x_y_20260601T100000Z_7.zip", path]);
    assert_eq!((code, v["code"].as_str()), (2, Some("name_mismatch")));
    assert!(v["reason"].as_str().unwrap().contains(NAME), "{v}");

    // 15 minutes ahead is accepted, one millisecond more is not.
    let (code, _) = drop_check(&["--received-at", "2026-06-01T09:45:00Z", path]);
    assert_eq!(code, 0);
    let (code, v) = drop_check(&["--received-at", "2026-06-01T09:44:59.999Z", path]);
    assert_eq!((code, v["code"].as_str()), (2, Some("window_in_future")));
    assert!(v["reason"]
        .as_str()
        .unwrap()
        .contains("the window starts in the future: set the PLC clock to UTC"));

    let bom = vector("manifest-bom.zip");
    let (code, v) = drop_check(&[bom.to_str().unwrap()]);
    assert_eq!((code, v["code"].as_str()), (2, Some("manifest_invalid")));
    assert_eq!(
        v["reason"].as_str(),
        Some("manifest.json starts with a byte-order mark: save as UTF-8 without BOM.")
    );

    let (code, v) = drop_check(&["/nonexistent/drop.zip"]);
    assert_eq!((code, v["code"].as_str()), (3, Some("input_unreadable")));
    let (code, _) = drop_check(&["--received-at", "soon", path]);
    assert_eq!(code, 3);
    let (code, _) = drop_check(&[]);
    assert_eq!(code, 3);
}

#[test]
fn verify_many_answers_one_line_per_request_in_order() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_drop-check"))
        .arg("--verify-many")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let lines = [
        serde_json::json!({ "path": vector("valid-sample.zip"), "fileName": NAME }),
        serde_json::json!({ "path": vector("zip64-end-record.zip"), "fileName": null }),
        serde_json::json!({ "path": vector("valid-sample.zip"), "fileName": null,
                            "limits": { "maxZipBytes": 100 } }),
        serde_json::json!({ "path": vector("valid-sample.zip"), "fileName": null,
                            "receivedAt": "2026-06-01T08:00:00Z" }),
    ];
    let input: String = lines.iter().map(|l| format!("{l}\n")).collect();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    let verdicts: Vec<Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let codes: Vec<Option<&str>> = verdicts.iter().map(|v| v["code"].as_str()).collect();
    assert_eq!(
        codes,
        [
            None,
            Some("zip64"),
            Some("too_large"),
            Some("window_in_future")
        ]
    );
    assert_eq!(verdicts[0]["ok"], true);
}
