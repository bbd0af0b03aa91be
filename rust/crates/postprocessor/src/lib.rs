//! The `postprocessor` job: one verified drop and its ride model in, the
//! `zamperla.postprocess/v1` result out (see `docs/job-contracts.md`).
//!
//! Pure and deterministic: no clock, no randomness, sorted output, so the same drop gives
//! byte-identical results and a redelivered job is harmless.

mod alarms;
mod analysis;
mod channel;
mod cli;
mod cycles;
mod hourly;
mod output;
mod quality;
mod series;

use std::ffi::OsString;
use std::path::Path;

use drop_format::{
    format_utc_instant, stream_drop_file, DropLimits, ReadDropError, RideModel, RideModels,
    StreamedDrop,
};

pub use cli::Args;
pub use job_io::{Code, JobError};
pub use output::*;

use analysis::Analysis;
use channel::ChannelResult;

/// The largest ride-models file read: the repository's is a few KiB.
pub const MAX_RIDE_MODELS_BYTES: u64 = 16 * 1024 * 1024;

/// Runs the job with the arguments after the program name.
pub fn run(args: impl IntoIterator<Item = OsString>) -> Result<(), JobError> {
    let args = Args::parse(args)?;
    let models_bytes =
        job_io::read_input(&args.ride_models, "the ride models", MAX_RIDE_MODELS_BYTES)?;
    let models = RideModels::from_json(&models_bytes).map_err(|e| {
        JobError::new(
            Code::RideModelsInvalid,
            format!("the ride models are invalid: {e}; an admin at central must correct the ride-models file"),
        )
    })?;
    let result = process(&args.drop, &models)?;
    write_json(&args.out, &result)
}

/// Verifies and analyses the drop at `drop_path` in one streaming pass.
pub fn process(drop_path: &Path, models: &RideModels) -> Result<PostprocessResult, JobError> {
    // The telemetry is analysed while the zip is verified, so it is read once and never held.
    let mut analysis = Analysis::new(models);
    let drop =
        stream_drop_file(drop_path, &DropLimits::default(), &mut analysis).map_err(
            |e| match e {
                ReadDropError::Io(e) => JobError::new(
                    Code::InputUnreadable,
                    format!("cannot read the drop: {e}; the worker retries, and if it persists the worker's disk or blob store needs a look"),
                ),
                ReadDropError::Invalid(e) => JobError::invalid_drop(e.code.as_str(), e.message),
            },
        )?;
    let m = &drop.head.manifest;
    let model = models.find(&m.model).ok_or_else(|| {
        JobError::new(
            Code::UnknownRideModel,
            format!(
                "the drop is for ride model {:?}, which the ride models do not define (known: {}); an admin at central must add it to the ride-models file",
                m.model,
                models.ids().join(", ")
            ),
        )
    })?;
    Ok(postprocess(&drop, model, &analysis.results))
}

/// Assembles the result of a verified drop from its head and what the telemetry stream
/// measured.
fn postprocess(
    drop: &StreamedDrop,
    model: &RideModel,
    channels: &[ChannelResult],
) -> PostprocessResult {
    let head = &drop.head;
    let m = &head.manifest;
    // `Manifest::validate` already accepted the zone; UTC only guards a future refactor.
    let tz = m.tz().unwrap_or(chrono_tz::UTC);
    let window = (m.window.start.0, m.window.end.0);
    // Only what belongs to the window counts (docs/job-contracts.md); the rest becomes
    // findings.
    let cycles = cycles::sort_out(&head.cycles, window);
    let alarms = alarms::sort_out(&head.alarms, window);

    PostprocessResult {
        format: RESULT_FORMAT,
        drop: DropInfo {
            park: m.park.clone(),
            ride: m.ride.clone(),
            model: m.model.clone(),
            sequence: m.sequence,
            timezone: m.timezone.clone(),
            window: WindowOut {
                start: format_utc_instant(window.0),
                end: format_utc_instant(window.1),
            },
            content_id: drop.content_id.clone(),
        },
        cycles: cycles::cycle_out(&cycles.counted, channels),
        alarms: alarms::alarms(&alarms.counted, model, window),
        breaches: cycles::breaches(channels),
        hourly: hourly::hourly(
            &cycles.counted,
            alarms::downtime(&alarms.counted, window.1),
            channels,
            window,
            tz,
        ),
        quality: quality::findings(channels, &head.counters, &cycles, &alarms, model, window),
    }
}

fn write_json(out: &Path, result: &PostprocessResult) -> Result<(), JobError> {
    let mut bytes = serde_json::to_vec_pretty(result).map_err(|e| {
        JobError::new(
            Code::Internal,
            format!("cannot serialize the result: {e}; this is a bug in the postprocessor"),
        )
    })?;
    bytes.push(b'\n');
    job_io::write_atomic(out, &bytes)
}
