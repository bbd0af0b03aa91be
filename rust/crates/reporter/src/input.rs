//! `zamperla.report-input/v1`, assembled by central's worker from PostgreSQL.

use chrono::{DateTime, TimeDelta, Utc};
use chrono_tz::Tz;
use drop_format::UtcInstant;
use serde::Deserialize;

/// The value of `format`.
pub const INPUT_FORMAT: &str = "zamperla.report-input/v1";

/// Everything a report is made of.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ReportInput {
    /// Always [`INPUT_FORMAT`].
    pub format: String,
    /// Language of the labels.
    pub language: Language,
    /// The park.
    pub park: Park,
    /// The ride, or `None` for a whole-park report.
    pub ride: Option<Ride>,
    /// UTC period, end exclusive.
    pub period: Period,
    /// Hourly rows, one per ride and hour.
    pub hourly: Vec<HourRow>,
    /// Every alarm occurrence active at some point in the period, one row per (ride, code,
    /// raisedAt); `raisedAt` may precede the period.
    pub alarms: Vec<AlarmRow>,
    /// Optional: per ride and channel, the daily p95 of per-cycle peaks and the ride
    /// model's threshold (absent in inputs written before channel health existed).
    #[serde(default)]
    pub channels: Vec<ChannelRow>,
    /// Optional: threshold breaches and data-quality findings, counted per ride, kind and
    /// channel (absent in inputs written before anomalies existed).
    #[serde(default)]
    pub anomalies: Vec<AnomalyRow>,
    /// Optional: the park's opening hours resolved to the period's days; without them
    /// completeness is measured against each day's span of hours with data.
    #[serde(default)]
    pub opening_hours: Option<OpeningHours>,
}

/// The opening hours of a period: which rides should run and when the park was open.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OpeningHours {
    /// Rides expected to send data during opening hours.
    pub rides: Vec<String>,
    /// Every park-local day of the period.
    pub days: Vec<OpeningDay>,
}

/// One park-local day's opening, resolved to UTC by central with the zone's rules of the day.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OpeningDay {
    /// `YYYY-MM-DD`, park-local.
    pub date: String,
    /// Opening; `null` on a closed day.
    pub open: Option<UtcInstant>,
    /// Closing, not before `open` (equal: no opening that day); `null` on a closed day.
    pub close: Option<UtcInstant>,
}

/// Refuses an opening day the reporter cannot read, saying what is wrong in words. `open`
/// equal to `close` is accepted: central resolves wall-clock hours by rule R6, and hours that
/// lie wholly in a DST gap (02:00-03:00 on the spring-forward day) resolve to one instant, which
/// means the park had no opening that day.
fn check_opening_day(i: usize, d: &OpeningDay) -> Result<(), String> {
    let at = format!("openingHours.days[{i}]");
    if chrono::NaiveDate::parse_from_str(&d.date, "%Y-%m-%d").is_err() {
        return Err(format!(
            "{at} has the date {:?}; expected a park-local date written YYYY-MM-DD",
            d.date
        ));
    }
    match (d.open, d.close) {
        (Some(o), Some(c)) if o > c => Err(format!(
            "{at} ({}) opens at {o} but closes earlier, at {c}; a day's opening cannot end before it starts",
            d.date
        )),
        (Some(_), None) | (None, Some(_)) => Err(format!(
            "{at} ({}) has only one of open and close; give both, or neither for a closed day",
            d.date
        )),
        _ => Ok(()),
    }
}

/// Occurrences of one kind of anomaly on one ride (and channel) in the period.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct AnomalyRow {
    /// Ride id.
    pub ride: String,
    /// `breach_max`, `breach_min` (threshold breaches from the postprocessor's `breaches`),
    /// or a quality finding of the postprocessor (`gap`, `outside_window`, `counter_reset`,
    /// `duplicate_cycle`, `cycle_outside_window`, `alarm_outside_window`,
    /// `counter_outside_window`, `duplicate_alarm`, `riders_over_capacity`).
    pub kind: String,
    /// Channel, `null` for findings that concern no channel.
    pub channel: Option<String>,
    /// Occurrences.
    pub count: u64,
    /// The first occurrence.
    pub first: UtcInstant,
    /// Breaches: the value furthest beyond the limit; `null` for quality findings.
    pub worst: Option<f64>,
    /// Breaches: the limit; `null` for quality findings.
    pub limit: Option<f64>,
}

/// One channel of one ride: its threshold and the daily p95 of its per-cycle peaks.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ChannelRow {
    /// Ride id.
    pub ride: String,
    /// Channel name, e.g. `main_motor.current`.
    pub channel: String,
    /// Unit from the ride model, `null` when the model does not list the channel.
    pub unit: Option<String>,
    /// The ride model's threshold, `null` when the model has none for the channel.
    pub threshold: Option<Threshold>,
    /// One row per park-local day with at least one cycle that measured the channel.
    pub days: Vec<ChannelDay>,
}

/// A ride model's limits for a channel.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Threshold {
    /// Lower limit.
    #[serde(default)]
    pub min: Option<f64>,
    /// Upper limit.
    #[serde(default)]
    pub max: Option<f64>,
}

/// One park-local day of a channel.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ChannelDay {
    /// `YYYY-MM-DD`, park-local.
    pub date: String,
    /// Cycles that day with samples of the channel.
    pub cycles: u64,
    /// Nearest-rank p95 of those cycles' peaks.
    pub p95_peak: f64,
}

