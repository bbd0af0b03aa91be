//! Label texts in the report languages.

use crate::input::Language;

/// Every label a report shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Labels {
    /// Title of a ride report.
    pub ride_report: &'static str,
    /// Title of a whole-park report.
    pub park_report: &'static str,
    /// "Park".
    pub park: &'static str,
    /// "Model".
    pub model: &'static str,
    /// "Period".
    pub period: &'static str,
    /// "Time zone".
    pub timezone: &'static str,
    /// "Totals".
    pub totals: &'static str,
    /// "Cycles".
    pub cycles: &'static str,
    /// "Riders".
    pub riders: &'static str,
    /// "Availability".
    pub availability: &'static str,
    /// "Hours with data".
    pub hours_with_data: &'static str,
    /// Chart title.
    pub cycles_per_day: &'static str,
    /// Per-day table title.
    pub per_day: &'static str,
    /// "Date".
    pub date: &'static str,
    /// Top alarms title.
    pub top_alarms: &'static str,
    /// "Code".
    pub code: &'static str,
    /// "Alarm".
    pub alarm: &'static str,
    /// "Count".
    pub count: &'static str,
    /// "Downtime" (fault and critical alarms only).
    pub downtime: &'static str,
    /// "Severity".
    pub severity: &'static str,
    /// Time an alarm was active, whatever its severity.
    pub active: &'static str,
    /// Severities: info, warning, fault, critical.
    pub severities: [&'static str; 4],
    /// Info and warning alarms, which carry no downtime.
    pub warnings: &'static str,
    /// Shown instead of an empty alarm table.
    pub no_alarms: &'static str,
    /// Shown instead of an empty table of alarms by downtime.
    pub no_downtime: &'static str,
    /// Shown for a value without data.
    pub no_data: &'static str,
    /// "Page".
    pub page: &'static str,
    /// Title of the plain-language paragraph.
    pub summary: &'static str,
    /// Fault and critical alarms.
    pub failures: &'static str,
    /// Mean time between failures.
    pub mtbf: &'static str,
    /// Mean time to repair.
    pub mttr: &'static str,
    /// Hours with data against operating hours.
    pub completeness: &'static str,
    /// Top alarms by downtime title.
    pub top_alarms_by_downtime: &'static str,
    /// Park reports: distinct hours in which any ride sent data.
    pub hours_with_data_any: &'static str,
    /// Park reports: completeness counted in ride-hours.
    pub completeness_rides: &'static str,
    /// Completeness against opening hours.
    pub completeness_opening: &'static str,
    /// Park reports: completeness against ride-hours of opening.
    pub completeness_opening_rides: &'static str,
    /// Ride-hours with data outside opening hours.
    pub outside_opening: &'static str,
    /// Per-day completeness column.
    pub day_completeness: &'static str,
    /// A day closed by the opening hours.
    pub closed: &'static str,
    /// Chart title of a one-day report.
    pub cycles_per_hour: &'static str,
    /// Channel-health heading (followed by the ride).
    pub channel_health: &'static str,
    /// What the channel-health table shows.
    pub channel_health_note: &'static str,
    /// "Channel".
    pub channel: &'static str,
    /// "Threshold".
    pub limit: &'static str,
    /// "Highest daily p95".
    pub highest_p95: &'static str,
    /// Trend chart column.
    pub trend: &'static str,
    /// Status column.
    pub status: &'static str,
    /// Flag of a channel above its threshold (followed by days above / days).
    pub above: &'static str,
    /// Status of a channel that stayed below its threshold.
    pub within: &'static str,
    /// Anomalies heading.
    pub anomalies: &'static str,
    /// Shown instead of an empty anomaly table.
    pub no_anomalies: &'static str,
    /// "Ride" column.
    pub ride: &'static str,
    /// "What" column.
    pub what: &'static str,
    /// "First" column (first occurrence).
    pub first: &'static str,
    /// "Worst / limit" column.
    pub worst: &'static str,
    /// Count column of the anomalies (narrower than the alarms').
    pub times: &'static str,
    /// Anomaly kinds: breach_max, breach_min, gap, outside_window, counter_reset,
    /// duplicate_cycle, cycle_outside_window, alarm_outside_window, counter_outside_window,
    /// duplicate_alarm, riders_over_capacity.
    pub kinds: [&'static str; 11],
    /// Decimal separator.
    pub decimal: char,
}

const EN: Labels = Labels {
    ride_report: "Ride report",
    park_report: "Park report",
    park: "Park",
    model: "Model",
    period: "Period",
    timezone: "Time zone",
    totals: "Totals",
    cycles: "Cycles",
    riders: "Riders",
    availability: "Availability",
    hours_with_data: "Hours with data",
    cycles_per_day: "Cycles per day",
    per_day: "Per day",
    date: "Date",
    top_alarms: "Top alarms by count",
    code: "Code",
    alarm: "Alarm",
    count: "Count",
    downtime: "Downtime",
    severity: "Severity",
    active: "Active time",
    severities: ["info", "warning", "fault", "critical"],
    warnings: "Warnings and infos (no downtime)",
    no_alarms: "No alarms in this period.",
    no_downtime: "No alarm caused downtime in this period.",
    no_data: "no data",
    page: "Page",
    summary: "Summary",
    failures: "Faults (fault and critical alarms)",
    mtbf: "MTBF (mean time between faults)",
    mttr: "MTTR (mean time to repair)",
    completeness: "Data completeness (hours with data / daily span of data)",
    top_alarms_by_downtime: "Top alarms by downtime",
    hours_with_data_any: "Hours with data (from any ride)",
    completeness_rides: "Data completeness (ride-hours with data / daily span of data)",
    completeness_opening: "Data completeness (hours with data / opening hours)",
    completeness_opening_rides: "Data completeness (ride-hours with data / ride-hours of opening)",
    outside_opening: "Data outside opening hours",
    day_completeness: "Completeness",
    closed: "closed",
    cycles_per_hour: "Cycles per hour (park-local time)",
    channel_health: "Channel health",
    channel_health_note: "Daily 95th percentile of the per-cycle peaks against the ride model's upper limit (dashed line); days above it are flagged.",
    channel: "Channel",
    limit: "Limit",
    highest_p95: "Highest p95",
    trend: "Daily p95",
    status: "Status",
    above: "ABOVE",
    within: "within",
    anomalies: "Anomalies",
    no_anomalies: "No threshold breaches or data-quality findings in this period.",
    ride: "Ride",
    what: "What",
    first: "First seen",
    worst: "Worst / limit",
    times: "Count",
    kinds: [
        "Above the upper limit",
        "Below the lower limit",
        "Telemetry gap",
        "Samples outside the window",
        "Counter reset",
        "Duplicate cycle",
        "Cycle outside the window",
        "Alarm outside the window",
        "Counters outside the window",
        "Duplicate alarm",
        "Riders above capacity",
    ],
    decimal: '.',
};

const IT: Labels = Labels {
    ride_report: "Report attrazione",
    park_report: "Report parco",
    park: "Parco",
    model: "Modello",
    period: "Periodo",
    timezone: "Fuso orario",
    totals: "Totali",
    cycles: "Cicli",
    riders: "Passeggeri",
    availability: "Disponibilità",
    hours_with_data: "Ore con dati",
    cycles_per_day: "Cicli al giorno",
    per_day: "Per giorno",
    date: "Data",
    top_alarms: "Allarmi più frequenti",
    code: "Codice",
    alarm: "Allarme",
    count: "Occorrenze",
    downtime: "Fermo",
    severity: "Gravità",
    active: "Tempo attivo",
    severities: ["info", "avviso", "guasto", "critico"],
    warnings: "Avvisi e info (senza fermo)",
    no_alarms: "Nessun allarme nel periodo.",
    no_downtime: "Nessun allarme ha causato fermo nel periodo.",
    no_data: "nessun dato",
    page: "Pagina",
    summary: "Sintesi",
    failures: "Guasti (allarmi fault e critical)",
    mtbf: "MTBF (tempo medio tra guasti)",
    mttr: "MTTR (tempo medio di ripristino)",
    completeness: "Completezza dati (ore con dati / arco giornaliero dei dati)",
    top_alarms_by_downtime: "Allarmi per durata del fermo",
    hours_with_data_any: "Ore con dati (da almeno un'attrazione)",
    completeness_rides: "Completezza dati (ore-attrazione con dati / arco giornaliero dei dati)",
    completeness_opening: "Completezza dati (ore con dati / ore di apertura)",
    completeness_opening_rides: "Completezza dati (ore-attrazione con dati / ore-attrazione di apertura)",
    outside_opening: "Dati fuori dall'orario di apertura",
    day_completeness: "Completezza",
    closed: "chiuso",
    cycles_per_hour: "Cicli per ora (ora locale del parco)",
    channel_health: "Stato dei canali",
    channel_health_note: "95° percentile giornaliero dei picchi per ciclo rispetto alla soglia del modello (linea tratteggiata); i giorni sopra soglia sono segnalati.",
    channel: "Canale",
    limit: "Soglia",
    highest_p95: "p95 massimo",
    trend: "p95 giornaliero",
    status: "Stato",
    above: "SOPRA",
    within: "entro soglia",
    anomalies: "Anomalie",
    no_anomalies: "Nessun superamento di soglia né problema di qualità dei dati nel periodo.",
    ride: "Attrazione",
    what: "Tipo",
    first: "Prima volta",
    worst: "Valore/soglia",
    times: "Volte",
    kinds: [
        "Sopra la soglia massima",
        "Sotto la soglia minima",
        "Buco nella telemetria",
        "Campioni fuori finestra",
        "Azzeramento contatore",
        "Ciclo duplicato",
        "Ciclo fuori finestra",
        "Allarme fuori finestra",
        "Contatori fuori finestra",
        "Allarme duplicato",
        "Passeggeri oltre la capienza",
    ],
    decimal: ',',
};

impl Labels {
    /// The labels of a language.
    pub fn of(language: Language) -> &'static Labels {
        match language {
            Language::En => &EN,
            Language::It => &IT,
        }
    }

    /// The label of an anomaly kind; unknown kinds show as they are.
    pub fn kind<'a>(&self, kind: &'a str) -> &'a str
    where
        'static: 'a,
    {
        let i = match kind {
            "breach_max" => 0,
            "breach_min" => 1,
            "gap" => 2,
            "outside_window" => 3,
            "counter_reset" => 4,
            "duplicate_cycle" => 5,
            "cycle_outside_window" => 6,
            "alarm_outside_window" => 7,
            "counter_outside_window" => 8,
            "duplicate_alarm" => 9,
            "riders_over_capacity" => 10,
            other => return other,
        };
        self.kinds[i]
    }

    /// The label of a severity; unknown ones show as they are.
    pub fn severity<'a>(&self, severity: &'a str) -> &'a str
    where
        'static: 'a,
    {
        crate::input::SEVERITIES
            .iter()
            .position(|s| *s == severity)
            .map_or(severity, |i| self.severities[i])
    }

    /// Availability as a percentage with one decimal, or "no data".
    pub fn percent(&self, x: Option<f64>) -> String {
        match x {
            Some(x) => format!("{:.1} %", x * 100.0).replace('.', &self.decimal.to_string()),
            None => self.no_data.to_owned(),
        }
    }
}

/// A duration for people: "2 h 05 min", "12 min 30 s", "45 s".
pub fn duration(seconds: f64) -> String {
    let s = seconds.max(0.0).round() as u64;
    match (s / 3600, s % 3600 / 60, s % 60) {
        (0, 0, s) => format!("{s} s"),
        (0, m, s) => format!("{m} min {s:02} s"),
        (h, m, _) => format!("{h} h {m:02} min"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_for_people() {
        assert_eq!(duration(45.2), "45 s");
        assert_eq!(duration(750.0), "12 min 30 s");
        assert_eq!(duration(7500.0), "2 h 05 min");
        assert_eq!(Labels::of(Language::It).percent(Some(0.975)), "97,5 %");
        assert_eq!(Labels::of(Language::En).percent(None), "no data");
    }
}
