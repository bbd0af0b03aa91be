use std::ffi::OsString;
use std::path::PathBuf;

use job_io::{Code, JobError};

/// The command line: `reporter --input REPORT_INPUT.json --out-dir DIR`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Args {
    /// The `zamperla.report-input/v1` file.
    pub input: PathBuf,
    /// Where `report.pdf`, `report.html` and `summary.json` go; created when missing.
    pub out_dir: PathBuf,
}

const USAGE: &str = "usage: reporter --input REPORT_INPUT.json --out-dir DIR";

impl Args {
    /// Parses the arguments after the program name.
    pub fn parse(args: impl IntoIterator<Item = OsString>) -> Result<Self, JobError> {
        use lexopt::Arg::Long;
        let bad = |m: String| JobError::new(Code::InvalidArguments, format!("{m}; {USAGE}"));
        let mut parser = lexopt::Parser::from_args(args);
        let (mut input, mut out_dir) = (None, None);
        while let Some(arg) = parser.next().map_err(|e| bad(e.to_string()))? {
            let slot = match arg {
                Long("input") => &mut input,
                Long("out-dir") => &mut out_dir,
                other => return Err(bad(other.unexpected().to_string())),
            };
            *slot = Some(PathBuf::from(
                parser.value().map_err(|e| bad(e.to_string()))?,
            ));
        }
        Ok(Self {
            input: input.ok_or_else(|| bad("missing --input".into()))?,
            out_dir: out_dir.ok_or_else(|| bad("missing --out-dir".into()))?,
        })
    }
}
