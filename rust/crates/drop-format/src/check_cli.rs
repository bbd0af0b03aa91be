//! `drop-check`: the verifier on the command line, for people, scripts and the differential
//! test that runs thousands of drops through both verifiers (`--verify-many`, one process).

use std::ffi::OsString;
use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::{json, Value};

use crate::archive::{verify_drop_bytes, verify_drop_file, ReadDropError, VerifyOptions};
use crate::file_name::parse_drop_file_name;
use crate::instant::parse_utc_instant;
use crate::limits::DropLimits;
use crate::telemetry_stream::NullSink;

const USAGE: &str = "usage: drop-check [--file-name NAME] [--received-at 2026-06-01T10:05:00Z] DROP.zip\n       drop-check --verify-many   (JSON requests on stdin, one verdict per line on stdout)";

/// Exit codes: 0 valid, 2 rejected, 3 bad arguments or unreadable input.
pub const EXIT_VALID: i32 = 0;
/// The drop was rejected.
pub const EXIT_REJECTED: i32 = 2;
/// Bad arguments or unreadable input.
pub const EXIT_USAGE: i32 = 3;

/// Runs `drop-check` with the arguments after the program name; returns the exit code.
pub fn run_drop_check(
    args: impl IntoIterator<Item = OsString>,
    stdin: &mut dyn BufRead,
    stdout: &mut dyn Write,
    stderr: &mut dyn Write,
) -> i32 {
    match parse_args(args) {
        Ok(Mode::Many) => match verify_many(stdin, stdout) {
            Ok(()) => EXIT_VALID,
            Err(e) => {
                let _ = writeln!(stderr, "drop-check: {e}");
                EXIT_USAGE
            }
        },
        Ok(Mode::One {
            path,
            file_name,
            received_at,
        }) => verify_one(&path, file_name.as_deref(), received_at, stdout),
        Err(e) => {
            let _ = writeln!(stderr, "drop-check: {e}\n{USAGE}");
            EXIT_USAGE
        }
    }
}

enum Mode {
    Many,
    One {
        path: PathBuf,
        file_name: Option<String>,
        received_at: Option<DateTime<Utc>>,
    },
}

fn instant_arg(s: &str) -> Result<DateTime<Utc>, String> {
    parse_utc_instant(s).ok_or_else(|| {
        format!("--received-at {s:?} is not a UTC instant such as 2026-06-01T10:05:00Z")
    })
}

fn parse_args(args: impl IntoIterator<Item = OsString>) -> Result<Mode, String> {
    use lexopt::prelude::ValueExt;
    use lexopt::Arg::{Long, Value as Positional};
    let mut parser = lexopt::Parser::from_args(args);
    let (mut many, mut path, mut file_name, mut received_at) = (false, None, None, None);
    while let Some(arg) = parser.next().map_err(|e| e.to_string())? {
        match arg {
            Long("verify-many") => many = true,
            Long("file-name") => {
                file_name = Some(
                    parser
                        .value()
                        .map_err(|e| e.to_string())?
                        .string()
                        .map_err(|_| "--file-name is not UTF-8".to_owned())?,
                );
            }
            Long("received-at") => {
                let v = parser.value().map_err(|e| e.to_string())?;
                received_at = Some(instant_arg(&v.to_string_lossy())?);
            }
            Positional(v) if path.is_none() => path = Some(PathBuf::from(v)),
            other => return Err(other.unexpected().to_string()),
        }
    }
    match (many, path) {
        (true, None) if file_name.is_none() && received_at.is_none() => Ok(Mode::Many),
        (true, _) => Err("--verify-many takes no other arguments".into()),
        (false, Some(path)) => Ok(Mode::One {
            path,
            file_name,
            received_at,
        }),
        (false, None) => Err("missing DROP.zip".into()),
    }
}

fn rejected(code: &str, reason: &str) -> Value {
    json!({ "ok": false, "code": code, "reason": reason })
}

