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
pub use job_io::JobError;
pub use output::*;

use analysis::Analysis;
use channel::ChannelResult;

/// The largest ride-models file read: the repository's is a few KiB.
pub const MAX_RIDE_MODELS_BYTES: u64 = 16 * 1024 * 1024;

/// Runs the job with the arguments after the program name.
pub fn run(args: impl IntoIterator<Item = OsString>) -> Result<(), JobError> {
    let args = Args::parse(args)?;
    let models_bytes = job_io::read_input(&args.ride_models, "ride models", MAX_RIDE_MODELS_BYTES)?;
    let models = RideModels::from_json(&models_bytes).map_err(|e| {
        JobError::usage(
            "ride_models_invalid",
            format!(
                "ride models {} are invalid: {e}",
                args.ride_models.display()
            ),
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
                ReadDropError::Io(e) => JobError::usage(
                    "input_unreadable",
                    format!("cannot read drop {}: {e}", drop_path.display()),
                ),
                ReadDropError::Invalid(e) => JobError::invalid_drop(e.code.as_str(), e.message),
            },
        )?;
    let m = &drop.head.manifest;
    let model = models.find(&m.model).ok_or_else(|| {
        JobError::usage(
            "unknown_ride_model",
            format!(
                "the drop is for ride model {:?}, which the ride models do not define (known: {}); update the ride models",
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
    let (kept, repeated) = cycles::dedupe(&head.cycles);

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
        cycles: cycles::cycle_out(&kept, channels),
        alarms: alarms::alarms(&head.alarms, model, window),
        breaches: cycles::breaches(channels),
        hourly: hourly::hourly(
            &kept,
            alarms::downtime(&head.alarms, window.1),
            channels,
            window,
            tz,
        ),
        quality: quality::findings(channels, &head.counters, &repeated),
    }
}

fn write_json(out: &Path, result: &PostprocessResult) -> Result<(), JobError> {
    let mut bytes = serde_json::to_vec_pretty(result)
        .map_err(|e| JobError::other("internal", format!("cannot serialize the result: {e}")))?;
    bytes.push(b'\n');
    job_io::write_atomic(out, &bytes)
}
