//! Hourly aggregates: UTC hour slots, labelled in park-local time.

use std::collections::BTreeMap;

use chrono::{DateTime, TimeDelta, Utc};
use chrono_tz::Tz;
use drop_format::{format_utc_instant, Cycle, CycleMode, CycleOutcome};

use crate::channel::ChannelResult;
use crate::output::HourOut;
use crate::series::{covered_seconds, hour_of, merge, round6, Interval};

/// One row per UTC hour slot of the window and no other: `cycles` only holds cycles that
/// started in the window, so the hourly counts add up to them. Slots are UTC, so a DST
/// change only changes the labels: 02:00 local simply does not appear on a spring-forward
/// day.
pub(crate) fn hourly(
    cycles: &[&Cycle],
    downtime: Vec<Interval>,
    channels: &[ChannelResult],
    window: Interval,
    tz: Tz,
) -> Vec<HourOut> {
    let hour = TimeDelta::hours(1);
    let mut slots: BTreeMap<DateTime<Utc>, HourOut> = BTreeMap::new();
    let mut h = hour_of(window.0);
    while h < window.1 {
        slots.insert(h, empty(h, tz));
        h += hour;
    }
    for c in cycles {
        // Counted cycles start in the window, so their slot is always there.
        let Some(row) = slots.get_mut(&hour_of(c.start.0)) else {
            continue;
        };
        row.cycles += 1;
        row.riders += c.riders;
        match c.outcome {
            CycleOutcome::Completed => row.completed += 1,
            CycleOutcome::Aborted => row.aborted += 1,
            CycleOutcome::Estop => row.estop += 1,
        }
    }

    let auto = merge(
        cycles
            .iter()
            .filter(|c| c.mode == CycleMode::Auto)
            .map(|c| (c.start.0, c.end.0))
            .collect(),
    );
    let faults = merge(downtime);
    for (&h, row) in &mut slots {
        // Only the part of the slot inside the window counts: the drop says nothing about
        // the rest, and the neighbouring drop will.
        let (from, to) = (h.max(window.0), (h + hour).min(window.1));
        if from >= to {
            continue;
        }
        let inside = (to - from).num_milliseconds() as f64 / 60_000.0;
        let auto_min = covered_seconds(&auto, from, to) / 60.0;
        let fault_min = covered_seconds(&faults, from, to) / 60.0;
        row.auto_minutes = round6(auto_min);
        row.fault_minutes = round6(fault_min);
        row.availability = round6((1.0 - fault_min / inside).clamp(0.0, 1.0));
    }
    for r in channels {
        for (h, stats) in &r.hours {
            if let Some(row) = slots.get_mut(h) {
                row.channels.insert(r.channel.clone(), *stats);
            }
        }
    }
    slots.into_values().collect()
}

fn empty(h: DateTime<Utc>, tz: Tz) -> HourOut {
    HourOut {
        hour_start: format_utc_instant(h),
        local_hour: h
            .with_timezone(&tz)
            .format("%Y-%m-%dT%H:%M:%S%:z")
            .to_string(),
        cycles: 0,
        riders: 0,
        completed: 0,
        aborted: 0,
        estop: 0,
        auto_minutes: 0.0,
        fault_minutes: 0.0,
        availability: 1.0,
        channels: BTreeMap::new(),
    }
}
