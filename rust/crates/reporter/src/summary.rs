//! `summary.json` (`zamperla.report-summary/v1`): the numbers every rendering shows.

use std::collections::BTreeMap;

use chrono::{Days, NaiveDate, TimeDelta};
use chrono_tz::Tz;
use serde::Serialize;

use crate::input::{ReportInput, SEVERITIES};

/// The value of `format`.
pub const SUMMARY_FORMAT: &str = "zamperla.report-summary/v1";

/// The most alarm codes listed.
pub const TOP_ALARMS: usize = 10;

/// Totals, days and top alarms of a report.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Summary {
    /// Always [`SUMMARY_FORMAT`].
    pub format: &'static str,
    /// Cycles in the period.
    pub cycles: u64,
    /// Riders in the period.
    pub riders: u64,
    /// Mean hourly availability weighted by the hour's minutes in the period, over hours
    /// with data; `null` when no hour has data.
    pub availability: Option<f64>,
    /// Hours of the period with at least one row: each distinct UTC hour counts its part
    /// inside the period (half an hour for the hour a Kolkata or Lord Howe day starts in).
    pub hours_with_data: f64,
    /// Alarm codes by count, then downtime, then code (at most [`TOP_ALARMS`]).
    pub top_alarms: Vec<TopAlarm>,
    /// Alarm codes by downtime, then count, then code (at most [`TOP_ALARMS`], only codes
    /// with downtime, so only `fault` and `critical` ones).
    pub top_alarms_by_downtime: Vec<TopAlarm>,
    /// Every park-local day of the period.
    pub days: Vec<Day>,
    /// Fault and critical alarm occurrences active in the period: the failures of MTBF and
    /// MTTR, the only alarms that carry downtime.
    pub failures: u64,
    /// Info and warning occurrences active in the period: they carry no downtime.
    pub warnings: u64,
    /// Operating time in seconds: each hour with data counts its minutes in the period
    /// times its availability (so fault time is not operating time), summed over rides.
    pub operating_s: f64,
    /// Mean time between failures in seconds: `operatingS / failures`; `null` without
    /// failures.
    pub mtbf_s: Option<f64>,
    /// Mean time to repair in seconds: the failures' total time inside the period /
    /// `failures`; `null` without failures.
    pub mttr_s: Option<f64>,
    /// Hours with data against the hours the rides were in operation.
    pub completeness: Completeness,
    /// Per ride and channel (sorted), the daily p95 of per-cycle peaks against the ride
    /// model's upper threshold; empty when the input carries no channel rows.
    pub channel_health: Vec<ChannelHealth>,
    /// Breaches and data-quality findings of the period, sorted by ride, kind, channel.
    pub anomalies: Vec<Anomaly>,
    /// One paragraph for people, in the report's language, generated from these numbers.
    pub narrative: String,
}

/// One channel of one ride over the period.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ChannelHealth {
    /// Ride id.
    pub ride: String,
    /// Channel name.
    pub channel: String,
    /// Unit, when the ride model knows the channel.
    pub unit: Option<String>,
    /// The ride model's upper threshold (`threshold.max`); peaks are maxima, so a lower
    /// threshold is not compared with them.
    pub limit: Option<f64>,
    /// Park-local days of the period with data, oldest first.
    pub days: Vec<ChannelHealthDay>,
    /// The highest daily p95.
    pub max_p95_peak: f64,
    /// Days whose p95 is above `limit`.
    pub days_above: u64,
    /// `daysAbove > 0`.
    pub flagged: bool,
}

/// One kind of anomaly on one ride (and channel): the input's row, for the report's ride.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Anomaly {
    /// Ride id.
    pub ride: String,
    /// `breach_max`, `breach_min`, or a quality finding's kind (see the input's
    /// [`crate::AnomalyRow::kind`]).
    pub kind: String,
    /// Channel, if any.
    pub channel: Option<String>,
    /// Occurrences.
    pub count: u64,
    /// First occurrence (UTC).
    pub first: drop_format::UtcInstant,
    /// Breaches: the worst value.
    pub worst: Option<f64>,
    /// Breaches: the limit.
    pub limit: Option<f64>,
}

/// One day of [`ChannelHealth`].
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ChannelHealthDay {
    /// `YYYY-MM-DD`, park-local.
    pub date: String,
    /// Cycles that measured the channel.
    pub cycles: u64,
    /// p95 of the cycles' peaks.
    pub p95_peak: f64,
}

/// What completeness is measured against.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum CompletenessBasis {
    /// The park's opening hours (the input's `openingHours`).
    OpeningHours,
    /// No opening hours in the input: per ride and park-local day, every hour from the first
    /// to the last hour with data.
    DataSpan,
}

