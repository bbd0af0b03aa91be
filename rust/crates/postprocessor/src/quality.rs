//! Data-quality findings: gaps, samples outside the window, counter resets, duplicates.

use drop_format::{format_utc_instant, CounterSnapshot, Cycle};

use crate::output::{QualityKind, QualityOut};
use crate::series::{seconds, Interval, Series};

/// Every finding, sorted by time, kind, channel and detail.
pub(crate) fn findings(
    series: &[Series<'_>],
    counters: &[CounterSnapshot],
    repeated_cycles: &[&Cycle],
    window: Interval,
) -> Vec<QualityOut> {
    let mut out = Vec::new();
    for s in series {
        gaps(s, &mut out);
        outside_window(s, window, &mut out);
    }
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

/// Runs of nulls lasting at least one second.
fn gaps(s: &Series<'_>, out: &mut Vec<QualityOut>) {
    let values = &s.file.values;
    let mut i = 0;
    while i < values.len() {
        if values[i].is_some() {
            i += 1;
            continue;
        }
        let start = i;
        while i < values.len() && values[i].is_none() {
            i += 1;
        }
        let secs = (i - start) as f64 / s.file.rate_hz;
        if secs >= 1.0 {
            out.push(QualityOut {
                kind: QualityKind::Gap,
                channel: Some(s.file.channel.clone()),
                at: format_utc_instant(s.time_of(start)),
                detail: format!(
                    "{} samples ({} s) missing",
                    i - start,
                    seconds(s.time_of(start), s.time_of(i))
                ),
            });
        }
    }
}

/// Samples before the window's start or at/after its end, one finding per side.
fn outside_window(s: &Series<'_>, window: Interval, out: &mut Vec<QualityOut>) {
    let n = s.len();
    let before = s.index_at(window.0);
    let after = s.index_at(window.1);
    let mut push = |first: usize, count: usize, side: &str| {
        out.push(QualityOut {
            kind: QualityKind::OutsideWindow,
            channel: Some(s.file.channel.clone()),
            at: format_utc_instant(s.time_of(first)),
            detail: format!("{count} samples {side} the window; they are ignored"),
        });
    };
    if before > 0 {
        push(0, before, "before");
    }
    if after < n {
        push(after, n - after, "after");
    }
}
