use serde::Deserialize;

use crate::instant::UtcInstant;
use crate::json_text::require_list_of_objects;
use crate::text::js_len;

/// How a cycle was run.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize, serde::Serialize,
)]
#[serde(rename_all = "lowercase")]
pub enum CycleMode {
    /// Normal operation with riders.
    Auto,
    /// Operator-driven.
    Manual,
    /// Maintenance run.
    Maintenance,
}

/// How a cycle ended.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize, serde::Serialize,
)]
#[serde(rename_all = "lowercase")]
pub enum CycleOutcome {
    /// Ran to the end.
    Completed,
    /// Stopped early by the control system.
    Aborted,
    /// Stopped by an emergency stop.
    Estop,
}

/// One ride cycle from `cycles.json`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Cycle {
    /// PLC cycle id, 1–64 characters.
    pub id: String,
    /// When the cycle started.
    pub start: UtcInstant,
    /// When the cycle ended.
    pub end: UtcInstant,
    /// How it was run.
    pub mode: CycleMode,
    /// How it ended.
    pub outcome: CycleOutcome,
    /// Riders on board, 0–1000.
    #[serde(deserialize_with = "crate::int::non_negative")]
    pub riders: u64,
}

/// Alarm severity, mildest first.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize, serde::Serialize,
)]
#[serde(rename_all = "lowercase")]
pub enum AlarmSeverity {
    /// For the record.
    Info,
    /// Needs attention, the ride may run.
    Warning,
    /// The ride stops.
    Fault,
    /// The ride stops; safety relevant.
    Critical,
}

impl AlarmSeverity {
    /// Whether the alarm takes the ride out of service (counts against availability).
    pub fn is_downtime(self) -> bool {
        matches!(self, Self::Fault | Self::Critical)
    }
}

/// One alarm from `alarms.json`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
#[serde(rename_all = "camelCase")]
pub struct Alarm {
    /// Code, a key of the ride model's alarm table.
    pub code: String,
    /// Severity as the PLC reported it.
    pub severity: AlarmSeverity,
    /// When it was raised.
    pub raised_at: UtcInstant,
    /// When it was cleared; `None` while still active at the end of the window.
    #[serde(deserialize_with = "required_nullable")]
    pub cleared_at: Option<UtcInstant>,
    /// The cycle it interrupted, if any.
    #[serde(deserialize_with = "required_nullable")]
    pub cycle_id: Option<String>,
}

/// A snapshot of the PLC's counters from `counters.json`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
#[serde(rename_all = "camelCase")]
pub struct CounterSnapshot {
    /// When the snapshot was taken.
    pub at: UtcInstant,
    /// Hours in operation, lifetime.
    pub operating_hours: f64,
    /// Cycles run, lifetime; a decrease is a counter reset.
    #[serde(deserialize_with = "crate::int::non_negative")]
    pub cycle_counter: u64,
    /// Hours powered on, lifetime.
    pub power_on_hours: f64,
}

/// One channel's samples from `telemetry/{channel}.json`. Sample `i` was taken at
/// `start + i / rate_hz`; `None` is a sample the PLC did not capture.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
#[serde(rename_all = "camelCase")]
pub struct TelemetryFile {
    /// Channel name, `component.quantity`.
    pub channel: String,
    /// Unit of the values.
    pub unit: String,
    /// Samples per second, in (0, 10000].
    pub rate_hz: f64,
    /// Time of the first sample.
    pub start: UtcInstant,
    /// The samples.
    pub values: Vec<Option<f64>>,
}

/// A field that must be present but may be `null`, as zod's `.nullable()`: serde would treat
/// a missing `Option` field as `None` (a field with `deserialize_with` is required).
fn required_nullable<'de, D, T>(d: D) -> Result<Option<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(d)
}

/// Parses `cycles.json` and applies the schema's limits.
pub(crate) fn parse_cycles(bytes: &[u8]) -> Result<Vec<Cycle>, String> {
    let cycles: Vec<Cycle> = serde_json::from_slice(bytes).map_err(|e| e.to_string())?;
    require_list_of_objects(bytes, &["mode", "outcome"])?;
    for (i, c) in cycles.iter().enumerate() {
        if !(1..=64).contains(&js_len(&c.id)) {
            return Err(format!("[{i}].id must have 1 to 64 characters"));
        }
        if c.end < c.start {
            return Err(format!(
                "[{i}].end must not be before start (a PLC clock fault?)"
            ));
        }
        if c.riders > 1000 {
            return Err(format!(
                "[{i}].riders must be at most 1000, got {}",
                c.riders
            ));
        }
    }
    Ok(cycles)
}

/// Parses `alarms.json` and applies the schema's limits.
pub(crate) fn parse_alarms(bytes: &[u8]) -> Result<Vec<Alarm>, String> {
    let alarms: Vec<Alarm> = serde_json::from_slice(bytes).map_err(|e| e.to_string())?;
    require_list_of_objects(bytes, &["severity"])?;
    for (i, a) in alarms.iter().enumerate() {
        if !(1..=32).contains(&js_len(&a.code)) {
            return Err(format!("[{i}].code must have 1 to 32 characters"));
        }
        // TypeScript's schema refuses this too; the postprocessor would otherwise clip it
        // to a zero or negative duration and hide a PLC clock fault.
        if a.cleared_at.is_some_and(|c| c < a.raised_at) {
            return Err(format!(
                "[{i}].clearedAt must not be before raisedAt (a PLC clock fault?)"
            ));
        }
        if a.cycle_id
            .as_ref()
            .is_some_and(|id| !(1..=64).contains(&js_len(id)))
        {
            return Err(format!("[{i}].cycleId must have 1 to 64 characters"));
        }
    }
    Ok(alarms)
}

/// Parses `counters.json` and applies the schema's limits.
pub(crate) fn parse_counters(bytes: &[u8]) -> Result<Vec<CounterSnapshot>, String> {
    let counters: Vec<CounterSnapshot> =
        serde_json::from_slice(bytes).map_err(|e| e.to_string())?;
    require_list_of_objects(bytes, &[])?;
    for (i, c) in counters.iter().enumerate() {
        if c.operating_hours < 0.0 || c.power_on_hours < 0.0 {
            return Err(format!(
                "[{i}]: operatingHours and powerOnHours must not be negative"
            ));
        }
    }
    Ok(counters)
}
