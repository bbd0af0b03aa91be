//! The postprocessor as a [`TelemetrySink`]: it prepares the drop's layout when the drop's
//! head arrives and analyses each channel while the zip is read.

use chrono::TimeDelta;
use drop_format::{DropHead, RideModel, RideModels, TelemetryHeader, TelemetrySink};

use crate::channel::{ChannelResult, ChannelStream, Layout};
use crate::cycles;
use crate::series::{hour_of, merge, Clock};

/// Collects every channel's contribution; the drop is only trusted once reading it
/// returned `Ok`.
pub(crate) struct Analysis<'m> {
    models: &'m RideModels,
    model: Option<&'m RideModel>,
    layout: Option<(Layout, Vec<String>)>,
    current: Option<ChannelStream>,
    pub results: Vec<ChannelResult>,
}

impl<'m> Analysis<'m> {
    pub fn new(models: &'m RideModels) -> Self {
        Self {
            models,
            model: None,
            layout: None,
            current: None,
            results: Vec::new(),
        }
    }
}

/// The drop's cycle, idle and hour spans, computed once and shared by every channel.
pub(crate) fn layout(head: &DropHead) -> (Layout, Vec<String>) {
    let window = (head.manifest.window.start.0, head.manifest.window.end.0);
    let kept = cycles::sort_out(&head.cycles, window).counted;
    // Samples outside the window are not used, not even for a cycle that runs past its end.
    let spans: Vec<_> = kept
        .iter()
        .map(|c| (c.start.0, c.end.0.min(window.1)))
        .collect();

    // Idle: the window minus the merged cycles.
    let mut idle = Vec::new();
    let mut from = window.0;
    for &(a, b) in merge(spans.clone())
        .iter()
        .chain(std::iter::once(&(window.1, window.1)))
    {
        if a > from {
            idle.push((from, a.min(window.1)));
        }
        from = from.max(b);
        if from >= window.1 {
            break;
        }
    }

    let mut hours = Vec::new();
    let mut h = hour_of(window.0);
    while h < window.1 {
        let span = (h.max(window.0), (h + TimeDelta::hours(1)).min(window.1));
        hours.push((h, span));
        h += TimeDelta::hours(1);
    }
    let ids = kept.iter().map(|c| c.id.clone()).collect();
    (
        Layout {
            window,
            cycles: spans,
            idle,
            hours,
        },
        ids,
    )
}

impl TelemetrySink for Analysis<'_> {
    fn start(&mut self, head: &DropHead) {
        // An unknown model is reported after verification (exit 3); the samples are skipped.
        self.model = self.models.find(&head.manifest.model);
        if self.model.is_some() {
            self.layout = Some(layout(head));
        }
    }

    fn begin_channel(&mut self, h: &TelemetryHeader) {
        let (Some(model), Some((layout, _))) = (self.model, &self.layout) else {
            return;
        };
        let threshold = model.channel(&h.channel).map(|c| c.threshold);
        let clock = Clock {
            start: h.start.0,
            rate_hz: h.rate_hz,
        };
        self.current = Some(ChannelStream::new(&h.channel, clock, threshold, layout));
    }

    #[inline]
    fn sample(&mut self, value: Option<f64>) {
        if let Some(c) = &mut self.current {
            c.sample(value);
        }
    }

    fn end_channel(&mut self) {
        if let (Some(c), Some((_, ids))) = (self.current.take(), &self.layout) {
            let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
            self.results.push(c.finish(&ids));
        }
    }
}
