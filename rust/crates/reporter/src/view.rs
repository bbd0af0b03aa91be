//! What a report shows, as text, so the PDF and the HTML cannot disagree.

use chrono::TimeDelta;
use chrono_tz::Tz;

use crate::input::ReportInput;
use crate::labels::{duration, Labels};
use crate::summary::{Summary, TopAlarm};

fn alarm_row(a: &TopAlarm) -> [String; 4] {
    [
        a.code.clone(),
        a.text.clone(),
        a.count.to_string(),
        duration(a.downtime_s),
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
    /// Per-day rows: date, cycles, riders, availability.
    pub days: Vec<[String; 4]>,
    /// (date, cycles) for the bar chart.
    pub chart: Vec<(String, u64)>,
    /// Top alarm rows by count: code, text, count, downtime.
    pub alarms: Vec<[String; 4]>,
    /// Top alarm rows by downtime, same columns.
    pub alarms_by_downtime: Vec<[String; 4]>,
    /// The plain-language paragraph.
    pub narrative: String,
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
        Self {
            lang,
            headline,
            labels,
            title,
            meta,
            totals: vec![
                (labels.cycles, summary.cycles.to_string()),
                (labels.riders, summary.riders.to_string()),
                (labels.availability, labels.percent(summary.availability)),
                (labels.hours_with_data, summary.hours_with_data.to_string()),
                (labels.failures, summary.failures.to_string()),
                (
                    labels.mtbf,
                    summary.mtbf_s.map_or("\u{2013}".into(), duration),
                ),
                (
                    labels.mttr,
                    summary.mttr_s.map_or("\u{2013}".into(), duration),
                ),
                (
                    labels.completeness,
                    format!(
                        "{} / {} h ({})",
                        summary.completeness.ride_hours_with_data,
                        summary.completeness.ride_hours_expected,
                        labels.percent(summary.completeness.ratio)
                    ),
                ),
            ],
            days: summary
                .days
                .iter()
                .map(|d| {
                    [
                        d.date.clone(),
                        d.cycles.to_string(),
                        d.riders.to_string(),
                        labels.percent(d.availability),
                    ]
                })
                .collect(),
            chart: summary
                .days
                .iter()
                .map(|d| (d.date.clone(), d.cycles))
                .collect(),
            alarms: summary.top_alarms.iter().map(alarm_row).collect(),
            alarms_by_downtime: summary
                .top_alarms_by_downtime
                .iter()
                .map(alarm_row)
                .collect(),
            narrative: summary.narrative.clone(),
        }
    }
}
