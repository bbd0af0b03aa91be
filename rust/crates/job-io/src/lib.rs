//! The process boundary of the Rust jobs (`docs/job-contracts.md`): a failure is an exit
//! code plus one JSON line on stderr, and an output file is either complete or absent.

mod error;

use std::io::{Read, Write};
use std::path::Path;

pub use error::{Code, JobError};

/// Writes through a temporary file beside `path`, fsync and rename, so a killed job never
/// leaves a half-written file that a retry could mistake for a finished one. A failure is
/// `io_error` (transient); its message names the file, not the worker's directory.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), JobError> {
    let io = |e: std::io::Error| {
        JobError::new(
            Code::IoError,
            format!(
                "cannot write the output file {}: {e}; the worker retries, and if it persists the worker's disk needs space or permissions",
                path.file_name().unwrap_or_default().to_string_lossy()
            ),
        )
    };
    let mut tmp_name = path.file_name().unwrap_or_default().to_os_string();
    tmp_name.push(".tmp");
    let tmp = path.with_file_name(tmp_name);
    let mut f = std::fs::File::create(&tmp).map_err(io)?;
    f.write_all(bytes).and_then(|()| f.sync_all()).map_err(io)?;
    std::fs::rename(&tmp, path).map_err(io)
}

/// Reads an input file of at most `max_bytes`, so a wrong or hostile path cannot make a job
/// exhaust memory. `what` names the input in messages ("the ride models"), which carry no
/// path: they are shown to people, and the path is a temporary file of the worker.
/// Unreadable is `input_unreadable` (transient), too large `input_too_large` (permanent).
pub fn read_input(path: &Path, what: &str, max_bytes: u64) -> Result<Vec<u8>, JobError> {
    let io = |e: std::io::Error| {
        JobError::new(
            Code::InputUnreadable,
            format!("cannot read {what}: {e}; the worker retries, and if it persists the worker's disk or blob store needs a look"),
        )
    };
    let too_large = |n: u64| {
        JobError::new(
            Code::InputTooLarge,
            format!("{what} has {n} bytes or more, more than the limit of {max_bytes}"),
        )
    };
    let f = std::fs::File::open(path).map_err(io)?;
    let size = f.metadata().map_err(io)?.len();
    if size > max_bytes {
        return Err(too_large(size));
    }
    // The size can lie (a growing file, /proc): never read more than one byte past the limit.
    let mut bytes = Vec::with_capacity(usize::try_from(size).unwrap_or(0));
    f.take(max_bytes + 1).read_to_end(&mut bytes).map_err(io)?;
    if bytes.len() as u64 > max_bytes {
        return Err(too_large(bytes.len() as u64));
    }
    Ok(bytes)
}

/// Runs a job's `run` and turns its failure into the contract's stderr line and exit code.
pub fn main_with(run: impl FnOnce() -> Result<(), JobError>) {
    if let Err(e) = run() {
        eprintln!("{}", e.to_json_line());
        std::process::exit(e.exit_code);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_an_input_within_its_limit_and_refuses_a_larger_one() {
        let path = std::env::temp_dir().join(format!("job-io-read-input-{}", std::process::id()));
        std::fs::write(&path, b"0123456789").unwrap();
        assert_eq!(read_input(&path, "test input", 10).unwrap(), b"0123456789");
        let e = read_input(&path, "test input", 9).unwrap_err();
        assert_eq!((e.exit_code, e.code.as_str()), (3, "input_too_large"));
        std::fs::remove_file(&path).unwrap();
        let e = read_input(&path, "test input", 9).unwrap_err();
        assert_eq!((e.exit_code, e.code.as_str()), (1, "input_unreadable"));
        assert!(!e.message.contains("job-io-read-input"), "{}", e.message);
    }

    #[test]
    fn the_error_line_says_whether_a_retry_can_help() {
        let line = JobError::new(Code::UnknownRideModel, "no such model").to_json_line();
        let v: serde_json::Value = serde_json::from_str(&line).unwrap();
        assert_eq!(
            v,
            serde_json::json!({ "error": { "code": "unknown_ride_model", "message": "no such model", "permanent": true } })
        );
        let e = JobError::new(Code::IoError, "disk full");
        assert_eq!((e.exit_code, e.permanent), (1, false));
        let e = JobError::invalid_drop("zip_corrupt", "bad zip");
        assert_eq!((e.exit_code, e.permanent), (2, true));
        for code in Code::ALL {
            assert_eq!(code.exit_code() == 3, code.permanent(), "{code}");
        }
    }

    /// The table of `docs/job-contracts.md` ("Job error codes") lists every code with its
    /// exit code, permanent/transient and the same "who fixes it" sentence.
    #[test]
    fn the_documented_table_matches_the_codes() {
        let doc = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../../docs/job-contracts.md"
        ))
        .unwrap();
        let rows: Vec<Vec<String>> = doc
            .lines()
            .filter(|l| l.starts_with("| `"))
            .map(|l| {
                l.trim_matches('|')
                    .split(" | ")
                    .map(|c| c.trim().to_owned())
                    .collect()
            })
            .filter(|r: &Vec<String>| r.len() == 4)
            .collect();
        for code in Code::ALL {
            let row = rows
                .iter()
                .find(|r| r[0] == format!("`{code}`"))
                .unwrap_or_else(|| panic!("{code} is not in the table of docs/job-contracts.md"));
            let kind = if code.permanent() {
                "permanent"
            } else {
                "transient"
            };
            assert_eq!(
                row[1..],
                [
                    code.exit_code().to_string(),
                    kind.to_owned(),
                    code.who_fixes().to_owned()
                ],
                "{code}"
            );
        }
        let documented = rows.iter().filter(|r| r[1] == "1" || r[1] == "3").count();
        assert_eq!(
            documented,
            Code::ALL.len(),
            "no code documented that the jobs lack"
        );
    }
}
