//! What a report shows, as text, so the PDF and the HTML cannot disagree.

use chrono::TimeDelta;
use chrono_tz::Tz;

use crate::input::ReportInput;
use crate::labels::{duration, Labels};
use crate::summary::{CompletenessBasis, Summary, TopAlarm};

/// Code, text, severity, count, active time, downtime ("–" for info and warning codes:
/// they carry no downtime, so none is shown, not even zero).
fn alarm_row(l: &Labels, a: &TopAlarm) -> [String; 6] {
    let downtime = matches!(a.severity.as_str(), "fault" | "critical");
    [
        a.code.clone(),
        a.text.clone(),
        l.severity(&a.severity).to_owned(),
        a.count.to_string(),
        duration(a.active_s),
        if downtime {
            duration(a.downtime_s)
        } else {
            "\u{2013}".to_owned()
        },
    ]
}

/// A report laid out as titled sections of text, independent of the output format.
#[derive(Debug, Clone, PartialEq)]
pub struct ReportView {
    /// Language code for HTML's `lang`.
    pub lang: &'static str,
    /// The labels in the report's language.
    pub labels: &'static Labels,
    /// "Ride report — {ride}" or "Park report — {park}".
    pub title: String,
    /// (label, value) lines under the title: park, model, period, time zone.
    pub meta: Vec<(&'static str, String)>,
    /// The key figures on one line ("Cycles 1234 · Riders 30850 · Availability 97.5 %"),
    /// one text run so that extracted PDF text keeps each label next to its value.
    pub headline: String,
    /// (label, value) rows of the totals table.
    pub totals: Vec<(&'static str, String)>,
    /// Per-day rows: date, cycles, riders, availability, completeness.
    pub days: Vec<[String; 5]>,
    /// (date, cycles) for the bar chart.
    pub chart: Vec<(String, u64)>,
    /// Top alarm rows by count: code, text, severity, count, active time, downtime.
    pub alarms: Vec<[String; 6]>,
    /// Top alarm rows by downtime, same columns.
    pub alarms_by_downtime: Vec<[String; 6]>,
    /// The plain-language paragraph.
    pub narrative: String,
    /// Channel health, one group per ride.
    pub health: Vec<HealthGroup>,
    /// Anomaly rows: ride, what, channel, count, first (park-local), worst / limit.
    pub anomalies: Vec<[String; 6]>,
    /// Whether the ride column is shown (park reports).
    pub anomalies_with_ride: bool,
    /// Cycles per park-local hour for a one-day report (24 slots, 23 or 25 on DST days
    /// are folded onto the local hour), `None` for longer periods.
    pub hourly_chart: Option<Vec<(String, u64)>>,
}

/// The channel-health rows of one ride.
#[derive(Debug, Clone, PartialEq)]
pub struct HealthGroup {
    /// Heading: "Channel health – {ride}".
    pub title: String,
    /// One row per channel.
    pub rows: Vec<HealthRow>,
}

/// One channel: texts of the table and the points of its trend chart.
#[derive(Debug, Clone, PartialEq)]
pub struct HealthRow {
    /// "main_motor.current (A)".
    pub channel: String,
    /// The threshold as text, or "–".
    pub limit: String,
    /// The highest daily p95 as text.
    pub max_p95: String,
    /// "2 / 7" days above, or "ok".
    pub status: String,
    /// Whether any day was above the threshold.
    pub flagged: bool,
    /// Daily p95 per day of the period (`None` without data), for the chart.
    pub points: Vec<Option<f64>>,
    /// The threshold, drawn as a line.
    pub threshold: Option<f64>,
}

/// A measured value for people: at most 4 significant digits, the language's decimal sign.
pub(crate) fn number(l: &Labels, x: f64) -> String {
    let decimals = match x.abs() {
        a if a >= 1000.0 => 0,
        a if a >= 100.0 => 1,
        a if a >= 10.0 => 2,
        _ => 3,
    };
    let s = format!("{x:.decimals$}");
    let s = if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_owned()
    } else {
        s
    };
    s.replace('.', &l.decimal.to_string())
}

fn health(input: &ReportInput, summary: &Summary, labels: &Labels) -> Vec<HealthGroup> {
    let mut groups: Vec<HealthGroup> = Vec::new();
    let dates: Vec<&str> = summary.days.iter().map(|d| d.date.as_str()).collect();
    for c in &summary.channel_health {
        let ride_name = match &input.ride {
            Some(r) if r.id == c.ride => r.name.clone(),
            _ => c.ride.clone(),
        };
        let title = format!("{} \u{2013} {}", labels.channel_health, ride_name);
        if groups.last().is_none_or(|g| g.title != title) {
            groups.push(HealthGroup {
                title,
                rows: Vec::new(),
            });
        }
        let unit = c
            .unit
            .as_deref()
            .map(|u| format!(" ({u})"))
            .unwrap_or_default();
        let points = dates
            .iter()
            .map(|d| c.days.iter().find(|x| x.date == *d).map(|x| x.p95_peak))
            .collect();
        let row = HealthRow {
            channel: format!("{}{unit}", c.channel),
            limit: c.limit.map_or("\u{2013}".into(), |x| number(labels, x)),
            max_p95: number(labels, c.max_p95_peak),
            status: if c.flagged {
                format!("{} {} / {}", labels.above, c.days_above, c.days.len())
            } else if c.limit.is_some() {
                labels.within.to_owned()
            } else {
                "\u{2013}".to_owned()
            },
            flagged: c.flagged,
            points,
            threshold: c.limit,
        };
        if let Some(g) = groups.last_mut() {
            g.rows.push(row);
        }
    }
    groups
}

/// Cycles per park-local hour of a one-day report; DST's repeated hour adds to its label.
fn hourly_chart(input: &ReportInput, summary: &Summary, tz: Tz) -> Option<Vec<(String, u64)>> {
    if summary.days.len() != 1 {
        return None;
    }
    let mut slots = vec![0u64; 24];
    // A row counts in the park-local hour in which its part inside the period starts, so
    // the hour a Kolkata or Lord Howe day starts in (hh:30Z) is charted at 00, not dropped.
    for h in &input.hourly {
        let Some((from, _)) = h.part_in(&input.period) else {
            continue;
        };
        let local = from.with_timezone(&tz);
        if let Some(s) = slots.get_mut(chrono::Timelike::hour(&local) as usize) {
            *s += h.cycles;
        }
    }
    Some(
        slots
            .into_iter()
            .enumerate()
            .map(|(i, n)| (format!("{i:02}"), n))
            .collect(),
    )
}

impl ReportView {
    /// Builds the view of a summarized input.
    pub fn new(input: &ReportInput, summary: &Summary, tz: Tz) -> Self {
        let labels = Labels::of(input.language);
        let lang = match input.language {
            crate::input::Language::En => "en",
            crate::input::Language::It => "it",
        };
        let title = match &input.ride {
            Some(ride) => format!("{} \u{2013} {}", labels.ride_report, ride.name),
            None => format!("{} \u{2013} {}", labels.park_report, input.park.name),
        };
        let first = input.period.start.0.with_timezone(&tz).date_naive();
        let last = (input.period.end.0 - TimeDelta::nanoseconds(1))
            .with_timezone(&tz)
            .date_naive();
        let period = if first == last {
            first.to_string()
        } else {
            format!("{first} \u{2013} {last}")
        };
        let mut meta = vec![(labels.park, input.park.name.clone())];
        if let Some(ride) = &input.ride {
            meta.push((labels.model, ride.model.clone()));
        }
        meta.push((labels.period, period));
        meta.push((labels.timezone, input.park.timezone.clone()));

        let headline = format!(
            "{} {} \u{b7} {} {} \u{b7} {} {}",
            labels.cycles,
            summary.cycles,
            labels.riders,
            summary.riders,
            labels.availability,
            labels.percent(summary.availability)
        );
        let c = summary.completeness;
        let opening = c.basis == CompletenessBasis::OpeningHours;
        let completeness_label = match (opening, input.ride.is_some()) {
            (true, true) => labels.completeness_opening,
            (true, false) => labels.completeness_opening_rides,
            (false, true) => labels.completeness,
            (false, false) => labels.completeness_rides,
        };
        let mut totals = vec![
            (labels.cycles, summary.cycles.to_string()),
            (labels.riders, summary.riders.to_string()),
            (labels.availability, labels.percent(summary.availability)),
            (
                if input.ride.is_some() {
                    labels.hours_with_data
                } else {
                    labels.hours_with_data_any
                },
                number(labels, summary.hours_with_data),
            ),
            (labels.failures, summary.failures.to_string()),
            (labels.warnings, summary.warnings.to_string()),
            (
                labels.mtbf,
                summary.mtbf_s.map_or("\u{2013}".into(), duration),
            ),
            (
                labels.mttr,
                summary.mttr_s.map_or("\u{2013}".into(), duration),
            ),
            (
                completeness_label,
                format!(
                    "{} / {} h ({})",
                    number(labels, c.ride_hours_with_data),
                    number(labels, c.ride_hours_expected),
                    labels.percent(c.ratio)
                ),
            ),
        ];
        if let Some(x) = c.ride_hours_outside_opening {
            totals.push((labels.outside_opening, format!("{} h", number(labels, x))));
        }
        Self {
            lang,
            headline,
            labels,
            title,
            meta,
            totals,
            days: summary
                .days
                .iter()
                .map(|d| {
                    [
                        d.date.clone(),
                        d.cycles.to_string(),
                        d.riders.to_string(),
                        labels.percent(d.availability),
                        if d.closed {
                            labels.closed.to_owned()
                        } else {
                            labels.percent(d.completeness)
                        },
                    ]
                })
                .collect(),
            chart: summary
                .days
                .iter()
                .map(|d| (d.date.clone(), d.cycles))
                .collect(),
            alarms: summary
                .top_alarms
                .iter()
                .map(|a| alarm_row(labels, a))
                .collect(),
            alarms_by_downtime: summary
                .top_alarms_by_downtime
                .iter()
                .map(|a| alarm_row(labels, a))
                .collect(),
            narrative: summary.narrative.clone(),
            health: health(input, summary, labels),
            anomalies_with_ride: input.ride.is_none(),
            anomalies: summary
                .anomalies
                .iter()
                .map(|a| {
                    [
                        match &input.ride {
                            Some(r) if r.id == a.ride => r.name.clone(),
                            _ => a.ride.clone(),
                        },
                        labels.kind(&a.kind).to_owned(),
                        a.channel.clone().unwrap_or_else(|| "\u{2013}".into()),
                        a.count.to_string(),
                        a.first
                            .0
                            .with_timezone(&tz)
                            .format("%Y-%m-%d %H:%M")
                            .to_string(),
                        match (a.worst, a.limit) {
                            (Some(w), Some(l)) => {
                                format!("{} / {}", number(labels, w), number(labels, l))
                            }
                            (Some(w), None) => number(labels, w),
                            _ => "\u{2013}".into(),
                        },
                    ]
                })
                .collect(),
            hourly_chart: hourly_chart(input, summary, tz),
        }
    }
}