fn verify_one(
    path: &Path,
    file_name: Option<&str>,
    received_at: Option<DateTime<Utc>>,
    stdout: &mut dyn Write,
) -> i32 {
    // Without --file-name, a canonical file name is checked (blobs named by hash are not).
    let name = file_name.or_else(|| {
        path.file_name()
            .and_then(|n| n.to_str())
            .filter(|n| parse_drop_file_name(n).is_some())
    });
    let opts = VerifyOptions {
        file_name: name,
        limits: DropLimits::default(),
        received_at,
    };
    let (verdict, code) = match verify_drop_file(path, &opts, &mut NullSink) {
        Ok(d) => (
            json!({ "ok": true, "sha256": d.sha256, "contentId": d.content_id }),
            EXIT_VALID,
        ),
        Err(ReadDropError::Invalid(e)) => (rejected(e.code.as_str(), &e.message), EXIT_REJECTED),
        Err(ReadDropError::Io(e)) => (
            rejected(
                "input_unreadable",
                &format!("cannot read {}: {e}", path.display()),
            ),
            EXIT_USAGE,
        ),
    };
    let _ = writeln!(stdout, "{verdict}");
    code
}

/// One line of `--verify-many`'s input; the shape of a test vector (shared/test-vectors).
#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct Request {
    path: PathBuf,
    #[serde(default)]
    file_name: Option<String>,
    #[serde(default)]
    received_at: Option<String>,
    #[serde(default)]
    limits: Option<LimitOverrides>,
}

/// Overrides of [`DropLimits::default`], named as TypeScript's `DropLimits`.
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct LimitOverrides {
    max_zip_bytes: Option<u64>,
    max_entries: Option<usize>,
    max_entry_bytes: Option<u64>,
    max_total_bytes: Option<u64>,
    max_ratio: Option<u64>,
    ratio_check_above_bytes: Option<u64>,
}

impl LimitOverrides {
    pub(crate) fn apply(&self, d: DropLimits) -> DropLimits {
        DropLimits {
            max_zip_bytes: self.max_zip_bytes.unwrap_or(d.max_zip_bytes),
            max_entries: self.max_entries.unwrap_or(d.max_entries),
            max_entry_bytes: self.max_entry_bytes.unwrap_or(d.max_entry_bytes),
            max_total_bytes: self.max_total_bytes.unwrap_or(d.max_total_bytes),
            max_ratio: self.max_ratio.unwrap_or(d.max_ratio),
            ratio_check_above_bytes: self
                .ratio_check_above_bytes
                .unwrap_or(d.ratio_check_above_bytes),
        }
    }
}

/// Judges one request: the drop is read whole (`--verify-many` is for many small drops).
fn judge(line: &str) -> Result<Value, String> {
    let req: Request =
        serde_json::from_str(line).map_err(|e| format!("bad request line {line:?}: {e}"))?;
    let received_at = req.received_at.as_deref().map(instant_arg).transpose()?;
    let bytes = match std::fs::read(&req.path) {
        Ok(b) => b,
        Err(e) => {
            return Ok(rejected(
                "input_unreadable",
                &format!("cannot read {}: {e}", req.path.display()),
            ))
        }
    };
    let opts = VerifyOptions {
        file_name: req.file_name.as_deref(),
        limits: req.limits.unwrap_or_default().apply(DropLimits::default()),
        received_at,
    };
    Ok(match verify_drop_bytes(&bytes, &opts) {
        Ok(d) => json!({ "ok": true, "sha256": d.sha256, "contentId": d.content_id }),
        Err(e) => rejected(e.code.as_str(), &e.message),
    })
}

fn verify_many(stdin: &mut dyn BufRead, stdout: &mut dyn Write) -> Result<(), String> {
    let mut line = String::new();
    loop {
        line.clear();
        if stdin.read_line(&mut line).map_err(|e| e.to_string())? == 0 {
            return Ok(());
        }
        let request = line.trim();
        if request.is_empty() {
            continue;
        }
        let verdict = judge(request)?;
        writeln!(stdout, "{verdict}").map_err(|e| e.to_string())?;
    }
}
