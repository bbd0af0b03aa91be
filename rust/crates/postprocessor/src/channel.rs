//! One telemetry channel, analysed sample by sample as the drop is read: per-cycle
//! features and breaches, the idle breach, hourly percentiles, gaps and samples outside the
//! window. Memory holds the cycles' accumulators and the samples of one hour (for exact
//! nearest-rank percentiles), never the whole channel.

use chrono::{DateTime, Utc};
use drop_format::{format_utc_instant, Threshold};

use crate::output::{
    BreachKind, BreachOut, ChannelFeatures, ChannelStats, QualityKind, QualityOut,
};
use crate::series::{round6, seconds, Clock, Interval};

/// What the stream needs to know about the drop, prepared once per drop.
pub(crate) struct Layout {
    pub window: Interval,
    /// Counted cycles' `[start, end)`, sorted by start, ends clipped to the window's end.
    pub cycles: Vec<Interval>,
    /// Time inside the window and outside every cycle.
    pub idle: Vec<Interval>,
    /// The hour slots' parts inside the window, in order.
    pub hours: Vec<(DateTime<Utc>, Interval)>,
}

/// What one channel contributes to the result.
pub(crate) struct ChannelResult {
    pub channel: String,
    /// Per kept cycle (same order as [`Layout::cycles`]), when it has samples.
    pub features: Vec<Option<ChannelFeatures>>,
    pub breaches: Vec<BreachOut>,
    pub hours: Vec<(DateTime<Utc>, ChannelStats)>,
    pub quality: Vec<QualityOut>,
}

#[derive(Clone)]
struct Acc {
    peak: f64,
    sum: f64,
    sum_sq: f64,
    n: u64,
    worst: Option<Worst>,
}

impl Acc {
    const EMPTY: Acc = Acc {
        peak: f64::NEG_INFINITY,
        sum: 0.0,
        sum_sq: 0.0,
        n: 0,
        worst: None,
    };

    fn features(&self) -> Option<ChannelFeatures> {
        if self.n == 0 {
            return None;
        }
        let nf = self.n as f64;
        Some(ChannelFeatures {
            peak: round6(self.peak),
            mean: round6(self.sum / nf),
            rms: round6((self.sum_sq / nf).sqrt()),
            samples: self.n,
        })
    }
}

#[derive(Clone)]
struct Worst {
    index: usize,
    value: f64,
    limit: f64,
    kind: BreachKind,
    excess: f64,
}

/// Keeps the sample furthest beyond a limit; the earliest wins a tie.
fn consider(best: &mut Option<Worst>, t: Threshold, index: usize, v: f64) {
    let candidate = match (t.max, t.min) {
        (Some(max), _) if v > max => (max, BreachKind::Max, v - max),
        (_, Some(min)) if v < min => (min, BreachKind::Min, min - v),
        _ => return,
    };
    if best.as_ref().is_none_or(|b| candidate.2 > b.excess) {
        *best = Some(Worst {
            index,
            value: v,
            limit: candidate.0,
            kind: candidate.1,
            excess: candidate.2,
        });
    }
}

/// "1 sample", "2 samples".
fn samples(n: usize) -> String {
    if n == 1 {
        "1 sample".to_owned()
    } else {
        format!("{n} samples")
    }
}

/// An integer whose order is `f64::total_cmp`'s (the transformation `total_cmp` itself
/// applies); [`from_order_key`] undoes it.
#[inline]
fn order_key(x: f64) -> i64 {
    let bits = x.to_bits() as i64;
    bits ^ (((bits >> 63) as u64) >> 1) as i64
}

/// The value of an [`order_key`] (the transformation is its own inverse).
#[inline]
fn from_order_key(k: i64) -> f64 {
    f64::from_bits((k ^ (((k >> 63) as u64) >> 1) as i64) as u64)
}

/// The streaming state of one channel.
pub(crate) struct ChannelStream {
    channel: String,
    clock: Clock,
    threshold: Option<Threshold>,
    window_start: DateTime<Utc>,
    window_idx: (usize, usize),
    /// Index of the next sample.
    i: usize,
    /// The next index at which a cycle, hour or idle span starts or ends.
    next_event: usize,

    cycle_ranges: Vec<(usize, usize)>,
    next_cycle: usize,
    active: Vec<usize>,
    accs: Vec<Acc>,

    idle_ranges: Vec<(usize, usize)>,
    idle_pos: usize,
    in_idle: bool,
    idle_worst: Option<Worst>,

    hour_ranges: Vec<(DateTime<Utc>, usize, usize)>,
    hour_pos: usize,
    in_hour: bool,
    /// The hour's non-null samples as [`order_key`]s.
    hour_samples: Vec<i64>,
    hours: Vec<(DateTime<Utc>, ChannelStats)>,

