//! Time arithmetic on implicit sample times (`start + i / rateHz`) and number rounding.

use chrono::{DateTime, Duration, DurationRound, TimeDelta, Utc};

/// A channel's sample clock: sample `i` was taken at `start + i / rate_hz`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Clock {
    pub start: DateTime<Utc>,
    pub rate_hz: f64,
}

impl Clock {
    /// The time of sample `i`, to the nanosecond.
    pub fn time_of(&self, i: usize) -> DateTime<Utc> {
        let ns = (i as f64 * 1e9 / self.rate_hz).round() as i64;
        self.start + Duration::nanoseconds(ns)
    }

    /// The index of the first sample at or after `t` (0 when `t` is before the start). Not
    /// clamped to the sample count, which a stream only knows at its end.
    pub fn index_at(&self, t: DateTime<Utc>) -> usize {
        let delta_ns = (t - self.start).num_nanoseconds().unwrap_or(i64::MAX);
        let x = delta_ns as f64 * self.rate_hz / 1e9;
        // A sample exactly on `t` belongs at or after it despite float noise in the product.
        let i = (x - 1e-6).ceil();
        if i <= 0.0 {
            0
        } else {
            i as usize
        }
    }

    /// Index range of the samples whose time lies in `[from, to)`.
    pub fn range(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> std::ops::Range<usize> {
        let a = self.index_at(from);
        let b = self.index_at(to).max(a);
        a..b
    }
}

/// Rounds to 6 significant digits, so results do not carry float noise and stay stable.
pub(crate) fn round6(x: f64) -> f64 {
    if x == 0.0 || !x.is_finite() {
        return if x == 0.0 { 0.0 } else { x };
    }
    format!("{x:.5e}").parse().unwrap_or(x)
}

/// Seconds between two instants, rounded.
pub(crate) fn seconds(from: DateTime<Utc>, to: DateTime<Utc>) -> f64 {
    round6((to - from).num_nanoseconds().unwrap_or(i64::MAX) as f64 / 1e9)
}

/// The UTC hour slot an instant falls in.
pub(crate) fn hour_of(t: DateTime<Utc>) -> DateTime<Utc> {
    t.duration_trunc(TimeDelta::hours(1)).unwrap_or(t)
}

/// A half-open time interval.
pub(crate) type Interval = (DateTime<Utc>, DateTime<Utc>);

/// Sorts and merges overlapping intervals, dropping empty ones.
pub(crate) fn merge(mut v: Vec<Interval>) -> Vec<Interval> {
    v.retain(|(a, b)| a < b);
    v.sort_unstable();
    let mut out: Vec<Interval> = Vec::with_capacity(v.len());
    for (a, b) in v {
        match out.last_mut() {
            Some(last) if a <= last.1 => last.1 = last.1.max(b),
            _ => out.push((a, b)),
        }
    }
    out
}

/// Seconds of merged intervals that fall inside `[from, to)`.
pub(crate) fn covered_seconds(merged: &[Interval], from: DateTime<Utc>, to: DateTime<Utc>) -> f64 {
    merged
        .iter()
        .map(|&(a, b)| (a.max(from), b.min(to)))
        .filter(|(a, b)| a < b)
        .map(|(a, b)| {
            let ns = (b - a).num_nanoseconds().unwrap_or(0) as f64;
            ns / 1e9
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rounds_to_six_significant_digits() {
        assert_eq!(round6(310.123456789), 310.123);
        assert_eq!(round6(0.000123456789), 0.000123457);
        assert_eq!(round6(-2.5), -2.5);
        assert_eq!(round6(-0.0), 0.0);
    }

    #[test]
    fn merges_overlapping_intervals() {
        let t = |s: i64| DateTime::from_timestamp(s, 0).unwrap();
        let m = merge(vec![(t(5), t(8)), (t(0), t(3)), (t(2), t(4)), (t(9), t(9))]);
        assert_eq!(m, vec![(t(0), t(4)), (t(5), t(8))]);
        assert_eq!(covered_seconds(&m, t(3), t(6)), 2.0);
    }
}
