//! Data-quality findings: gaps, what lies outside the window, counter resets, duplicates
//! and riders above the model's capacity.

use drop_format::{format_utc_instant, CounterSnapshot, RideModel};

use crate::alarms::SortedAlarms;
use crate::channel::ChannelResult;
use crate::cycles::SortedCycles;
use crate::output::{QualityKind, QualityOut};
use crate::series::Interval;

/// Every finding, sorted by time, kind, channel and detail.
///
/// Findings about something outside the window are dated at the window's start (the detail
/// names the instant): they are facts about this drop, so a report of the drop's period must
/// see them, whatever time the PLC wrote (a cycle dated 2999 included).
pub(crate) fn findings(
    channels: &[ChannelResult],
    counters: &[CounterSnapshot],
    cycles: &SortedCycles<'_>,
    alarms: &SortedAlarms<'_>,
    model: &RideModel,
    window: Interval,
) -> Vec<QualityOut> {
    let at_window = format_utc_instant(window.0);
    let finding = |kind, at: String, detail: String| QualityOut {
        kind,
        channel: None,
        at,
        detail,
    };
    // Gaps and samples outside the window were found while the telemetry streamed.
    let mut out: Vec<QualityOut> = channels
        .iter()
        .flat_map(|r| r.quality.iter().cloned())
        .collect();

    let (inside, outside): (Vec<&CounterSnapshot>, Vec<&CounterSnapshot>) = counters
        .iter()
        .partition(|c| c.at.0 >= window.0 && c.at.0 < window.1);
    if let Some(first) = outside.iter().map(|c| c.at).min() {
        out.push(finding(
            QualityKind::CounterOutsideWindow,
            at_window.clone(),
            format!(
                "{} outside the window (first at {}); ignored, check the PLC clock",
                match outside.len() {
                    1 => "1 counter snapshot lies".to_owned(),
                    n => format!("{n} counter snapshots lie"),
                },
                format_utc_instant(first.0)
            ),
        ));
    }
    let mut by_time = inside;
    by_time.sort_by_key(|c| c.at);
    for pair in by_time.windows(2) {
        let (a, b) = (pair[0], pair[1]);
        if b.cycle_counter < a.cycle_counter {
            out.push(finding(
                QualityKind::CounterReset,
                format_utc_instant(b.at.0),
                format!(
                    "cycleCounter went back from {} to {}; check whether the PLC was replaced or reset",
                    a.cycle_counter, b.cycle_counter
                ),
            ));
        }
    }

    for c in &cycles.outside {
        out.push(finding(
            QualityKind::CycleOutsideWindow,
            at_window.clone(),
            format!(
                "cycle {} starts at {}, outside the window; it is not counted, check the PLC clock",
                c.id,
                format_utc_instant(c.start.0)
            ),
        ));
    }
    for c in &cycles.repeated {
        out.push(finding(
            QualityKind::DuplicateCycle,
            format_utc_instant(c.start.0),
            format!(
                "cycle {} appears more than once; only the first is counted",
                c.id
            ),
        ));
    }
    for c in cycles.counted.iter().filter(|c| c.riders > model.capacity) {
        out.push(finding(
            QualityKind::RidersOverCapacity,
            format_utc_instant(c.start.0),
            format!(
                "cycle {} reports {} riders, more than the {} seats of a {}; counted as reported, check the PLC's rider count",
                c.id, c.riders, model.capacity, model.name
            ),
        ));
    }
    for a in &alarms.outside {
        out.push(finding(
            QualityKind::AlarmOutsideWindow,
            at_window.clone(),
            format!(
                "alarm {} raised at {}{} was not active in the window; it is not counted, check the PLC clock",
                a.code,
                format_utc_instant(a.raised_at.0),
                a.cleared_at
                    .map(|c| format!(" and cleared at {}", format_utc_instant(c.0)))
                    .unwrap_or_default()
            ),
        ));
    }
    for a in &alarms.repeated {
        out.push(finding(
            QualityKind::DuplicateAlarm,
            format_utc_instant(a.raised_at.0.max(window.0)),
            format!(
                "alarm {} raised at {} appears more than once; counted once, active until the latest clear of its copies",
                a.code,
                format_utc_instant(a.raised_at.0)
            ),
        ));
    }
    out.sort_by(|a, b| {
        (&a.at, a.kind, &a.channel, &a.detail).cmp(&(&b.at, b.kind, &b.channel, &b.detail))
    });
    out
}