    gap_start: Option<usize>,
    quality: Vec<QualityOut>,
}

impl ChannelStream {
    pub fn new(channel: &str, clock: Clock, threshold: Option<Threshold>, layout: &Layout) -> Self {
        let idx = |&(a, b): &Interval| {
            let r = clock.range(a, b);
            (r.start, r.end)
        };
        let cycle_ranges: Vec<(usize, usize)> = layout.cycles.iter().map(idx).collect();
        let mut s = Self {
            channel: channel.to_owned(),
            clock,
            threshold,
            window_start: layout.window.0,
            window_idx: (
                clock.index_at(layout.window.0),
                clock.index_at(layout.window.1),
            ),
            i: 0,
            next_event: 0,
            accs: vec![Acc::EMPTY; cycle_ranges.len()],
            cycle_ranges,
            next_cycle: 0,
            active: Vec::new(),
            idle_ranges: layout.idle.iter().map(idx).filter(|r| r.0 < r.1).collect(),
            idle_pos: 0,
            in_idle: false,
            idle_worst: None,
            hour_ranges: layout
                .hours
                .iter()
                .map(|(h, iv)| {
                    let (a, b) = idx(iv);
                    (*h, a, b)
                })
                .filter(|r| r.1 < r.2)
                .collect(),
            hour_pos: 0,
            in_hour: false,
            hour_samples: Vec::new(),
            hours: Vec::new(),
            gap_start: None,
            quality: Vec::new(),
        };
        s.advance();
        s
    }

    /// Takes the next sample.
    #[inline]
    pub fn sample(&mut self, value: Option<f64>) {
        if self.i >= self.next_event {
            self.advance();
        }
        let i = self.i;
        match value {
            None => {
                if self.gap_start.is_none() {
                    self.gap_start = Some(i);
                }
            }
            Some(v) => {
                if let Some(start) = self.gap_start.take() {
                    self.gap(start, i);
                }
                for &c in &self.active {
                    let acc = &mut self.accs[c];
                    acc.peak = acc.peak.max(v);
                    acc.sum += v;
                    acc.sum_sq += v * v;
                    acc.n += 1;
                    if let Some(t) = self.threshold {
                        consider(&mut acc.worst, t, i, v);
                    }
                }
                if self.in_idle {
                    if let Some(t) = self.threshold {
                        consider(&mut self.idle_worst, t, i, v);
                    }
                }
                if self.in_hour {
                    self.hour_samples.push(order_key(v));
                }
            }
        }
        self.i += 1;
    }

    /// Moves the cycle, idle and hour cursors to sample `self.i` and finds the next index
    /// where one of them changes, so the per-sample path stays a few comparisons.
    fn advance(&mut self) {
        let i = self.i;
        let mut next = usize::MAX;

        while self.next_cycle < self.cycle_ranges.len() && self.cycle_ranges[self.next_cycle].0 <= i
        {
            self.active.push(self.next_cycle);
            self.next_cycle += 1;
        }
        let ranges = &self.cycle_ranges;
        self.active.retain(|&c| ranges[c].1 > i);
        for &c in &self.active {
            next = next.min(ranges[c].1);
        }
        if let Some(r) = ranges.get(self.next_cycle) {
            next = next.min(r.0);
        }

        while self
            .idle_ranges
            .get(self.idle_pos)
            .is_some_and(|r| r.1 <= i)
        {
            self.idle_pos += 1;
        }
        self.in_idle = false;
        if let Some(&(a, b)) = self.idle_ranges.get(self.idle_pos) {
            self.in_idle = a <= i;
            next = next.min(if self.in_idle { b } else { a });
        }

        while self
            .hour_ranges
            .get(self.hour_pos)
            .is_some_and(|r| r.2 <= i)
        {
            self.finish_hour();
            self.hour_pos += 1;
        }
        self.in_hour = false;
        if let Some(&(_, a, b)) = self.hour_ranges.get(self.hour_pos) {
            self.in_hour = a <= i;
            next = next.min(if self.in_hour { b } else { a });
        }
        self.next_event = next;
    }

