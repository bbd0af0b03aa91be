//! The Zamperla PLC drop format, version 1: the types of every entry, reading and validating
//! a drop zip with the limits and rejection codes of `docs/job-contracts.md`, the drop's
//! `contentId`, and the ride-model data the jobs interpret a drop with.
//!
//! The TypeScript zod schemas in `shared/src/drop/` are the reference: what they accept,
//! these types accept, and the other way round.

mod archive;
mod check_cli;
mod content_id;
mod entries;
mod file_name;
mod instant;
mod int;
mod json_text;
mod limits;
#[rustfmt::skip]
mod limits_generated;
mod manifest;
mod rejection;
mod ride_models;
mod telemetry_scan;
mod telemetry_stream;
mod text;
mod window;
mod zip_archive;

pub use archive::{
    read_drop, read_drop_file, stream_drop_file, verify_drop_bytes, verify_drop_file,
    ReadDropError, StreamedDrop, VerifiedDrop, VerifyOptions,
};
pub use check_cli::{run_drop_check, EXIT_REJECTED, EXIT_USAGE, EXIT_VALID};
pub use content_id::content_id;
pub use entries::{
    Alarm, AlarmSeverity, CounterSnapshot, Cycle, CycleMode, CycleOutcome, TelemetryFile,
};
pub use file_name::{parse_drop_file_name, DropFileName};
pub use instant::{format_utc_instant, parse_utc_instant, UtcInstant};
pub use limits::{DropLimits, MAX_WINDOW_START_AFTER_RECEIVED_MS};
pub use manifest::{Manifest, ManifestFile, Plc, Window, DROP_FORMAT};
pub use rejection::{DropError, RejectionCode};
pub use ride_models::{
    AlarmDefinition, AlarmTexts, RideModel, RideModelChannel, RideModels, Threshold, Typical,
    RIDE_MODELS_FORMAT,
};
pub use telemetry_stream::{DropHead, NullSink, TelemetryHeader, TelemetrySink};
