//! The window rules of `docs/drop-format.md`, as TypeScript's `window-rules.ts` applies them
//! (same instants, to the millisecond; same sentences).

use chrono::{DateTime, Duration, TimeZone, Utc};

use crate::instant::format_utc_instant;
use crate::limits::MAX_WINDOW_START_AFTER_RECEIVED_MS;
use crate::manifest::Manifest;
use crate::rejection::{DropError, RejectionCode as Code};

const HOUR_MS: i64 = 3_600_000;

fn ms(t: DateTime<Utc>) -> i64 {
    t.timestamp_millis()
}

fn instant(ms: i64) -> String {
    Utc.timestamp_millis_opt(ms)
        .single()
        .map_or_else(|| ms.to_string(), format_utc_instant)
}

/// A drop covers exactly one hour aligned to a UTC hour (`window_not_hour`): the ride-window
/// is the unit central counts and revises by.
pub(crate) fn check_window_is_one_utc_hour(m: &Manifest) -> Result<(), DropError> {
    let (start, end) = (ms(m.window.start.0), ms(m.window.end.0));
    if start.rem_euclid(HOUR_MS) == 0 && end - start == HOUR_MS {
        return Ok(());
    }
    let aligned = start.div_euclid(HOUR_MS) * HOUR_MS;
    Err(DropError::new(
        Code::WindowNotHour,
        format!(
            "manifest.json: the window {} – {} is not one UTC hour; a drop covers exactly one hour starting on the hour (e.g. {} – {}): export one drop per UTC hour.",
            m.window.start,
            m.window.end,
            instant(aligned),
            instant(aligned + HOUR_MS)
        ),
    ))
}

/// A window may not start more than 15 minutes after the drop was received
/// (`window_in_future`): the PLC's clock is then ahead, or set to local time.
pub(crate) fn check_window_not_in_future(
    m: &Manifest,
    received_at: DateTime<Utc>,
) -> Result<(), DropError> {
    let (start, received) = (ms(m.window.start.0), ms(received_at));
    if start - received <= MAX_WINDOW_START_AFTER_RECEIVED_MS {
        return Ok(());
    }
    Err(DropError::new(
        Code::WindowInFuture,
        format!(
            "manifest.json: the window starts in the future: set the PLC clock to UTC (window.start is {}, the drop was received at {}; at most {} minutes ahead are accepted).",
            instant(start),
            instant(received),
            Duration::milliseconds(MAX_WINDOW_START_AFTER_RECEIVED_MS).num_minutes()
        ),
    ))
}

/// The drop's canonical file name, from its manifest.
pub(crate) fn canonical_file_name(m: &Manifest) -> String {
    format!(
        "{}_{}_{}_{}.zip",
        m.park,
        m.ride,
        m.window.start.0.format("%Y%m%dT%H%M%SZ"),
        m.sequence
    )
}

/// The file name must be the canonical name of the manifest's drop (`name_mismatch`).
pub(crate) fn check_file_name(name: &str, m: &Manifest) -> Result<(), DropError> {
    let expected = canonical_file_name(m);
    if name == expected {
        return Ok(());
    }
    Err(DropError::new(
        Code::NameMismatch,
        format!("The file is named \"{name}\" but manifest.json (park, ride, window start, sequence) names it \"{expected}\": rename the file to \"{expected}\", or fix the export if the manifest is wrong."),
    ))
}
