use std::collections::BTreeMap;

use serde::Deserialize;

use crate::entries::AlarmSeverity;
use crate::text::{is_alarm_code, is_channel_name, is_slug};

/// The value of `format` in `shared/ride-models/ride-models.json`.
pub const RIDE_MODELS_FORMAT: &str = "zamperla.ride-models/v1";

/// The ride-models file: what each ride model measures, its limits and its alarm table.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RideModels {
    /// Always [`RIDE_MODELS_FORMAT`].
    pub format: String,
    /// The models, at least one.
    pub models: Vec<RideModel>,
}

/// One ride model.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RideModel {
    /// Model id (slug), as in a drop's `manifest.model`.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Version of this model's data.
    pub version: u64,
    /// Seats per cycle.
    pub capacity: u64,
    /// How long a normal cycle lasts.
    pub nominal_cycle_seconds: f64,
    /// Expected telemetry channels.
    pub channels: Vec<RideModelChannel>,
    /// Alarm table by code.
    pub alarms: BTreeMap<String, AlarmDefinition>,
}

/// An expected telemetry channel and its limits.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RideModelChannel {
    /// Channel name.
    pub channel: String,
    /// Unit.
    pub unit: String,
    /// Nominal sample rate.
    pub rate_hz: f64,
    /// Typical values, used by the drop generator.
    pub typical: Typical,
    /// Limits outside which a sample is a breach.
    pub threshold: Threshold,
}

/// Typical values of a channel while running and while idle.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Typical {
    /// While a cycle runs.
    pub running: f64,
    /// While the ride idles.
    pub idle: f64,
}

/// Limits outside which a sample is a threshold breach; either side may be absent.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Threshold {
    /// Lowest acceptable value.
    #[serde(default)]
    pub min: Option<f64>,
    /// Highest acceptable value.
    #[serde(default)]
    pub max: Option<f64>,
}

/// One row of a model's alarm table.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AlarmDefinition {
    /// Texts by language.
    pub text: AlarmTexts,
    /// The component the alarm concerns.
    pub component: String,
    /// Nominal severity.
    pub severity: AlarmSeverity,
}

/// An alarm's text in the supported languages.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AlarmTexts {
    /// English.
    pub en: String,
    /// Italian.
    pub it: String,
}

impl RideModels {
    /// Parses and validates a ride-models file; the error names the first problem.
    pub fn from_json(bytes: &[u8]) -> Result<Self, String> {
        let m: RideModels = serde_json::from_slice(bytes).map_err(|e| e.to_string())?;
        m.validate()?;
        Ok(m)
    }

    fn validate(&self) -> Result<(), String> {
        if self.format != RIDE_MODELS_FORMAT {
            return Err(format!(
                "format must be {RIDE_MODELS_FORMAT:?}, got {:?}",
                self.format
            ));
        }
        if self.models.is_empty() {
            return Err("models must not be empty".into());
        }
        for m in &self.models {
            let at = format!("model {:?}", m.id);
            if !is_slug(&m.id) {
                return Err(format!("{at}: id must be a slug"));
            }
            if m.name.is_empty()
                || m.version == 0
                || m.capacity == 0
                || m.nominal_cycle_seconds <= 0.0
            {
                return Err(format!("{at}: name, version, capacity and nominalCycleSeconds must be set and positive"));
            }
            if m.channels.is_empty() {
                return Err(format!("{at}: channels must not be empty"));
            }
            for c in &m.channels {
                if !is_channel_name(&c.channel) || c.unit.is_empty() || c.rate_hz <= 0.0 {
                    return Err(format!(
                        "{at}: channel {:?} needs a valid name, a unit and a positive rateHz",
                        c.channel
                    ));
                }
                if c.threshold.min.is_none() && c.threshold.max.is_none() {
                    return Err(format!(
                        "{at}: channel {}: a threshold needs min or max",
                        c.channel
                    ));
                }
            }
            for (code, a) in &m.alarms {
                if !is_alarm_code(code)
                    || a.text.en.is_empty()
                    || a.text.it.is_empty()
                    || a.component.is_empty()
                {
                    return Err(format!(
                        "{at}: alarm {code:?} needs a code like E-101, texts and a component"
                    ));
                }
            }
        }
        Ok(())
    }

    /// Finds a model by id.
    pub fn find(&self, id: &str) -> Option<&RideModel> {
        self.models.iter().find(|m| m.id == id)
    }

    /// The known model ids, for error messages.
    pub fn ids(&self) -> Vec<&str> {
        self.models.iter().map(|m| m.id.as_str()).collect()
    }
}

impl RideModel {
    /// The expected channel of that name, if any.
    pub fn channel(&self, name: &str) -> Option<&RideModelChannel> {
        self.channels.iter().find(|c| c.channel == name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_repository_ride_models() {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../../shared/ride-models/ride-models.json"
        );
        let models = RideModels::from_json(&std::fs::read(path).unwrap()).unwrap();
        let m = models.find("discovery-revolution").unwrap();
        assert_eq!(
            m.channel("brake.pressure").unwrap().threshold.min,
            Some(120.0)
        );
        assert_eq!(m.alarms["E-201"].severity, AlarmSeverity::Critical);
        assert!(models.find("nope").is_none());
    }
}