/// Report language.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Language {
    /// English.
    En,
    /// Italian.
    It,
}

/// The park a report is for.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Park {
    /// Park id.
    pub id: String,
    /// Display name.
    pub name: String,
    /// IANA time zone; days are park-local days.
    pub timezone: String,
}

/// The ride a report is for.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Ride {
    /// Ride id.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Ride model id.
    pub model: String,
}

/// A UTC period, end exclusive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Period {
    /// First instant.
    pub start: UtcInstant,
    /// First instant after the period.
    pub end: UtcInstant,
}

/// One ride's aggregates for one UTC hour (from the postprocessor's `hourly`).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct HourRow {
    /// Ride id.
    pub ride: String,
    /// UTC hour slot.
    pub hour_start: UtcInstant,
    /// The slot in park-local time.
    pub local_hour: String,
    /// Cycles started.
    pub cycles: u64,
    /// Riders.
    pub riders: u64,
    /// Completed cycles.
    pub completed: u64,
    /// Aborted cycles.
    pub aborted: u64,
    /// Emergency-stopped cycles.
    pub estop: u64,
    /// Minutes in auto cycles.
    pub auto_minutes: f64,
    /// Minutes under a fault.
    pub fault_minutes: f64,
    /// Availability in [0, 1].
    pub availability: f64,
}

impl HourRow {
    /// The part of the row's UTC hour inside `period`, `None` when they do not overlap.
    /// Where a park-local day starts at hh:30 UTC (Asia/Kolkata, Australia/Lord_Howe) central
    /// sends the UTC hour that straddles the period's start or end with only its part inside
    /// the period, so every figure keeps that row and weights it by this part, and counts it
    /// in the park-local day and hour in which this part starts.
    pub fn part_in(&self, period: &Period) -> Option<(DateTime<Utc>, DateTime<Utc>)> {
        let from = self.hour_start.0.max(period.start.0);
        let to = (self.hour_start.0 + TimeDelta::hours(1)).min(period.end.0);
        (from < to).then_some((from, to))
    }
}

/// One alarm occurrence active in the period.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct AlarmRow {
    /// Ride id.
    pub ride: String,
    /// Alarm code.
    pub code: String,
    /// Severity: `info`, `warning`, `fault` or `critical`.
    pub severity: String,
    /// Text in the report's language.
    pub text: String,
    /// When raised; may be before the period.
    pub raised_at: UtcInstant,
    /// Seconds it was active inside the period (central clips it); the reporter uses it as
    /// it is.
    pub duration_s: f64,
}

/// The severities an alarm can have.
pub const SEVERITIES: [&str; 4] = ["info", "warning", "fault", "critical"];

impl AlarmRow {
    /// Whether the alarm stops the ride: only `fault` and `critical` alarms carry downtime;
    /// `info` and `warning` alarms are active without stopping it.
    pub fn is_downtime(&self) -> bool {
        matches!(self.severity.as_str(), "fault" | "critical")
    }
}

impl ReportInput {
    /// Parses and validates the input; the error names the first problem.
    pub fn from_json(bytes: &[u8]) -> Result<Self, String> {
        let input: ReportInput = serde_json::from_slice(bytes).map_err(|e| e.to_string())?;
        if input.format != INPUT_FORMAT {
            return Err(format!(
                "format must be {INPUT_FORMAT:?}, got {:?}",
                input.format
            ));
        }
        input.tz()?;
        if input.period.start >= input.period.end {
            return Err("period.start must be before period.end".into());
        }
        for (i, h) in input.hourly.iter().enumerate() {
            if !(0.0..=1.0).contains(&h.availability) {
                return Err(format!("hourly[{i}].availability must be within 0 and 1"));
            }
        }
        // A duration longer than the period cannot be the clipped time the contract asks
        // for: refusing it beats a report whose downtime exceeds the time that passed.
        let period_s = (input.period.end.0 - input.period.start.0).num_milliseconds() as f64 / 1e3;
        for (i, a) in input.alarms.iter().enumerate() {
            if !SEVERITIES.contains(&a.severity.as_str()) {
                return Err(format!(
                    "alarms[{i}].severity must be one of info, warning, fault, critical, got {:?}",
                    a.severity
                ));
            }
            if !(a.duration_s.is_finite() && (0.0..=period_s + 1e-3).contains(&a.duration_s)) {
                return Err(format!(
                    "alarms[{i}].durationS must be the seconds the alarm was active inside the period (0 to {period_s}), got {}",
                    a.duration_s
                ));
            }
        }
        for (i, c) in input.channels.iter().enumerate() {
            for (j, d) in c.days.iter().enumerate() {
                if chrono::NaiveDate::parse_from_str(&d.date, "%Y-%m-%d").is_err()
                    || !d.p95_peak.is_finite()
                {
                    return Err(format!(
                        "channels[{i}].days[{j}] needs a YYYY-MM-DD date and a finite p95Peak"
                    ));
                }
            }
        }
        if let Some(oh) = &input.opening_hours {
            for (i, d) in oh.days.iter().enumerate() {
                check_opening_day(i, d)?;
            }
        }
        Ok(input)
    }

    /// The park's time zone.
    pub fn tz(&self) -> Result<Tz, String> {
        Tz::from_str_insensitive(&self.park.timezone).map_err(|_| {
            format!(
                "park.timezone {:?}: expected an IANA time zone such as Europe/Rome",
                self.park.timezone
            )
        })
    }
}
