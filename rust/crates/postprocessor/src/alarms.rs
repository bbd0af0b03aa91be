//! Alarms with their texts and durations.

use chrono::{DateTime, Utc};
use drop_format::{format_utc_instant, Alarm, RideModel};

use crate::output::AlarmOut;
use crate::series::{seconds, Interval};

/// Each alarm with the model's English text and component. Its duration is the time it was
/// active inside this drop's window: a PLC repeats a long alarm in every window it spans, so
/// clipping lets the occurrences' durations add up instead of counting the overlap twice.
/// Codes missing from the model's table keep a text that says so, since dropping a safety
/// alarm over a table gap would hide it.
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
