//! Parsing `telemetry/{channel}.json` without holding its `values`: each sample goes to a
//! [`TelemetrySink`] as the JSON parser reaches it, so memory does not grow with the file.

use crate::entries::TelemetryFile;
use crate::instant::UtcInstant;
use crate::telemetry_scan::{scan, Header, ValuesHandler};
use crate::text::{is_channel_name, js_len};

/// A telemetry file's fields other than `values`.
#[derive(Debug, Clone, PartialEq)]
pub struct TelemetryHeader {
    /// Channel name, `component.quantity`, equal to the entry's file name.
    pub channel: String,
    /// Unit of the values.
    pub unit: String,
    /// Samples per second, in (0, 10000].
    pub rate_hz: f64,
    /// Time of the first sample.
    pub start: UtcInstant,
}

/// Receives a drop's telemetry while it is read. Calls come in this order: [`start`] once
/// (only when the manifest and the small entries are valid), then per channel
/// [`begin_channel`], [`sample`] for every value in file order, [`end_channel`].
///
/// The drop is verified only when reading returns `Ok`: until then the sink must treat
/// what it got as provisional (an entry may still fail its hash or schema).
///
/// [`start`]: TelemetrySink::start
/// [`begin_channel`]: TelemetrySink::begin_channel
/// [`sample`]: TelemetrySink::sample
/// [`end_channel`]: TelemetrySink::end_channel
pub trait TelemetrySink {
    /// The drop's manifest, cycles, alarms and counters, before any telemetry.
    fn start(&mut self, head: &DropHead);
    /// A channel begins; its header is valid.
    fn begin_channel(&mut self, header: &TelemetryHeader);
    /// The next sample of the current channel; `None` is a sample the PLC did not capture.
    fn sample(&mut self, value: Option<f64>);
    /// The current channel is complete and valid.
    fn end_channel(&mut self);
}

/// What a drop holds besides its telemetry: small, read whole.
#[derive(Debug, Clone)]
pub struct DropHead {
    /// The validated manifest.
    pub manifest: crate::Manifest,
    /// `cycles.json`, empty when absent.
    pub cycles: Vec<crate::Cycle>,
    /// `alarms.json`, empty when absent.
    pub alarms: Vec<crate::Alarm>,
    /// `counters.json`, empty when absent.
    pub counters: Vec<crate::CounterSnapshot>,
}

/// A sink that ignores everything: verification without analysis.
pub struct NullSink;

impl TelemetrySink for NullSink {
    fn start(&mut self, _: &DropHead) {}
    fn begin_channel(&mut self, _: &TelemetryHeader) {}
    fn sample(&mut self, _: Option<f64>) {}
    fn end_channel(&mut self) {}
}

/// A sink that keeps every channel whole, for callers that want [`TelemetryFile`]s.
#[derive(Default)]
pub(crate) struct CollectSink {
    pub files: Vec<TelemetryFile>,
}

impl TelemetrySink for CollectSink {
    fn start(&mut self, _: &DropHead) {}
    fn begin_channel(&mut self, h: &TelemetryHeader) {
        self.files.push(TelemetryFile {
            channel: h.channel.clone(),
            unit: h.unit.clone(),
            rate_hz: h.rate_hz,
            start: h.start,
            values: Vec::new(),
        });
    }
    fn sample(&mut self, value: Option<f64>) {
        if let Some(f) = self.files.last_mut() {
            f.values.push(value);
        }
    }
    fn end_channel(&mut self) {}
}

/// Parses one telemetry entry from `reader`, feeding `sink`; the error is the schema's
/// complaint, for `entry_invalid`. See `telemetry_scan.rs` for how it reads.
pub(crate) fn stream_telemetry<R: std::io::Read>(
    reader: R,
    expected_channel: &str,
    sink: &mut dyn TelemetrySink,
) -> Result<(), String> {
    struct Handler<'a> {
        expected_channel: &'a str,
        sink: &'a mut dyn TelemetrySink,
    }
    impl ValuesHandler for Handler<'_> {
        fn header_ready(&mut self, h: &Header) -> Result<(), String> {
            let header = complete(h)?;
            check_header(&header, self.expected_channel)?;
            self.sink.begin_channel(&header);
            Ok(())
        }
        #[inline]
        fn sample(&mut self, value: Option<f64>) {
            self.sink.sample(value);
        }
    }
    let mut handler = Handler {
        expected_channel,
        sink,
    };
    // Streamed when the header precedes `values`, as every writer we know puts it;
    // otherwise the values were buffered until the header was known.
    let scanned = scan(reader, &mut handler)?;
    if let Some(values) = scanned.buffered {
        let header = complete(&scanned.header)?;
        check_header(&header, expected_channel)?;
        handler.sink.begin_channel(&header);
        for v in values {
            handler.sink.sample(v);
        }
    }
    handler.sink.end_channel();
    Ok(())
}

fn complete(h: &Header) -> Result<TelemetryHeader, String> {
    match (&h.channel, &h.unit, h.rate_hz, h.start) {
        (Some(channel), Some(unit), Some(rate_hz), Some(start)) => Ok(TelemetryHeader {
            channel: channel.clone(),
            unit: unit.clone(),
            rate_hz,
            start,
        }),
        _ => Err("the telemetry header is incomplete".into()),
    }
}

fn check_header(h: &TelemetryHeader, expected_channel: &str) -> Result<(), String> {
    if !is_channel_name(&h.channel) {
        return Err(format!(
            "channel {:?}: expected component.quantity in lowercase, e.g. main_motor.current",
            h.channel
        ));
    }
    if h.channel != expected_channel {
        return Err(format!(
            "channel {:?} does not match the file name (expected {expected_channel:?})",
            h.channel
        ));
    }
    if !(1..=16).contains(&js_len(&h.unit)) {
        return Err("unit must have 1 to 16 characters".into());
    }
    if !(h.rate_hz > 0.0 && h.rate_hz <= 10_000.0) {
        return Err(format!("rateHz must be in (0, 10000], got {}", h.rate_hz));
    }
    Ok(())
}
