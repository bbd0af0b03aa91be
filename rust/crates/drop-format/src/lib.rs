//! The Zamperla PLC drop format, version 1: the types of every entry, reading and validating
//! a drop zip with the limits and rejection codes of `docs/job-contracts.md`, the drop's
//! `contentId`, and the ride-model data the jobs interpret a drop with.
//!
//! The TypeScript zod schemas in `shared/src/drop/` are the reference: what they accept,
//! these types accept, and the other way round.

mod archive;
mod content_id;
mod entries;
mod file_name;
mod instant;
mod int;
mod limits;
mod manifest;
mod rejection;
mod ride_models;
mod telemetry_scan;
mod telemetry_stream;
mod text;

pub use archive::{
    read_drop, read_drop_file, stream_drop_file, ReadDropError, StreamedDrop, VerifiedDrop,
};
pub use content_id::content_id;
pub use entries::{
    Alarm, AlarmSeverity, CounterSnapshot, Cycle, CycleMode, CycleOutcome, TelemetryFile,
};
pub use file_name::{parse_drop_file_name, DropFileName};
pub use instant::{format_utc_instant, parse_utc_instant, UtcInstant};
pub use limits::DropLimits;
pub use manifest::{Manifest, ManifestFile, Plc, Window, DROP_FORMAT};
pub use rejection::{DropError, RejectionCode};
pub use ride_models::{
    AlarmDefinition, AlarmTexts, RideModel, RideModelChannel, RideModels, Threshold, Typical,
    RIDE_MODELS_FORMAT,
};
pub use telemetry_stream::{DropHead, NullSink, TelemetryHeader, TelemetrySink};
