use std::fmt;

/// The error codes the jobs emit besides the drop rejection codes: one place for each
/// code's exit code, whether another attempt can help and who can fix it. The table in
/// `docs/job-contracts.md` lists the same (a test compares them).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Code {
    /// The command line is wrong.
    InvalidArguments,
    /// An input file (drop, ride models, report input) cannot be read.
    InputUnreadable,
    /// An input file is larger than its limit.
    InputTooLarge,
    /// The report input does not follow `zamperla.report-input/v1`.
    InputInvalid,
    /// The ride-models file does not follow its schema.
    RideModelsInvalid,
    /// The drop's ride model is not in the ride-models file.
    UnknownRideModel,
    /// An output file or directory cannot be written.
    IoError,
    /// A bug: something the job never expects.
    Internal,
}

impl Code {
    /// Every code, in the order of the documentation's table.
    pub const ALL: [Code; 8] = [
        Code::InvalidArguments,
        Code::InputUnreadable,
        Code::InputTooLarge,
        Code::InputInvalid,
        Code::RideModelsInvalid,
        Code::UnknownRideModel,
        Code::IoError,
        Code::Internal,
    ];

    /// The code as it appears on stderr.
    pub fn as_str(self) -> &'static str {
        match self {
            Code::InvalidArguments => "invalid_arguments",
            Code::InputUnreadable => "input_unreadable",
            Code::InputTooLarge => "input_too_large",
            Code::InputInvalid => "input_invalid",
            Code::RideModelsInvalid => "ride_models_invalid",
            Code::UnknownRideModel => "unknown_ride_model",
            Code::IoError => "io_error",
            Code::Internal => "internal",
        }
    }

    /// Whether another run with the same input can only fail the same way. The exit code
    /// follows it: 3 for permanent, 1 for transient (2 is an invalid drop, also permanent).
    pub fn permanent(self) -> bool {
        match self {
            Code::InvalidArguments
            | Code::InputTooLarge
            | Code::InputInvalid
            | Code::RideModelsInvalid
            | Code::UnknownRideModel => true,
            // Reading and writing the worker's own files fails for reasons of the machine
            // (disk full, a volume away); an internal error is unexpected, so it is given
            // the benefit of the doubt and retried up to the delivery limit.
            Code::InputUnreadable | Code::IoError | Code::Internal => false,
        }
    }

    /// The process exit code.
    pub fn exit_code(self) -> i32 {
        if self.permanent() {
            3
        } else {
            1
        }
    }

    /// Who can fix it, and how: the sentence of the documentation's table.
    pub fn who_fixes(self) -> &'static str {
        match self {
            Code::InvalidArguments => {
                "The operator: the worker and the job binaries come from different versions; deploy matching ones."
            }
            Code::InputUnreadable => {
                "Nobody at first: the worker retries. If it persists, the operator checks the worker's disk and blob store."
            }
            Code::InputTooLarge => {
                "An admin at central: fix the ride-models file, or request a shorter report period or a single ride."
            }
            Code::InputInvalid => {
                "Zamperla support: central assembled an input the reporter refuses, a bug in central."
            }
            Code::RideModelsInvalid => {
                "An admin at central: correct the ride-models file and deploy it, then retry."
            }
            Code::UnknownRideModel => {
                "An admin at central: add the ride model to the ride-models file and deploy it, then retry the drop."
            }
            Code::IoError => {
                "Nobody at first: the worker retries. If it persists, the operator frees space or fixes permissions on the worker."
            }
            Code::Internal => "Zamperla support: a bug in the job; send the batch or report id.",
        }
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why a run failed, carrying the process exit code of `docs/job-contracts.md`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobError {
    /// 2 invalid drop, 3 any other failure another run cannot change, 1 one it may.
    pub exit_code: i32,
    /// Stable machine-readable code.
    pub code: String,
    /// A sentence a person can act on, without paths of the worker's files.
    pub message: String,
    /// Another run with the same input can only fail the same way.
    pub permanent: bool,
}

impl JobError {
    /// A failure with one of the jobs' own codes.
    pub fn new(code: Code, message: impl Into<String>) -> Self {
        Self {
            exit_code: code.exit_code(),
            code: code.as_str().to_owned(),
            message: message.into(),
            permanent: code.permanent(),
        }
    }

    /// An invalid drop (exit 2, permanent), with the drop's rejection code.
    pub fn invalid_drop(code: &str, message: impl Into<String>) -> Self {
        Self {
            exit_code: 2,
            code: code.into(),
            message: message.into(),
            permanent: true,
        }
    }

    /// The one JSON line printed on stderr.
    pub fn to_json_line(&self) -> String {
        serde_json::json!({ "error": {
            "code": self.code,
            "message": self.message,
            "permanent": self.permanent,
        } })
        .to_string()
    }
}

impl fmt::Display for JobError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code, self.message)
    }
}

impl std::error::Error for JobError {}
