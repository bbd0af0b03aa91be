use std::ffi::OsString;
use std::path::PathBuf;

use job_io::{Code, JobError};

/// The command line: `postprocessor --drop DROP.zip --ride-models M.json --out RESULT.json`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Args {
    /// The drop zip.
    pub drop: PathBuf,
    /// The ride-models file.
    pub ride_models: PathBuf,
    /// Where to write the result.
    pub out: PathBuf,
}

const USAGE: &str =
    "usage: postprocessor --drop DROP.zip --ride-models ride-models.json --out RESULT.json";

impl Args {
    /// Parses the arguments after the program name.
    pub fn parse(args: impl IntoIterator<Item = OsString>) -> Result<Self, JobError> {
        use lexopt::Arg::Long;
        let bad = |m: String| JobError::new(Code::InvalidArguments, format!("{m}; {USAGE}"));
        let mut parser = lexopt::Parser::from_args(args);
        let (mut drop, mut ride_models, mut out) = (None, None, None);
        while let Some(arg) = parser.next().map_err(|e| bad(e.to_string()))? {
            let slot = match arg {
                Long("drop") => &mut drop,
                Long("ride-models") => &mut ride_models,
                Long("out") => &mut out,
                other => return Err(bad(other.unexpected().to_string())),
            };
            *slot = Some(PathBuf::from(
                parser.value().map_err(|e| bad(e.to_string()))?,
            ));
        }
        Ok(Self {
            drop: drop.ok_or_else(|| bad("missing --drop".into()))?,
            ride_models: ride_models.ok_or_else(|| bad("missing --ride-models".into()))?,
            out: out.ok_or_else(|| bad("missing --out".into()))?,
        })
    }
}
