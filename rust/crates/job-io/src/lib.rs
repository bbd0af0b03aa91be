//! The process boundary of the Rust jobs (`docs/job-contracts.md`): a failure is an exit
//! code plus one JSON line on stderr, and an output file is either complete or absent.

mod error;

use std::io::Write;
use std::path::Path;

pub use error::JobError;

/// Writes through a temporary file beside `path`, fsync and rename, so a killed job never
/// leaves a half-written file that a retry could mistake for a finished one.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), JobError> {
    let io = |e: std::io::Error| {
        JobError::other("io_error", format!("cannot write {}: {e}", path.display()))
    };
    let mut tmp_name = path.file_name().unwrap_or_default().to_os_string();
    tmp_name.push(".tmp");
    let tmp = path.with_file_name(tmp_name);
    let mut f = std::fs::File::create(&tmp).map_err(io)?;
    f.write_all(bytes).and_then(|()| f.sync_all()).map_err(io)?;
    std::fs::rename(&tmp, path).map_err(io)
}

/// Runs a job's `run` and turns its failure into the contract's stderr line and exit code.
pub fn main_with(run: impl FnOnce() -> Result<(), JobError>) {
    if let Err(e) = run() {
        eprintln!("{}", e.to_json_line());
        std::process::exit(e.exit_code);
    }
}
