//! Parsing `telemetry/{channel}.json` without holding its `values`: each sample goes to a
//! [`TelemetrySink`] as the JSON parser reaches it, so memory does not grow with the file.

use std::fmt;

use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};

use crate::entries::TelemetryFile;
use crate::instant::UtcInstant;
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
/// complaint, for `entry_invalid`.
pub(crate) fn stream_telemetry<R: std::io::Read>(
    reader: R,
    expected_channel: &str,
    sink: &mut dyn TelemetrySink,
) -> Result<(), String> {
    let mut de = serde_json::Deserializer::from_reader(reader);
    TelemetrySeed {
        expected_channel,
        sink,
    }
    .deserialize(&mut de)
    .map_err(|e| e.to_string())?;
    de.end().map_err(|e| e.to_string())
}

const FIELDS: &[&str] = &["channel", "unit", "rateHz", "start", "values"];

struct TelemetrySeed<'a> {
    expected_channel: &'a str,
    sink: &'a mut dyn TelemetrySink,
}

impl<'de> DeserializeSeed<'de> for TelemetrySeed<'_> {
    type Value = ();
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
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

impl<'de> Visitor<'de> for TelemetrySeed<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a telemetry object {channel, unit, rateHz, start, values}")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let (mut channel, mut unit, mut rate_hz, mut start) = (None, None, None, None);
        // Streamed when the header precedes `values`, as every writer we know puts it;
        // otherwise the values wait here until the header is known.
        let mut streamed = false;
        let mut buffered: Option<Vec<Option<f64>>> = None;
        fn once<T, E: de::Error>(slot: &Option<T>, name: &'static str) -> Result<(), E> {
            match slot {
                Some(_) => Err(E::duplicate_field(name)),
                None => Ok(()),
            }
        }
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "channel" => {
                    once(&channel, "channel")?;
                    channel = Some(map.next_value::<String>()?);
                }
                "unit" => {
                    once(&unit, "unit")?;
                    unit = Some(map.next_value::<String>()?);
                }
                "rateHz" => {
                    once(&rate_hz, "rateHz")?;
                    rate_hz = Some(map.next_value::<f64>()?);
                }
                "start" => {
                    once(&start, "start")?;
                    start = Some(map.next_value::<UtcInstant>()?);
                }
                "values" => {
                    if streamed || buffered.is_some() {
                        return Err(de::Error::duplicate_field("values"));
                    }
                    match (&channel, &unit, rate_hz, start) {
                        (Some(channel), Some(unit), Some(rate_hz), Some(start)) => {
                            let header = TelemetryHeader {
                                channel: channel.clone(),
                                unit: unit.clone(),
                                rate_hz,
                                start,
                            };
                            check_header(&header, self.expected_channel)
                                .map_err(de::Error::custom)?;
                            self.sink.begin_channel(&header);
                            map.next_value_seed(Samples(&mut *self.sink))?;
                            streamed = true;
                        }
                        _ => buffered = Some(map.next_value()?),
                    }
                }
                other => return Err(de::Error::unknown_field(other, FIELDS)),
            }
        }
        let header = TelemetryHeader {
            channel: channel.ok_or_else(|| de::Error::missing_field("channel"))?,
            unit: unit.ok_or_else(|| de::Error::missing_field("unit"))?,
            rate_hz: rate_hz.ok_or_else(|| de::Error::missing_field("rateHz"))?,
            start: start.ok_or_else(|| de::Error::missing_field("start"))?,
        };
        if !streamed {
            let values = buffered.ok_or_else(|| de::Error::missing_field("values"))?;
            check_header(&header, self.expected_channel).map_err(de::Error::custom)?;
            self.sink.begin_channel(&header);
            for v in values {
                self.sink.sample(v);
            }
        }
        self.sink.end_channel();
        Ok(())
    }
}

struct Samples<'a>(&'a mut dyn TelemetrySink);

impl<'de> DeserializeSeed<'de> for Samples<'_> {
    type Value = ();
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for Samples<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an array of numbers or nulls")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while let Some(v) = seq.next_element::<Option<f64>>()? {
            self.0.sample(v);
        }
        Ok(())
    }
}
