//! Alarms: which ones count, with their texts and durations.

use std::collections::btree_map::Entry;
use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use drop_format::{format_utc_instant, Alarm, RideModel};

use crate::output::AlarmOut;
use crate::series::{seconds, Interval};

/// A drop's alarms sorted out: only `counted` enter any figure.
pub(crate) struct SortedAlarms<'a> {
    /// One per occurrence (code, raisedAt) active at some point in the window, in file order
    /// of its first copy, active for as long as any of its active copies says (`merge`).
    pub counted: Vec<Alarm>,
    /// Later copies of a counted occurrence (`duplicate_alarm`).
    pub repeated: Vec<&'a Alarm>,
    /// Alarms not active at any point in the window (`alarm_outside_window`).
    pub outside: Vec<&'a Alarm>,
}

/// Whether an alarm was active at some point in `[from, to)`: raised before the window's
/// end and not cleared before its start. An alarm raised and cleared at the same instant
/// inside the window counts (it was raised there, for no time).
pub(crate) fn active_in(a: &Alarm, (from, to): Interval) -> bool {
    a.raised_at.0 < to
        && a.cleared_at
            .is_none_or(|c| c.0 > from || a.raised_at.0 >= from)
}

/// A drop holds the alarms active in its window (docs/drop-format.md). One occurrence is one
/// (code, raisedAt): a PLC that writes it twice into one drop must not double its count or
/// its downtime. Its copies count as one row whose time is the union of theirs, as the copies
/// of an occurrence in several drops do at central (docs/central.md, "Counting rule"); the
/// first copy gives the rest (severity, cycle).
pub(crate) fn sort_out(alarms: &[Alarm], window: Interval) -> SortedAlarms<'_> {
    let mut first: BTreeMap<(&str, DateTime<Utc>), usize> = BTreeMap::new();
    let mut sorted = SortedAlarms {
        counted: Vec::new(),
        repeated: Vec::new(),
        outside: Vec::new(),
    };
    for a in alarms {
        if !active_in(a, window) {
            sorted.outside.push(a);
            continue;
        }
        match first.entry((a.code.as_str(), a.raised_at.0)) {
            Entry::Vacant(e) => {
                e.insert(sorted.counted.len());
                sorted.counted.push(a.clone());
            }
            Entry::Occupied(e) => {
                merge(&mut sorted.counted[*e.get()], a);
                sorted.repeated.push(a);
            }
        }
    }
    sorted
}

/// Extends `kept` by a copy of the same occurrence. Both start at the same raisedAt, so their
/// union ends at the later clear, or is still open when either copy is.
fn merge(kept: &mut Alarm, copy: &Alarm) {
    kept.cleared_at = match (kept.cleared_at, copy.cleared_at) {
        (Some(a), Some(b)) => Some(a.max(b)),
        _ => None,
    };
}

/// Each counted alarm with the model's English text and component. Its duration is the time
/// it was active inside this drop's window: a PLC repeats a long alarm in every window it
/// spans, so clipping lets the occurrences' durations add up instead of counting the overlap
/// twice. Codes missing from the model's table keep a text that says so, since dropping a
/// safety alarm over a table gap would hide it.
pub(crate) fn alarms(
    alarms: &[Alarm],
    model: &RideModel,
    (window_start, window_end): (DateTime<Utc>, DateTime<Utc>),
) -> Vec<AlarmOut> {
    let mut sorted: Vec<&Alarm> = alarms.iter().collect();
    sorted.sort_by(|a, b| {
        (a.raised_at, &a.code, &a.cycle_id, a.cleared_at).cmp(&(
            b.raised_at,
            &b.code,
            &b.cycle_id,
            b.cleared_at,
        ))
    });
    sorted
        .into_iter()
        .map(|a| {
            let (text, component) = match model.alarms.get(&a.code) {
                Some(d) => (d.text.en.clone(), d.component.clone()),
                None => (
                    format!("Alarm {} (not in the {} alarm table)", a.code, model.id),
                    "unknown".to_owned(),
                ),
            };
            let from = a.raised_at.0.max(window_start);
            let to = a.cleared_at.map_or(window_end, |c| c.0).min(window_end);
            AlarmOut {
                code: a.code.clone(),
                severity: a.severity,
                text,
                component,
                raised_at: format_utc_instant(a.raised_at.0),
                cleared_at: a.cleared_at.map(|c| format_utc_instant(c.0)),
                duration_s: seconds(from, to.max(from)),
                cycle_id: a.cycle_id.clone(),
            }
        })
        .collect()
}

/// The intervals during which a `fault` or `critical` alarm was active.
pub(crate) fn downtime(alarms: &[Alarm], window_end: DateTime<Utc>) -> Vec<Interval> {
    alarms
        .iter()
        .filter(|a| a.severity.is_downtime())
        .map(|a| (a.raised_at.0, a.cleared_at.map_or(window_end, |c| c.0)))
        .collect()
}
