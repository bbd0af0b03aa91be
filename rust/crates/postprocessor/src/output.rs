//! The `zamperla.postprocess/v1` result, field for field as in `docs/job-contracts.md`.
//! Maps are `BTreeMap` and every list is sorted, so the same drop gives the same bytes.

use std::collections::BTreeMap;

use drop_format::{AlarmSeverity, CycleMode, CycleOutcome};
use serde::Serialize;

/// The value of `format`.
pub const RESULT_FORMAT: &str = "zamperla.postprocess/v1";

/// The whole result.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PostprocessResult {
    /// Always [`RESULT_FORMAT`].
    pub format: &'static str,
    /// Which drop this is.
    pub drop: DropInfo,
    /// Cycles by start time.
    pub cycles: Vec<CycleOut>,
    /// Alarms by raise time.
    pub alarms: Vec<AlarmOut>,
    /// Threshold breaches by time.
    pub breaches: Vec<BreachOut>,
    /// One row per UTC hour slot of the window.
    pub hourly: Vec<HourOut>,
    /// Data-quality findings by time.
    pub quality: Vec<QualityOut>,
}

/// The drop's identity, copied from its manifest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DropInfo {
    /// Park id.
    pub park: String,
    /// Ride id.
    pub ride: String,
    /// Ride model id.
    pub model: String,
    /// Sequence number.
    pub sequence: u64,
    /// Park time zone.
    pub timezone: String,
    /// UTC window.
    pub window: WindowOut,
    /// The drop's content identity.
    pub content_id: String,
}

/// A UTC window as ISO strings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WindowOut {
    /// Start, inclusive.
    pub start: String,
    /// End, exclusive.
    pub end: String,
}

/// One cycle with its per-channel features.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CycleOut {
    /// PLC cycle id.
    pub id: String,
    /// Start (UTC).
    pub start: String,
    /// End (UTC).
    pub end: String,
    /// Mode.
    pub mode: CycleMode,
    /// Outcome.
    pub outcome: CycleOutcome,
    /// Riders.
    pub riders: u64,
    /// `end - start` in seconds.
    pub duration_s: f64,
    /// Features of each channel that has samples inside the cycle.
    pub channels: BTreeMap<String, ChannelFeatures>,
}

/// A channel's features over the non-null samples in `[start, end)` of a cycle.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct ChannelFeatures {
    /// Largest value.
    pub peak: f64,
    /// Arithmetic mean.
    pub mean: f64,
    /// Root mean square.
    pub rms: f64,
    /// Number of non-null samples.
    pub samples: u64,
}

/// One alarm with its text from the ride model.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AlarmOut {
    /// Alarm code.
    pub code: String,
    /// Severity as reported by the PLC.
    pub severity: AlarmSeverity,
    /// English text from the model's alarm table.
    pub text: String,
    /// Component from the model's alarm table.
    pub component: String,
    /// Raised (UTC).
    pub raised_at: String,
    /// Cleared (UTC), `null` while active at the window's end.
    pub cleared_at: Option<String>,
    /// Seconds until cleared, or until the window's end.
    pub duration_s: f64,
    /// The cycle it interrupted.
    pub cycle_id: Option<String>,
}

/// Which side of a threshold a breach is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum BreachKind {
    /// Above `threshold.max`.
    Max,
    /// Below `threshold.min`.
    Min,
}

/// The worst sample beyond a threshold, per channel and cycle (or idle time).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BreachOut {
    /// Channel.
    pub channel: String,
    /// The cycle, or `null` for idle time outside cycles.
    pub cycle_id: Option<String>,
    /// Time of the worst sample (UTC).
    pub at: String,
    /// Its value.
    pub value: f64,
    /// The limit it crossed.
    pub limit: f64,
    /// Which limit.
    pub kind: BreachKind,
}

/// Aggregates of one UTC hour slot.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct HourOut {
    /// Slot start (UTC).
    pub hour_start: String,
    /// Slot start in park-local time with its offset.
    pub local_hour: String,
    /// Cycles that started in the slot.
    pub cycles: u64,
    /// Their riders.
    pub riders: u64,
    /// Of which completed.
    pub completed: u64,
    /// Of which aborted.
    pub aborted: u64,
    /// Of which emergency-stopped.
    pub estop: u64,
    /// Minutes covered by `auto` cycles.
    pub auto_minutes: f64,
    /// Minutes covered by at least one `fault` or `critical` alarm.
    pub fault_minutes: f64,
    /// `1 - faultMinutes / minutes of the slot inside the window`.
    pub availability: f64,
    /// Distribution of each channel's samples in the slot.
    pub channels: BTreeMap<String, ChannelStats>,
}

/// Percentiles (nearest rank) and maximum of a channel's samples in an hour.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct ChannelStats {
    /// Median.
    pub p50: f64,
    /// 95th percentile.
    pub p95: f64,
    /// Maximum.
    pub max: f64,
}

/// Kinds of data-quality finding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum QualityKind {
    /// A run of null samples of at least one second.
    Gap,
    /// Telemetry samples outside the drop's window (not used).
    OutsideWindow,
    /// `cycleCounter` decreased.
    CounterReset,
    /// The same cycle id appears more than once (counted once).
    DuplicateCycle,
    /// A cycle that did not start in the window (not counted).
    CycleOutsideWindow,
    /// An alarm not active at any point in the window (not counted).
    AlarmOutsideWindow,
    /// Counter snapshots outside the window (ignored).
    CounterOutsideWindow,
    /// The same alarm occurrence (code, raisedAt) appears more than once (counted once).
    DuplicateAlarm,
    /// A cycle reports more riders than the ride model has seats (counted as reported).
    RidersOverCapacity,
}

/// One data-quality finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct QualityOut {
    /// What was found.
    pub kind: QualityKind,
    /// The channel, for telemetry findings.
    pub channel: Option<String>,
    /// When (UTC).
    pub at: String,
    /// A sentence for people.
    pub detail: String,
}