    /// Nearest-rank percentiles of the current hour's samples; frees them. Selection
    /// instead of a full sort, on `total_cmp` keys (see [`order_key`]) so the comparisons
    /// are plain integer ones: the k-th value is the same as after sorting by `total_cmp`.
    fn finish_hour(&mut self) {
        let v = &mut self.hour_samples;
        if v.is_empty() {
            return;
        }
        let n = v.len();
        let rank = |p: f64| ((p * n as f64).ceil() as usize).clamp(1, n) - 1;
        let (i50, i95) = (rank(0.5), rank(0.95));
        let (below, p95, above) = v.select_nth_unstable(i95);
        let p95 = *p95;
        let max = above.iter().copied().fold(p95, i64::max);
        let p50 = if i50 == i95 {
            p95
        } else {
            *below.select_nth_unstable(i50).1
        };
        let (p50, p95, max) = (
            from_order_key(p50),
            from_order_key(p95),
            from_order_key(max),
        );
        let stats = ChannelStats {
            p50: round6(p50),
            p95: round6(p95),
            max: round6(max),
        };
        self.hours.push((self.hour_ranges[self.hour_pos].0, stats));
        v.clear();
    }

    /// A run of nulls `[start, end)` is a gap when at least one second of it lies inside the
    /// window (samples outside it are not used, so neither are their gaps).
    fn gap(&mut self, start: usize, end: usize) {
        let (start, end) = (start.max(self.window_idx.0), end.min(self.window_idx.1));
        if end <= start {
            return;
        }
        let secs = (end - start) as f64 / self.clock.rate_hz;
        if secs >= 1.0 {
            self.quality.push(QualityOut {
                kind: QualityKind::Gap,
                channel: Some(self.channel.clone()),
                at: format_utc_instant(self.clock.time_of(start)),
                detail: format!(
                    "{} ({} s) missing",
                    samples(end - start),
                    seconds(self.clock.time_of(start), self.clock.time_of(end))
                ),
            });
        }
    }

    fn breach(&self, w: Worst, cycle_id: Option<String>) -> BreachOut {
        BreachOut {
            channel: self.channel.clone(),
            cycle_id,
            at: format_utc_instant(self.clock.time_of(w.index)),
            value: round6(w.value),
            limit: round6(w.limit),
            kind: w.kind,
        }
    }

    /// Closes the channel; `cycle_ids` are the kept cycles' ids in layout order.
    pub fn finish(mut self, cycle_ids: &[&str]) -> ChannelResult {
        let n = self.i;
        if let Some(start) = self.gap_start.take() {
            self.gap(start, n);
        }
        if self.hour_pos < self.hour_ranges.len() {
            self.finish_hour();
        }
        let (before, after) = (self.window_idx.0.min(n), self.window_idx.1.min(n));
        let mut quality = std::mem::take(&mut self.quality);
        // Dated at the window's start like every finding about what lies outside it, so the
        // report of the drop's period sees it; the detail says when.
        let outside = |first: usize, count: usize, side: &str| QualityOut {
            kind: QualityKind::OutsideWindow,
            channel: Some(self.channel.clone()),
            at: format_utc_instant(self.window_start),
            detail: format!(
                "{} {side} the window (from {}); ignored",
                samples(count),
                format_utc_instant(self.clock.time_of(first))
            ),
        };
        if before > 0 {
            quality.push(outside(0, before, "before"));
        }
        if after < n {
            quality.push(outside(after, n - after, "after"));
        }
        let features = self.accs.iter().map(Acc::features).collect();
        let mut breaches: Vec<BreachOut> = Vec::new();
        for (acc, id) in self.accs.iter().zip(cycle_ids) {
            if let Some(w) = acc.worst.clone() {
                breaches.push(self.breach(w, Some((*id).to_owned())));
            }
        }
        if let Some(w) = self.idle_worst.clone() {
            breaches.push(self.breach(w, None));
        }
        ChannelResult {
            channel: self.channel,
            features,
            breaches,
            hours: self.hours,
            quality,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{from_order_key, order_key};

    #[test]
    fn order_keys_sort_like_total_cmp_and_round_trip() {
        let mut xs = vec![
            0.0,
            -0.0,
            1.5,
            -1.5,
            f64::MIN_POSITIVE,
            -f64::MIN_POSITIVE,
            5e-324,
            -5e-324,
            f64::MAX,
            f64::MIN,
            f64::INFINITY,
            f64::NEG_INFINITY,
            310.123,
            -0.001,
        ];
        let mut seed = 0x9e37_79b9_7f4a_7c15_u64;
        for _ in 0..2000 {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let x = f64::from_bits(seed);
            if !x.is_nan() {
                xs.push(x);
            }
        }
        for &x in &xs {
            assert_eq!(from_order_key(order_key(x)).to_bits(), x.to_bits());
        }
        let mut by_cmp = xs.clone();
        by_cmp.sort_by(f64::total_cmp);
        let mut by_key = xs;
        by_key.sort_by_key(|&x| order_key(x));
        let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
        assert_eq!(bits(&by_cmp), bits(&by_key));
    }
}
