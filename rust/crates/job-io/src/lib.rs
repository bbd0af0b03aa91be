//! The process boundary of the Rust jobs (`docs/job-contracts.md`): a failure is an exit
//! code plus one JSON line on stderr, and an output file is either complete or absent.

mod error;

use std::io::{Read, Write};
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

/// Reads an input file of at most `max_bytes`, so a wrong or hostile path cannot make a job
/// exhaust memory. `what` names the input in messages ("ride models"). Unreadable is
/// `input_unreadable`, too large `input_too_large`, both exit 3.
pub fn read_input(path: &Path, what: &str, max_bytes: u64) -> Result<Vec<u8>, JobError> {
    let io = |e: std::io::Error| {
        JobError::usage(
            "input_unreadable",
            format!("cannot read {what} {}: {e}", path.display()),
        )
    };
    let too_large = |n: u64| {
        JobError::usage(
            "input_too_large",
            format!(
                "{what} {} has {n} bytes or more, more than the limit of {max_bytes}",
                path.display()
            ),
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
        assert_eq!((e.exit_code, e.code.as_str()), (3, "input_unreadable"));
    }
}
