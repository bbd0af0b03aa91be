//! Cycles: duplicates, and their rows with the channels' features and breaches.

use std::collections::BTreeSet;

use drop_format::{format_utc_instant, Cycle};

use crate::channel::ChannelResult;
use crate::output::{BreachOut, CycleOut};
use crate::series::seconds;

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

/// Each kept cycle with the features every channel measured in it.
pub(crate) fn cycle_out(cycles: &[&Cycle], channels: &[ChannelResult]) -> Vec<CycleOut> {
    cycles
        .iter()
        .enumerate()
        .map(|(k, c)| CycleOut {
            id: c.id.clone(),
            start: format_utc_instant(c.start.0),
            end: format_utc_instant(c.end.0),
            mode: c.mode,
            outcome: c.outcome,
            riders: c.riders,
            duration_s: seconds(c.start.0, c.end.0),
            channels: channels
                .iter()
                .filter_map(|r| Some((r.channel.clone(), (*r.features.get(k)?)?)))
                .collect(),
        })
        .collect()
}

/// Every channel's breaches, by time.
pub(crate) fn breaches(channels: &[ChannelResult]) -> Vec<BreachOut> {
    let mut out: Vec<BreachOut> = channels
        .iter()
        .flat_map(|r| r.breaches.iter().cloned())
        .collect();
    out.sort_by(|a, b| (&a.at, &a.channel, &a.cycle_id).cmp(&(&b.at, &b.channel, &b.cycle_id)));
    out
}
