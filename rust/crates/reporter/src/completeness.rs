//! Data completeness: ride-hours with data against ride-hours of opening (or, for inputs
//! without opening hours, against each ride's and day's span of hours with data).

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use chrono_tz::Tz;

use crate::input::ReportInput;
use crate::summary::{round6, Completeness, CompletenessBasis};

/// One park-local day's ride-hours.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct DayCompleteness {
    pub with: f64,
    pub expected: f64,
    pub closed: bool,
}

impl DayCompleteness {
    /// `with / expected`, `None` when nothing was expected.
    pub fn ratio(&self) -> Option<f64> {
        (self.expected > 0.0).then(|| round6(self.with / self.expected))
    }
}

fn hours_between(a: DateTime<Utc>, b: DateTime<Utc>) -> f64 {
    (b - a).num_seconds().max(0) as f64 / 3600.0
}

/// The period's completeness and each park-local day's.
pub(crate) fn completeness(
    input: &ReportInput,
    tz: Tz,
) -> (Completeness, BTreeMap<NaiveDate, DayCompleteness>) {
    let (start, end) = (input.period.start.0, input.period.end.0);
    let in_period = input
        .hourly
        .iter()
        .filter(|h| h.hour_start.0 >= start && h.hour_start.0 < end);
    let mut days: BTreeMap<NaiveDate, DayCompleteness> = BTreeMap::new();
    let Some(oh) = &input.opening_hours else {
        // Per (ride, local day): the UTC hours with data; expected is the first to the last.
        let mut spans: BTreeMap<(&str, NaiveDate), BTreeSet<i64>> = BTreeMap::new();
        for h in in_period {
            spans
                .entry((
                    h.ride.as_str(),
                    h.hour_start.0.with_timezone(&tz).date_naive(),
                ))
                .or_default()
                .insert(h.hour_start.0.timestamp() / 3600);
        }
        for ((_, date), hours) in &spans {
            if let (Some(first), Some(last)) = (hours.first(), hours.last()) {
                let d = days.entry(*date).or_default();
                d.with += hours.len() as f64;
                d.expected += (last - first + 1) as f64;
            }
        }
        return (total(CompletenessBasis::DataSpan, &days, None), days);
    };

    // A ride report counts its ride only, whatever the list says.
    let rides: BTreeSet<&str> = oh
        .rides
        .iter()
        .map(String::as_str)
        .filter(|r| input.ride.as_ref().is_none_or(|x| x.id == *r))
        .collect();
    // Opening windows clipped to the period, with their day.
    let mut windows: Vec<(NaiveDate, DateTime<Utc>, DateTime<Utc>)> = Vec::new();
    for d in &oh.days {
        let Ok(date) = NaiveDate::parse_from_str(&d.date, "%Y-%m-%d") else {
            continue;
        };
        let day = days.entry(date).or_default();
        match (d.open, d.close) {
            (Some(o), Some(c)) => {
                let (o, c) = (o.0.max(start), c.0.min(end));
                if o < c {
                    day.expected += hours_between(o, c) * rides.len() as f64;
                    windows.push((date, o, c));
                }
            }
            _ => day.closed = true,
        }
    }
    let mut outside = 0.0;
    for h in in_period.filter(|h| rides.contains(h.ride.as_str())) {
        let (a, b) = (
            h.hour_start.0,
            (h.hour_start.0 + TimeDelta::hours(1)).min(end),
        );
        let mut inside = 0.0;
        for (date, o, c) in &windows {
            let overlap = hours_between(a.max(*o), b.min(*c));
            if overlap > 0.0 {
                inside += overlap;
                days.entry(*date).or_default().with += overlap;
            }
        }
        outside += hours_between(a, b) - inside;
    }
    (
        total(
            CompletenessBasis::OpeningHours,
            &days,
            Some(round6(outside)),
        ),
        days,
    )
}

fn total(
    basis: CompletenessBasis,
    days: &BTreeMap<NaiveDate, DayCompleteness>,
    outside: Option<f64>,
) -> Completeness {
    let with: f64 = days.values().map(|d| d.with).sum();
    let expected: f64 = days.values().map(|d| d.expected).sum();
    Completeness {
        basis,
        ride_hours_with_data: round6(with),
        ride_hours_expected: round6(expected),
        ride_hours_outside_opening: outside,
        ratio: (expected > 0.0).then(|| round6(with / expected)),
    }
}
