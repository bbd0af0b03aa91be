use std::fmt;

/// Why a run failed, carrying the process exit code of `docs/job-contracts.md`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobError {
    /// 2 invalid drop, 3 invalid arguments, input or ride models, 1 anything else.
    pub exit_code: i32,
    /// Stable machine-readable code.
    pub code: String,
    /// A sentence a person can act on.
    pub message: String,
}

impl JobError {
    /// Bad command line or unreadable input (exit 3).
    pub fn usage(code: &str, message: impl Into<String>) -> Self {
        Self {
            exit_code: 3,
            code: code.into(),
            message: message.into(),
        }
    }

    /// An invalid drop (exit 2), with the drop's rejection code.
    pub fn invalid_drop(code: &str, message: impl Into<String>) -> Self {
        Self {
            exit_code: 2,
            code: code.into(),
            message: message.into(),
        }
    }

    /// Anything else, e.g. the result cannot be written (exit 1).
    pub fn other(code: &str, message: impl Into<String>) -> Self {
        Self {
            exit_code: 1,
            code: code.into(),
            message: message.into(),
        }
    }

    /// The one JSON line printed on stderr.
    pub fn to_json_line(&self) -> String {
        serde_json::json!({ "error": { "code": self.code, "message": self.message } }).to_string()
    }
}

impl fmt::Display for JobError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code, self.message)
    }
}

impl std::error::Error for JobError {}