/// Data completeness, counted in ride-hours.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Completeness {
    /// What `rideHoursExpected` is.
    pub basis: CompletenessBasis,
    /// Ride-hours with a row: with opening hours, only the part of each (ride, UTC hour)
    /// inside the opening (so 09:30 opening counts half of the 09:00 hour).
    pub ride_hours_with_data: f64,
    /// Ride-hours expected: the opening hours in the period times the rides expected, or
    /// (`dataSpan`) the hours of each ride's and day's span of data.
    pub ride_hours_expected: f64,
    /// With opening hours: ride-hours with data outside them (tests, maintenance);
    /// `null` for `dataSpan`.
    pub ride_hours_outside_opening: Option<f64>,
    /// `rideHoursWithData / rideHoursExpected`; `null` when nothing is expected.
    pub ratio: Option<f64>,
}

/// One alarm code's occurrences in the period.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TopAlarm {
    /// Alarm code.
    pub code: String,
    /// Its text (of the first occurrence).
    pub text: String,
    /// The most severe severity of its occurrences.
    pub severity: String,
    /// Occurrences active in the period.
    pub count: u64,
    /// Seconds its occurrences were active inside the period, summed, whatever the severity.
    pub active_s: f64,
    /// The same for its `fault` and `critical` occurrences only: `info` and `warning` alarms
    /// carry no downtime.
    pub downtime_s: f64,
}

/// One park-local day.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Day {
    /// `YYYY-MM-DD` in park-local time.
    pub date: String,
    /// Cycles started that day.
    pub cycles: u64,
    /// Riders that day.
    pub riders: u64,
    /// Weighted mean availability of the day's hours with data; `null` without data.
    pub availability: Option<f64>,
    /// The day's data completeness on the summary's basis; `null` when nothing was expected
    /// (closed, or no data under `dataSpan`).
    pub completeness: Option<f64>,
    /// Closed all day by the opening hours (always `false` under `dataSpan`).
    pub closed: bool,
}

#[derive(Default)]
struct Acc {
    cycles: u64,
    riders: u64,
    weighted: f64,
    minutes: f64,
}

impl Acc {
    fn availability(&self) -> Option<f64> {
        (self.minutes > 0.0).then(|| round6(self.weighted / self.minutes))
    }
}

