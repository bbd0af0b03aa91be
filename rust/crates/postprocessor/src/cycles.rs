//! Per-cycle channel features and threshold breaches.

use std::collections::BTreeSet;

use drop_format::{format_utc_instant, Cycle, RideModel, Threshold};

use crate::output::{BreachKind, BreachOut, ChannelFeatures, CycleOut};
use crate::series::{merge, round6, seconds, Interval, Series};

/// Keeps the first cycle of each id in file order; returns the kept cycles sorted by start
/// and the repeated ones (for the `duplicate_cycle` finding).
pub(crate) fn dedupe(cycles: &[Cycle]) -> (Vec<&Cycle>, Vec<&Cycle>) {
    let mut seen = BTreeSet::new();
    let (mut kept, mut repeated) = (Vec::new(), Vec::new());
    for c in cycles {
        if seen.insert(c.id.as_str()) {
            kept.push(c);
        } else {
            repeated.push(c);
        }
    }
    kept.sort_by(|a, b| (a.start, a.end, &a.id).cmp(&(b.start, b.end, &b.id)));
    (kept, repeated)
}

/// Features of every channel over each cycle.
pub(crate) fn cycle_features(cycles: &[&Cycle], series: &[Series<'_>]) -> Vec<CycleOut> {
    cycles
        .iter()
        .map(|c| {
            let channels = series
                .iter()
                .filter_map(|s| {
                    let f = features(s, s.range(c.start.0, c.end.0))?;
                    Some((s.file.channel.clone(), f))
                })
                .collect();
            CycleOut {
                id: c.id.clone(),
                start: format_utc_instant(c.start.0),
                end: format_utc_instant(c.end.0),
                mode: c.mode,
                outcome: c.outcome,
                riders: c.riders,
                duration_s: seconds(c.start.0, c.end.0),
                channels,
            }
        })
        .collect()
}

fn features(s: &Series<'_>, range: std::ops::Range<usize>) -> Option<ChannelFeatures> {
    let (mut peak, mut sum, mut sum_sq, mut n) = (f64::NEG_INFINITY, 0.0, 0.0, 0u64);
    for v in s.file.values[range].iter().flatten() {
        peak = peak.max(*v);
        sum += v;
        sum_sq += v * v;
        n += 1;
    }
    if n == 0 {
        return None;
    }
    let nf = n as f64;
    Some(ChannelFeatures {
        peak: round6(peak),
        mean: round6(sum / nf),
        rms: round6((sum_sq / nf).sqrt()),
        samples: n,
    })
}

/// The worst breach per channel per cycle, plus one per channel for the idle time
/// (samples inside the window but outside every cycle).
pub(crate) fn breaches(
    cycles: &[&Cycle],
    series: &[Series<'_>],
    model: &RideModel,
    window: Interval,
) -> Vec<BreachOut> {
    let mut out = Vec::new();
    for s in series {
        let Some(threshold) = model.channel(&s.file.channel).map(|c| c.threshold) else {
            continue;
        };
        for c in cycles {
            if let Some(b) = worst(s, s.range(c.start.0, c.end.0), threshold) {
                out.push(b.into_breach(s, Some(c.id.clone())));
            }
        }
        let busy = merge(cycles.iter().map(|c| (c.start.0, c.end.0)).collect());
        let mut idle_worst: Option<Worst> = None;
        let mut from = window.0;
        for &(a, b) in busy.iter().chain(std::iter::once(&(window.1, window.1))) {
            if a > from {
                let to = a.min(window.1);
                if let Some(w) = worst(s, s.range(from, to), threshold) {
                    if idle_worst.as_ref().is_none_or(|iw| w.excess > iw.excess) {
                        idle_worst = Some(w);
                    }
                }
            }
            from = from.max(b);
            if from >= window.1 {
                break;
            }
        }
        if let Some(w) = idle_worst {
            out.push(w.into_breach(s, None));
        }
    }
    out.sort_by(|a, b| (&a.at, &a.channel, &a.cycle_id).cmp(&(&b.at, &b.channel, &b.cycle_id)));
    out
}

struct Worst {
    index: usize,
    value: f64,
    limit: f64,
    kind: BreachKind,
    excess: f64,
}

impl Worst {
    fn into_breach(self, s: &Series<'_>, cycle_id: Option<String>) -> BreachOut {
        BreachOut {
            channel: s.file.channel.clone(),
            cycle_id,
            at: format_utc_instant(s.time_of(self.index)),
            value: round6(self.value),
            limit: round6(self.limit),
            kind: self.kind,
        }
    }
}

/// The sample furthest beyond a limit; the earliest wins a tie.
fn worst(s: &Series<'_>, range: std::ops::Range<usize>, t: Threshold) -> Option<Worst> {
    let mut best: Option<Worst> = None;
    let start = range.start;
    for (offset, v) in s.file.values[range].iter().enumerate() {
        let Some(v) = *v else { continue };
        let candidate = match (t.max, t.min) {
            (Some(max), _) if v > max => Some((max, BreachKind::Max, v - max)),
            (_, Some(min)) if v < min => Some((min, BreachKind::Min, min - v)),
            _ => None,
        };
        if let Some((limit, kind, excess)) = candidate {
            if best.as_ref().is_none_or(|b| excess > b.excess) {
                best = Some(Worst {
                    index: start + offset,
                    value: v,
                    limit,
                    kind,
                    excess,
                });
            }
        }
    }
    best
}
