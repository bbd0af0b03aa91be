//! Data-quality findings: gaps, samples outside the window, counter resets, duplicates.

use drop_format::{format_utc_instant, CounterSnapshot, Cycle};

use crate::channel::ChannelResult;
use crate::output::{QualityKind, QualityOut};

/// Every finding, sorted by time, kind, channel and detail.
pub(crate) fn findings(
    channels: &[ChannelResult],
    counters: &[CounterSnapshot],
    repeated_cycles: &[&Cycle],
) -> Vec<QualityOut> {
    // Gaps and samples outside the window were found while the telemetry streamed.
    let mut out: Vec<QualityOut> = channels
        .iter()
        .flat_map(|r| r.quality.iter().cloned())
        .collect();
    let mut by_time: Vec<&CounterSnapshot> = counters.iter().collect();
    by_time.sort_by_key(|c| c.at);
    for pair in by_time.windows(2) {
        let (a, b) = (pair[0], pair[1]);
        if b.cycle_counter < a.cycle_counter {
            out.push(QualityOut {
                kind: QualityKind::CounterReset,
                channel: None,
                at: format_utc_instant(b.at.0),
                detail: format!(
                    "cycleCounter went back from {} to {}; check whether the PLC was replaced or reset",
                    a.cycle_counter, b.cycle_counter
                ),
            });
        }
    }
    for c in repeated_cycles {
        out.push(QualityOut {
            kind: QualityKind::DuplicateCycle,
            channel: None,
            at: format_utc_instant(c.start.0),
            detail: format!(
                "cycle {} appears more than once; only the first is counted",
                c.id
            ),
        });
    }
    out.sort_by(|a, b| {
        (&a.at, a.kind, &a.channel, &a.detail).cmp(&(&b.at, b.kind, &b.channel, &b.detail))
    });
    out
}