/// Computes the summary; rows and alarms outside the period are ignored.
pub fn summarize(input: &ReportInput, tz: Tz) -> Summary {
    let (start, end) = (input.period.start.0, input.period.end.0);
    let mut total = Acc::default();
    let mut days: BTreeMap<NaiveDate, Acc> = BTreeMap::new();
    let first_day = start.with_timezone(&tz).date_naive();
    let last_day = (end - TimeDelta::nanoseconds(1))
        .with_timezone(&tz)
        .date_naive();
    let mut d = first_day;
    while d <= last_day {
        days.insert(d, Acc::default());
        d = d + Days::new(1);
    }
    // UTC hour → its minutes inside the period.
    let mut hours: BTreeMap<drop_format::UtcInstant, f64> = BTreeMap::new();
    let mut operating_s = 0.0;
    // Every row whose hour overlaps the period, weighted by its part inside it: the hour a
    // Kolkata or Lord Howe day starts in (hh:30Z) carries that day's first half hour.
    for h in &input.hourly {
        let Some((from, to)) = h.part_in(&input.period) else {
            continue;
        };
        let minutes = (to - from).num_seconds() as f64 / 60.0;
        let day = days
            .entry(from.with_timezone(&tz).date_naive())
            .or_default();
        for acc in [&mut total, day] {
            acc.cycles += h.cycles;
            acc.riders += h.riders;
            acc.weighted += h.availability * minutes;
            acc.minutes += minutes;
        }
        hours.insert(h.hour_start, minutes);
        operating_s += h.availability * minutes * 60.0;
    }
    let (completeness, per_day) = crate::completeness::completeness(input, tz);

    // Central sends every occurrence active in the period with its time inside the period
    // (docs/job-contracts.md): no filtering by raisedAt and no re-derived durations here, so
    // an alarm raised before the period and cleared inside it counts like any other.
    let (mut failures, mut warnings, mut repair_s) = (0u64, 0u64, 0.0);
    let mut by_code: BTreeMap<&str, TopAlarm> = BTreeMap::new();
    let mut alarms: Vec<_> = input.alarms.iter().collect();
    alarms.sort_by(|a, b| (a.raised_at, &a.code).cmp(&(b.raised_at, &b.code)));
    let rank = |s: &str| SEVERITIES.iter().position(|x| *x == s);
    for a in alarms {
        let e = by_code.entry(&a.code).or_insert_with(|| TopAlarm {
            code: a.code.clone(),
            text: a.text.clone(),
            severity: a.severity.clone(),
            count: 0,
            active_s: 0.0,
            downtime_s: 0.0,
        });
        e.count += 1;
        e.active_s += a.duration_s;
        if rank(&a.severity) > rank(&e.severity) {
            e.severity = a.severity.clone();
        }
        if a.is_downtime() {
            e.downtime_s += a.duration_s;
            failures += 1;
            repair_s += a.duration_s;
        } else {
            warnings += 1;
        }
    }
    let mut all: Vec<TopAlarm> = by_code.into_values().collect();
    for a in &mut all {
        a.active_s = round6(a.active_s);
        a.downtime_s = round6(a.downtime_s);
    }
    let mut top = all.clone();
    top.sort_by(|a, b| {
        b.count
            .cmp(&a.count)
            .then(b.downtime_s.total_cmp(&a.downtime_s))
            .then(b.active_s.total_cmp(&a.active_s))
            .then_with(|| a.code.cmp(&b.code))
    });
    top.truncate(TOP_ALARMS);
    let mut by_downtime: Vec<TopAlarm> = all.into_iter().filter(|a| a.downtime_s > 0.0).collect();
    by_downtime.sort_by(|a, b| {
        b.downtime_s
            .total_cmp(&a.downtime_s)
            .then(b.count.cmp(&a.count))
            .then_with(|| a.code.cmp(&b.code))
    });
    by_downtime.truncate(TOP_ALARMS);
    let channel_health = channel_health(input, first_day, last_day);
    let mut anomalies: Vec<Anomaly> = input
        .anomalies
        .iter()
        .filter(|a| input.ride.as_ref().is_none_or(|r| r.id == a.ride))
        .filter(|a| a.first.0 >= start && a.first.0 < end && a.count > 0)
        .map(|a| Anomaly {
            ride: a.ride.clone(),
            kind: a.kind.clone(),
            channel: a.channel.clone(),
            count: a.count,
            first: a.first,
            worst: a.worst.map(round6),
            limit: a.limit.map(round6),
        })
        .collect();
    anomalies.sort_by(|a, b| {
        (&a.ride, &a.kind, &a.channel, a.first).cmp(&(&b.ride, &b.kind, &b.channel, b.first))
    });
    let per_failure = |x: f64| (failures > 0).then(|| round6(x / failures as f64));

    let mut summary = Summary {
        format: SUMMARY_FORMAT,
        cycles: total.cycles,
        riders: total.riders,
        availability: total.availability(),
        hours_with_data: round6(hours.values().sum::<f64>() / 60.0),
        top_alarms: top,
        top_alarms_by_downtime: by_downtime,
        days: days
            .into_iter()
            .map(|(date, acc)| {
                let day = per_day.get(&date);
                Day {
                    date: date.format("%Y-%m-%d").to_string(),
                    cycles: acc.cycles,
                    riders: acc.riders,
                    availability: acc.availability(),
                    completeness: day.and_then(|d| d.ratio()),
                    closed: day.is_some_and(|d| d.closed),
                }
            })
            .collect(),
        failures,
        warnings,
        operating_s: round6(operating_s),
        mtbf_s: per_failure(operating_s),
        mttr_s: per_failure(repair_s),
        completeness,
        channel_health,
        anomalies,
        narrative: String::new(),
    };
    summary.narrative = crate::narrative::narrative(input, &summary);
    summary
}

fn channel_health(input: &ReportInput, first: NaiveDate, last: NaiveDate) -> Vec<ChannelHealth> {
    let (first, last) = (
        first.format("%Y-%m-%d").to_string(),
        last.format("%Y-%m-%d").to_string(),
    );
    let mut out: Vec<ChannelHealth> = input
        .channels
        .iter()
        .filter(|c| input.ride.as_ref().is_none_or(|r| r.id == c.ride))
        .filter_map(|c| {
            let mut days: Vec<ChannelHealthDay> = c
                .days
                .iter()
                .filter(|d| d.date >= first && d.date <= last)
                .map(|d| ChannelHealthDay {
                    date: d.date.clone(),
                    cycles: d.cycles,
                    p95_peak: round6(d.p95_peak),
                })
                .collect();
            if days.is_empty() {
                return None;
            }
            days.sort_by(|a, b| a.date.cmp(&b.date));
            let limit = c.threshold.and_then(|t| t.max);
            let days_above = days
                .iter()
                .filter(|d| limit.is_some_and(|l| d.p95_peak > l))
                .count() as u64;
            Some(ChannelHealth {
                ride: c.ride.clone(),
                channel: c.channel.clone(),
                unit: c.unit.clone(),
                limit,
                max_p95_peak: days.iter().map(|d| d.p95_peak).fold(f64::MIN, f64::max),
                days,
                days_above,
                flagged: days_above > 0,
            })
        })
        .collect();
    out.sort_by(|a, b| (&a.ride, &a.channel).cmp(&(&b.ride, &b.channel)));
    out
}

pub(crate) fn round6(x: f64) -> f64 {
    if x == 0.0 || !x.is_finite() {
        return 0.0;
    }
    format!("{x:.5e}").parse().unwrap_or(x)
}
