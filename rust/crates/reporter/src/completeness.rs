//! Data completeness: ride-hours with data against ride-hours of opening (or, for inputs
//! without opening hours, against each ride's and day's span of hours with data).

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, NaiveDate, Utc};
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
    let mut days: BTreeMap<NaiveDate, DayCompleteness> = BTreeMap::new();
    let Some(oh) = &input.opening_hours else {
        // Per (ride, local day): the UTC hours with data, each as its part inside the period
        // (the hour a Kolkata or Lord Howe day starts in counts half), in the day that part
        // starts in; expected is from the first one's start to the last one's end.
        type Parts = BTreeMap<DateTime<Utc>, (DateTime<Utc>, DateTime<Utc>)>;
        let mut spans: BTreeMap<(&str, NaiveDate), Parts> = BTreeMap::new();
        for h in &input.hourly {
            if let Some((from, to)) = h.part_in(&input.period) {
                spans
                    .entry((h.ride.as_str(), from.with_timezone(&tz).date_naive()))
                    .or_default()
                    .insert(h.hour_start.0, (from, to));
            }
        }
        for ((_, date), hours) in &spans {
            if let (Some((_, first)), Some((_, last))) =
                (hours.first_key_value(), hours.last_key_value())
            {
                let d = days.entry(*date).or_default();
                d.with += hours
                    .values()
                    .map(|(a, b)| hours_between(*a, *b))
                    .sum::<f64>();
                d.expected += hours_between(first.0, last.1);
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
            // Open equal to close: hours that fell wholly into a DST gap (rule R6), no opening.
            (Some(o), Some(c)) if o < c => {
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
    // Every row whose hour overlaps the period, clipped to it: where the offset has half hours
    // (Lord Howe, India) a day starts in the middle of a UTC hour, and that hour's data covers
    // the day's first half hour too.
    let overlapping = input
        .hourly
        .iter()
        .filter(|h| rides.contains(h.ride.as_str()))
        .filter_map(|h| h.part_in(&input.period));
    for (a, b) in overlapping {
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

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeDelta, TimeZone};
    use serde_json::json;

    /// A small deterministic generator (no extra dev-dependency for one test).
    struct Lcg(u64);
    impl Lcg {
        fn next(&mut self, n: u64) -> u64 {
            self.0 = self
                .0
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (self.0 >> 33) % n
        }
    }

    /// The first instant of a park-local date, found by scanning minutes (independent of any
    /// wall-time resolution): 01:00 where midnight is skipped.
    fn first_instant_of(tz: Tz, date: NaiveDate) -> DateTime<Utc> {
        let mut t =
            Utc.from_utc_datetime(&date.and_hms_opt(0, 0, 0).unwrap()) - TimeDelta::hours(15);
        while t.with_timezone(&tz).date_naive() < date {
            t += TimeDelta::minutes(1);
        }
        t
    }

    /// Random rides, rows and opening windows (closed days and zero-length openings too) over
    /// DST changes in several zones (Rome, Lord Howe's half-hour changes, Santiago's skipped
    /// midnight), against a minute-by-minute count: expected = ride-minutes inside opening,
    /// with = those of them whose (ride, UTC hour) has a row, outside = row minutes not inside.
    #[test]
    fn matches_a_minute_by_minute_count_on_random_inputs() {
        let cases = [
            ("Europe/Rome", "2026-03-28", "2026-04-01"),
            ("Europe/Rome", "2026-10-24", "2026-10-26"),
            ("Australia/Lord_Howe", "2026-04-04", "2026-04-06"),
            ("Australia/Lord_Howe", "2026-10-03", "2026-10-05"),
            ("America/Santiago", "2026-09-05", "2026-09-07"),
        ];
        let all = ["a", "b", "c"];
        for (zone, first, last) in cases {
            let tz: Tz = zone.parse().unwrap();
            let first = NaiveDate::parse_from_str(first, "%Y-%m-%d").unwrap();
            let last = NaiveDate::parse_from_str(last, "%Y-%m-%d").unwrap();
            let start = first_instant_of(tz, first);
            let end = first_instant_of(tz, last.succ_opt().unwrap());
            let f = |x: DateTime<Utc>| x.format("%Y-%m-%dT%H:%M:%SZ").to_string();
            for seed in 0..40u64 {
                let mut g = Lcg(seed);
                let rides: Vec<&str> = all.iter().copied().filter(|_| g.next(4) > 0).collect();
                let mut hourly = Vec::new();
                let mut rows = BTreeSet::new();
                // One hour either side of the period, which must not count; UTC hours, so in
                // Lord Howe the period starts and ends in the middle of one.
                let mut t = Utc
                    .timestamp_opt(start.timestamp() / 3600 * 3600, 0)
                    .unwrap()
                    - TimeDelta::hours(1);
                while t <= end {
                    for r in all {
                        if g.next(3) > 0 {
                            rows.insert((r, t));
                            hourly.push(json!({ "ride": r, "hourStart": f(t),
                                "localHour": "", "cycles": 1, "riders": 1, "completed": 1, "aborted": 0,
                                "estop": 0, "autoMinutes": 1.0, "faultMinutes": 0.0, "availability": 1.0 }));
                        }
                    }
                    t += TimeDelta::hours(1);
                }
                let mut days = Vec::new();
                let mut windows = Vec::new();
                let mut closed = BTreeSet::new();
                let mut day = first;
                while day <= last {
                    let midnight = first_instant_of(tz, day);
                    if g.next(5) == 0 {
                        days.push(json!({ "date": day.to_string(), "open": null, "close": null }));
                        closed.insert(day);
                    } else {
                        let open = midnight + TimeDelta::minutes(g.next(1200) as i64);
                        // Sometimes zero-length (hours that fell into a DST gap); never past
                        // the day's end, like central's 24:00.
                        let length = if g.next(3) == 0 {
                            0
                        } else {
                            g.next(601) as i64
                        };
                        let close = (open + TimeDelta::minutes(length))
                            .min(first_instant_of(tz, day.succ_opt().unwrap()));
                        if open == close {
                            closed.insert(day);
                        }
                        windows.push((open, close));
                        days.push(
                            json!({ "date": day.to_string(), "open": f(open), "close": f(close) }),
                        );
                    }
                    day = day.succ_opt().unwrap();
                }
                let input: ReportInput = serde_json::from_value(json!({
                    "format": "zamperla.report-input/v1", "language": "en",
                    "park": { "id": "p", "name": "P", "timezone": zone }, "ride": null,
                    "period": { "start": f(start), "end": f(end) },
                    "hourly": hourly, "alarms": [],
                    "openingHours": { "rides": rides, "days": days },
                }))
                .unwrap();

                let (mut expected, mut with, mut outside) = (0u64, 0u64, 0u64);
                let mut m = start;
                while m < end {
                    let hour = m - TimeDelta::minutes(m.timestamp() % 3600 / 60);
                    let open = windows.iter().any(|(o, c)| *o <= m && m < *c);
                    for r in &rides {
                        let has = rows.contains(&(*r, hour));
                        expected += u64::from(open);
                        with += u64::from(open && has);
                        outside += u64::from(!open && has);
                    }
                    m += TimeDelta::minutes(1);
                }
                let (c, per_day) = completeness(&input, tz);
                let at = format!("{zone} seed {seed}");
                let close = |a: f64, b: u64| (a - b as f64 / 60.0).abs() < 0.01;
                assert!(
                    close(c.ride_hours_expected, expected),
                    "{at}: {c:?} vs {expected} min"
                );
                assert!(
                    close(c.ride_hours_with_data, with),
                    "{at}: {c:?} vs {with} min"
                );
                assert!(
                    close(c.ride_hours_outside_opening.unwrap(), outside),
                    "{at}: {c:?} vs {outside} min"
                );
                assert!(c.ratio.is_none_or(|r| (0.0..=1.0).contains(&r)));
                let days_with: f64 = per_day.values().map(|d| d.with).sum();
                assert!(close(days_with, with), "{at}: days add up");
                let closed_days: BTreeSet<NaiveDate> = per_day
                    .iter()
                    .filter(|(_, d)| d.closed)
                    .map(|(k, _)| *k)
                    .collect();
                assert_eq!(closed_days, closed, "{at}: closed days");
            }
        }
    }
}
