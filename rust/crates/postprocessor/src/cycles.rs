//! Cycles: which ones count, and their rows with the channels' features and breaches.

use std::collections::BTreeSet;

use drop_format::{format_utc_instant, Cycle};

use crate::channel::ChannelResult;
use crate::output::{BreachOut, CycleOut};
use crate::series::{seconds, Interval};

/// A drop's cycles sorted out: only `counted` enter any figure.
pub(crate) struct SortedCycles<'a> {
    /// Cycles that started in the window, first of each id in file order, sorted by start.
    pub counted: Vec<&'a Cycle>,
    /// Later copies of a counted cycle's id (`duplicate_cycle`).
    pub repeated: Vec<&'a Cycle>,
    /// Cycles that did not start in `[window.start, window.end)` (`cycle_outside_window`).
    pub outside: Vec<&'a Cycle>,
}

/// A drop holds the cycles that started in its window (docs/drop-format.md); a cycle
/// starting elsewhere belongs to another window's drop, or carries a wrong PLC clock, so
/// counting it here would add it twice or create an hour no window covers. Of an id repeated
/// inside the drop, the first in file order counts.
pub(crate) fn sort_out(cycles: &[Cycle], (from, to): Interval) -> SortedCycles<'_> {
    let mut seen = BTreeSet::new();
    let mut sorted = SortedCycles {
        counted: Vec::new(),
        repeated: Vec::new(),
        outside: Vec::new(),
    };
    for c in cycles {
        if c.start.0 < from || c.start.0 >= to {
            sorted.outside.push(c);
        } else if seen.insert(c.id.as_str()) {
            sorted.counted.push(c);
        } else {
            sorted.repeated.push(c);
        }
    }
    sorted
        .counted
        .sort_by(|a, b| (a.start, a.end, &a.id).cmp(&(b.start, b.end, &b.id)));
    sorted
}

/// Each counted cycle with the features every channel measured in it.
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
