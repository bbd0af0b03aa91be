//! The report's plain-language paragraph, written from the summary's numbers in English or
//! Italian. Sentences are chosen by the numbers (no faults, complete data, …) so that the
//! paragraph never states something the tables do not show, and every count agrees with its
//! noun ("1 cycle", "2 cycles", "1 ciclo", "0 cicli").

use crate::input::{Language, ReportInput};
use crate::labels::{duration, Labels};
use crate::summary::{CompletenessBasis, Summary, TopAlarm};
use crate::view::number;

/// "1 cycle", "0 cycles", "2 cycles": both languages use the singular for exactly one.
fn count(n: u64, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {many}")
    }
}

/// A measured amount with its unit: singular only when it prints as "1".
fn amount(l: &Labels, x: f64, one: &str, many: &str) -> String {
    let n = number(l, x);
    if n == "1" {
        format!("1 {one}")
    } else {
        format!("{n} {many}")
    }
}

/// "once" / "2 times", "1 volta" / "2 volte".
fn times(n: u64, it: bool) -> String {
    match (n, it) {
        (1, false) => "once".to_owned(),
        (n, false) => format!("{n} times"),
        (n, true) => count(n, "volta", "volte"),
    }
}

/// The paragraph for `summary` of `input`, in the input's language.
pub(crate) fn narrative(input: &ReportInput, s: &Summary) -> String {
    let l = Labels::of(input.language);
    let subject = match &input.ride {
        Some(r) => r.name.as_str(),
        None => input.park.name.as_str(),
    };
    let it = input.language == Language::It;
    if s.hours_with_data <= 0.0 {
        return if it {
            format!("Nessun dato ricevuto per {subject} in questo periodo.")
        } else {
            format!("No data was received for {subject} in this period.")
        };
    }
    let mut out = Vec::new();
    // A park report counts distinct hours across rides but completeness in ride-hours:
    // the words say which.
    let park = input.ride.is_none();
    let (cycles, riders, hours) = if it {
        (
            count(s.cycles, "ciclo", "cicli"),
            count(s.riders, "passeggero", "passeggeri"),
            amount(l, s.hours_with_data, "ora", "ore"),
        )
    } else {
        (
            count(s.cycles, "cycle", "cycles"),
            count(s.riders, "rider", "riders"),
            amount(l, s.hours_with_data, "hour", "hours"),
        )
    };
    out.push(match (it, park) {
        (true, false) => format!("{subject} ha effettuato {cycles} con {riders} in {hours} con dati."),
        (true, true) => format!(
            "Le attrazioni di {subject} hanno effettuato {cycles} con {riders} in {hours} in cui almeno un'attrazione ha inviato dati."
        ),
        (false, false) => format!("{subject} ran {cycles} with {riders} over {hours} with data."),
        (false, true) => format!(
            "The rides of {subject} ran {cycles} with {riders} over {hours} in which at least one ride sent data."
        ),
    });

    out.push(availability(s, it, l));
    if let Some(sentence) = alarms(s, it) {
        out.push(sentence);
    }
    if s.warnings > 0 {
        out.push(match (it, s.warnings) {
            (false, 1) => "1 warning or info alarm was active; it caused no downtime (only fault and critical alarms do).".to_owned(),
            (false, n) => format!("{n} warning or info alarms were active; they caused no downtime (only fault and critical alarms do)."),
            (true, 1) => "1 allarme di avviso o informativo è stato attivo, senza causare fermo (solo gli allarmi fault e critical lo causano).".to_owned(),
            (true, n) => format!("{n} allarmi di avviso o informativi sono stati attivi, senza causare fermo (solo gli allarmi fault e critical lo causano)."),
        });
    }

    let busiest = s
        .days
        .iter()
        .filter(|d| d.cycles > 0)
        .max_by(|a, b| a.cycles.cmp(&b.cycles).then(b.date.cmp(&a.date)));
    if let Some(d) = busiest.filter(|_| s.days.len() > 1) {
        out.push(if it {
            format!(
                "Il giorno con più cicli è stato il {} ({}).",
                d.date,
                count(d.cycles, "ciclo", "cicli")
            )
        } else {
            format!(
                "The busiest day was {} ({}).",
                d.date,
                count(d.cycles, "cycle", "cycles")
            )
        });
    }

    let flagged: Vec<_> = s.channel_health.iter().filter(|c| c.flagged).collect();
    if !flagged.is_empty() {
        let names: Vec<String> = flagged
            .iter()
            .take(3)
            .map(|c| {
                if park {
                    format!("{} ({})", c.channel, c.ride)
                } else {
                    c.channel.clone()
                }
            })
            .collect();
        let mut list = names.join(", ");
        list += &match (flagged.len().saturating_sub(3), it) {
            (0, _) => String::new(),
            (1, true) => " e un altro".to_owned(),
            (more, true) => format!(" e altri {more}"),
            (more, false) => format!(" and {more} more"),
        };
        out.push(if it {
            format!(
                "Canali sopra soglia (p95 giornaliero dei picchi per ciclo) in almeno un giorno: {list}."
            )
        } else {
            format!(
                "Channels whose daily p95 of cycle peaks exceeded the model's threshold on at least one day: {list}."
            )
        });
    } else if s.channel_health.iter().any(|c| c.limit.is_some()) {
        out.push(if it {
            "Tutti i canali con soglia sono rimasti sotto soglia (p95 giornaliero dei picchi per ciclo).".to_owned()
        } else {
            "Every channel with a threshold stayed below it (daily p95 of cycle peaks).".to_owned()
        });
    }

    if let Some(sentence) = anomalies(s, it) {
        out.push(sentence);
    }
    out.push(completeness(s, it, park, l));
    out.join(" ")
}

/// Availability and the faults behind it. The figures come from two places (hourly fault
/// minutes and the alarm list); the sentence never claims "no faults" while availability
/// shows fault time.
fn availability(s: &Summary, it: bool, l: &Labels) -> String {
    let pct = l.percent(s.availability);
    let lost = s.availability.is_some_and(|a| a < 1.0);
    match (s.mtbf_s, s.mttr_s, s.failures, it) {
        (Some(mtbf), Some(mttr), 1, false) => format!(
            "Availability was {pct}, with 1 fault in {} of operation, which took {} to clear.",
            duration(mtbf),
            duration(mttr)
        ),
        (Some(mtbf), Some(mttr), n, false) => format!(
            "Availability was {pct}, with {n} faults: on average one every {} of operation, each taking {} to clear.",
            duration(mtbf),
            duration(mttr)
        ),
        (Some(mtbf), Some(mttr), 1, true) => format!(
            "La disponibilità è stata del {pct}, con 1 guasto in {} di funzionamento, risolto in {}.",
            duration(mtbf),
            duration(mttr)
        ),
        (Some(mtbf), Some(mttr), n, true) => format!(
            "La disponibilità è stata del {pct}, con {n} guasti: in media uno ogni {} di funzionamento, ciascuno risolto in {}.",
            duration(mtbf),
            duration(mttr)
        ),
        _ if lost => if it {
            format!("La disponibilità è stata del {pct}: i dati orari registrano tempo di guasto, ma nel periodo non risulta alcun allarme fault o critical.")
        } else {
            format!("Availability was {pct}: the hourly data records fault time, but no fault or critical alarm is listed for the period.")
        },
        _ => if it {
            format!("La disponibilità è stata del {pct}, senza guasti.")
        } else {
            format!("Availability was {pct}, with no faults.")
        },
    }
}

/// The alarm with the most downtime (a fault, since only faults carry downtime) and the
/// most frequent one, from the same lists as the tables.
fn alarms(s: &Summary, it: bool) -> Option<String> {
    let name = |a: &TopAlarm| {
        if it {
            format!("{} \u{ab}{}\u{bb}", a.code, a.text)
        } else {
            format!("{} \u{201c}{}\u{201d}", a.code, a.text)
        }
    };
    let top = s.top_alarms.first();
    Some(match (s.top_alarms_by_downtime.first(), top) {
        (Some(d), Some(t)) if d.code == t.code => {
            if it {
                format!(
                    "L'allarme più frequente, e quello con il fermo più lungo, è stato {} ({}, {} di fermo).",
                    name(t),
                    times(t.count, true),
                    duration(d.downtime_s)
                )
            } else {
                format!(
                    "The most frequent alarm, and the one with the most downtime, was {} ({}, {} of downtime).",
                    name(t),
                    times(t.count, false),
                    duration(d.downtime_s)
                )
            }
        }
        (Some(d), Some(t)) => {
            if it {
                format!(
                    "Il fermo più lungo è dovuto a {} ({}); l'allarme più frequente è stato {} ({}).",
                    name(d),
                    duration(d.downtime_s),
                    name(t),
                    times(t.count, true)
                )
            } else {
                format!(
                    "The most downtime came from {} ({}); the most frequent alarm was {} ({}).",
                    name(d),
                    duration(d.downtime_s),
                    name(t),
                    times(t.count, false)
                )
            }
        }
        (Some(d), None) => {
            // Not reachable (a code with downtime is also in the list by count), but the
            // fault is named either way.
            if it {
                format!(
                    "Il fermo più lungo è dovuto a {} ({}).",
                    name(d),
                    duration(d.downtime_s)
                )
            } else {
                format!(
                    "The most downtime came from {} ({}).",
                    name(d),
                    duration(d.downtime_s)
                )
            }
        }
        (None, Some(t)) => {
            if it {
                format!(
                    "L'allarme più frequente è stato {} ({}).",
                    name(t),
                    times(t.count, true)
                )
            } else {
                format!(
                    "The most frequent alarm was {} ({}).",
                    name(t),
                    times(t.count, false)
                )
            }
        }
        (None, None) => return None,
    })
}

/// How many breaches and findings the anomalies table holds; only the kinds present.
fn anomalies(s: &Summary, it: bool) -> Option<String> {
    let sum = |breach: bool| -> u64 {
        s.anomalies
            .iter()
            .filter(|a| a.kind.starts_with("breach_") == breach)
            .map(|a| a.count)
            .sum()
    };
    let (breaches, findings) = (sum(true), sum(false));
    let mut parts = Vec::new();
    if breaches > 0 {
        parts.push(if it {
            count(breaches, "superamento di soglia", "superamenti di soglia")
        } else {
            count(breaches, "threshold breach", "threshold breaches")
        });
    }
    if findings > 0 {
        parts.push(if it {
            count(
                findings,
                "problema di qualit\u{e0} dei dati",
                "problemi di qualit\u{e0} dei dati",
            )
        } else {
            count(findings, "data-quality finding", "data-quality findings")
        });
    }
    let one = breaches + findings == 1;
    match (parts.is_empty(), it) {
        (true, _) => None,
        (false, true) => Some(format!(
            "{} {} (vedi Anomalie).",
            if one {
                "È stato registrato"
            } else {
                "Sono stati registrati"
            },
            parts.join(" e ")
        )),
        (false, false) => Some(format!(
            "{} {} recorded (see Anomalies).",
            parts.join(" and "),
            if one { "was" } else { "were" }
        )),
    }
}

/// The completeness sentence(s): what is missing of what was expected, and on which basis.
fn completeness(s: &Summary, it: bool, park: bool, l: &Labels) -> String {
    let c = s.completeness;
    let hours = |x: f64| number(l, x);
    let opening = c.basis == CompletenessBasis::OpeningHours;
    if opening && c.ride_hours_expected == 0.0 {
        return if it {
            "Secondo gli orari di apertura il parco è rimasto chiuso per tutto il periodo.".into()
        } else {
            "By its opening hours the park was closed for the whole period.".into()
        };
    }
    // (singular, plural) of the unit, in the report's language.
    let unit = match (opening, park, it) {
        (true, true, false) => ("ride-hour of opening", "ride-hours of opening"),
        (true, false, false) => ("opening hour", "opening hours"),
        (false, true, false) => ("ride-hour of operation", "ride-hours of operation"),
        (false, false, false) => ("operating hour", "operating hours"),
        (true, true, true) => ("ora-attrazione di apertura", "ore-attrazione di apertura"),
        (true, false, true) => ("ora di apertura", "ore di apertura"),
        (false, true, true) => ("ora-attrazione di esercizio", "ore-attrazione di esercizio"),
        (false, false, true) => ("ora di esercizio", "ore di esercizio"),
    };
    let expected = amount(l, c.ride_hours_expected, unit.0, unit.1);
    let missing = c.ride_hours_expected - c.ride_hours_with_data;
    let mut out = if missing < 0.005 {
        match (it, hours(c.ride_hours_expected) == "1") {
            (false, true) => format!("Data is complete for the 1 {}.", unit.0),
            (false, false) => format!("Data is complete for all {expected}."),
            (true, true) => format!("I dati sono completi per l'unica {}.", unit.0),
            (true, false) => format!("I dati sono completi per tutte le {expected}."),
        }
    } else if it {
        format!(
            "Mancano i dati di {} su {expected} (completezza {}).",
            hours(missing),
            l.percent(c.ratio)
        )
    } else {
        format!(
            "Data is missing for {} of {expected} ({} complete).",
            hours(missing),
            l.percent(c.ratio)
        )
    };
    match c.ride_hours_outside_opening {
        Some(x) if x >= 0.005 => {
            let one = hours(x) == "1";
            out.push_str(&match (it, park, one) {
                (true, true, true) => {
                    " Un'altra ora-attrazione di dati cade fuori dall'orario di apertura.".to_owned()
                }
                (true, false, true) => {
                    " Un'altra ora di dati cade fuori dall'orario di apertura.".to_owned()
                }
                (true, true, false) => format!(
                    " Altre {} ore-attrazione di dati cadono fuori dall'orario di apertura.",
                    hours(x)
                ),
                (true, false, false) => format!(
                    " Altre {} ore di dati cadono fuori dall'orario di apertura.",
                    hours(x)
                ),
                (false, true, true) => {
                    " A further 1 ride-hour of data falls outside opening hours.".to_owned()
                }
                (false, false, true) => {
                    " A further 1 hour of data falls outside opening hours.".to_owned()
                }
                (false, true, false) => format!(
                    " A further {} ride-hours of data fall outside opening hours.",
                    hours(x)
                ),
                (false, false, false) => format!(
                    " A further {} hours of data fall outside opening hours.",
                    hours(x)
                ),
            })
        }
        Some(_) => {}
        None => out.push_str(if it {
            " Orari di apertura non disponibili: la completezza è misurata sull'arco delle ore con dati di ogni giorno."
        } else {
            " No opening hours were given, so completeness is measured against each day's span of hours with data."
        }),
    }
    out
}

#[cfg(test)]
mod tests {
    //! Every count-bearing sentence with 0, 1 and 2, in both languages, ride and park
    //! reports: the count and its noun (and verb) must agree.

    use super::narrative;
    use crate::input::ReportInput;
    use crate::summary::{
        Anomaly, ChannelHealth, Completeness, CompletenessBasis, Day, Summary, TopAlarm,
    };

    fn input(lang: &str, park: bool) -> ReportInput {
        let ride = if park {
            "null"
        } else {
            r#"{ "id": "revo-1", "name": "Revolution Express", "model": "discovery-revolution" }"#
        };
        ReportInput::from_json(
            format!(
                r#"{{ "format": "zamperla.report-input/v1", "language": "{lang}",
                "park": {{ "id": "gardaland", "name": "Gardaland", "timezone": "Europe/Rome" }},
                "ride": {ride}, "period": {{ "start": "2026-05-31T22:00:00Z", "end": "2026-06-02T22:00:00Z" }},
                "hourly": [], "alarms": [] }}"#
            )
            .as_bytes(),
        )
        .unwrap()
    }

    fn alarm(code: &str, text: &str, severity: &str, n: u64, downtime: bool) -> TopAlarm {
        TopAlarm {
            code: code.into(),
            text: text.into(),
            severity: severity.into(),
            count: n,
            active_s: 60.0 * n as f64,
            downtime_s: if downtime { 60.0 * n as f64 } else { 0.0 },
        }
    }

    fn anomaly(kind: &str, count: u64) -> Anomaly {
        Anomaly {
            ride: "revo-1".into(),
            kind: kind.into(),
            channel: None,
            count,
            first: drop_format::UtcInstant("2026-06-01T08:00:00Z".parse().unwrap()),
            worst: None,
            limit: None,
        }
    }

    /// A summary in which every count is `n`: cycles, riders, faults, warnings, the busiest
    /// day's cycles, flagged channels beyond the three named, breaches, findings, opening
    /// hours (all with data) and hours of data outside them. Hours with data: at least 1.
    fn summary(n: u64) -> Summary {
        let day = |date: &str, cycles: u64| Day {
            date: date.into(),
            cycles,
            riders: cycles,
            availability: Some(1.0),
            completeness: None,
            closed: false,
        };
        let top: Vec<TopAlarm> = if n == 0 {
            Vec::new()
        } else {
            vec![
                alarm("E-101", "Main motor overcurrent", "fault", n, true),
                alarm("W-401", "Structure vibration high", "warning", n, false),
            ]
        };
        Summary {
            format: crate::summary::SUMMARY_FORMAT,
            cycles: n,
            riders: n,
            availability: Some(if n == 0 { 1.0 } else { 0.9 }),
            hours_with_data: n.max(1) as f64,
            top_alarms_by_downtime: top.iter().take(1).cloned().collect(),
            top_alarms: top,
            days: vec![day("2026-06-01", n), day("2026-06-02", 0)],
            failures: n,
            warnings: n,
            operating_s: 1800.0 * n as f64,
            mtbf_s: (n > 0).then_some(1800.0),
            mttr_s: (n > 0).then_some(60.0),
            completeness: Completeness {
                basis: CompletenessBasis::OpeningHours,
                ride_hours_with_data: n as f64,
                ride_hours_expected: n as f64,
                ride_hours_outside_opening: Some(n as f64),
                ratio: (n > 0).then_some(1.0),
            },
            channel_health: (0..3 + n)
                .map(|k| ChannelHealth {
                    ride: "revo-1".into(),
                    channel: format!("c{k}.x"),
                    unit: None,
                    limit: Some(1.0),
                    days: Vec::new(),
                    max_p95_peak: 2.0,
                    days_above: 1,
                    flagged: true,
                })
                .collect(),
            anomalies: if n == 0 {
                Vec::new()
            } else {
                vec![anomaly("breach_max", n), anomaly("gap", n)]
            },
            narrative: String::new(),
        }
    }

    fn check(text: &str, expected: &[String]) {
        for e in expected {
            assert!(text.contains(e.as_str()), "{e:?} not in {text:?}");
        }
    }

    #[test]
    fn every_count_agrees_with_its_noun_in_english() {
        for park in [false, true] {
            for n in 0..=2u64 {
                let text = narrative(&input("en", park), &summary(n));
                let (cycles, riders, hours) = match n {
                    0 => ("0 cycles", "0 riders", "1 hour"),
                    1 => ("1 cycle", "1 rider", "1 hour"),
                    _ => ("2 cycles", "2 riders", "2 hours"),
                };
                let mut expected = vec![if park {
                    format!("The rides of Gardaland ran {cycles} with {riders} over {hours} in which at least one ride sent data.")
                } else {
                    format!("Revolution Express ran {cycles} with {riders} over {hours} with data.")
                }];
                let ch = |k: u64| {
                    if park {
                        format!("c{k}.x (revo-1)")
                    } else {
                        format!("c{k}.x")
                    }
                };
                let channels = format!(
                    "Channels whose daily p95 of cycle peaks exceeded the model's threshold on at least one day: {}, {}, {}",
                    ch(0),
                    ch(1),
                    ch(2)
                );
                let (unit_1, unit_n) = if park {
                    ("ride-hour of opening", "ride-hours of opening")
                } else {
                    ("opening hour", "opening hours")
                };
                let (out_1, out_n) = if park {
                    ("ride-hour of data falls", "ride-hours of data fall")
                } else {
                    ("hour of data falls", "hours of data fall")
                };
                match n {
                    0 => {
                        expected.push("Availability was 100.0 %, with no faults.".into());
                        expected.push(format!("{channels}."));
                        expected.push(
                            "By its opening hours the park was closed for the whole period."
                                .into(),
                        );
                        for absent in ["busiest", "alarm", "recorded", "further"] {
                            assert!(!text.contains(absent), "{absent:?} in {text:?}");
                        }
                    }
                    1 => expected.extend([
                        "Availability was 90.0 %, with 1 fault in 30 min 00 s of operation, which took 1 min 00 s to clear.".to_owned(),
                        "The most frequent alarm, and the one with the most downtime, was E-101 \u{201c}Main motor overcurrent\u{201d} (once, 1 min 00 s of downtime).".into(),
                        "1 warning or info alarm was active; it caused no downtime (only fault and critical alarms do).".into(),
                        "The busiest day was 2026-06-01 (1 cycle).".into(),
                        format!("{channels} and 1 more."),
                        "1 threshold breach and 1 data-quality finding were recorded (see Anomalies).".into(),
                        format!("Data is complete for the 1 {unit_1}. A further 1 {out_1} outside opening hours."),
                    ]),
                    _ => expected.extend([
                        "Availability was 90.0 %, with 2 faults: on average one every 30 min 00 s of operation, each taking 1 min 00 s to clear.".to_owned(),
                        "The most frequent alarm, and the one with the most downtime, was E-101 \u{201c}Main motor overcurrent\u{201d} (2 times, 2 min 00 s of downtime).".into(),
                        "2 warning or info alarms were active; they caused no downtime (only fault and critical alarms do).".into(),
                        "The busiest day was 2026-06-01 (2 cycles).".into(),
                        format!("{channels} and 2 more."),
                        "2 threshold breaches and 2 data-quality findings were recorded (see Anomalies).".into(),
                        format!("Data is complete for all 2 {unit_n}. A further 2 {out_n} outside opening hours."),
                    ]),
                }
                check(&text, &expected);
            }
        }
    }

    #[test]
    fn every_count_agrees_with_its_noun_in_italian() {
        for park in [false, true] {
            for n in 0..=2u64 {
                let text = narrative(&input("it", park), &summary(n));
                let (cycles, riders, hours) = match n {
                    0 => ("0 cicli", "0 passeggeri", "1 ora"),
                    1 => ("1 ciclo", "1 passeggero", "1 ora"),
                    _ => ("2 cicli", "2 passeggeri", "2 ore"),
                };
                let mut expected = vec![if park {
                    format!("Le attrazioni di Gardaland hanno effettuato {cycles} con {riders} in {hours} in cui almeno un'attrazione ha inviato dati.")
                } else {
                    format!("Revolution Express ha effettuato {cycles} con {riders} in {hours} con dati.")
                }];
                let ch = |k: u64| {
                    if park {
                        format!("c{k}.x (revo-1)")
                    } else {
                        format!("c{k}.x")
                    }
                };
                let channels = format!(
                    "Canali sopra soglia (p95 giornaliero dei picchi per ciclo) in almeno un giorno: {}, {}, {}",
                    ch(0),
                    ch(1),
                    ch(2)
                );
                let (unit_1, unit_n) = if park {
                    ("ora-attrazione di apertura", "ore-attrazione di apertura")
                } else {
                    ("ora di apertura", "ore di apertura")
                };
                let (out_1, out_n) = if park {
                    (
                        "Un'altra ora-attrazione di dati cade",
                        "Altre 2 ore-attrazione di dati cadono",
                    )
                } else {
                    ("Un'altra ora di dati cade", "Altre 2 ore di dati cadono")
                };
                match n {
                    0 => {
                        expected.push("La disponibilità è stata del 100,0 %, senza guasti.".into());
                        expected.push(format!("{channels}."));
                        expected.push(
                            "Secondo gli orari di apertura il parco è rimasto chiuso per tutto il periodo."
                                .into(),
                        );
                        for absent in ["giorno con più cicli", "allarm", "registrat", "Altre", "altra"] {
                            assert!(!text.contains(absent), "{absent:?} in {text:?}");
                        }
                    }
                    1 => expected.extend([
                        "La disponibilità è stata del 90,0 %, con 1 guasto in 30 min 00 s di funzionamento, risolto in 1 min 00 s.".to_owned(),
                        "L'allarme più frequente, e quello con il fermo più lungo, è stato E-101 \u{ab}Main motor overcurrent\u{bb} (1 volta, 1 min 00 s di fermo).".into(),
                        "1 allarme di avviso o informativo è stato attivo, senza causare fermo (solo gli allarmi fault e critical lo causano).".into(),
                        "Il giorno con più cicli è stato il 2026-06-01 (1 ciclo).".into(),
                        format!("{channels} e un altro."),
                        "Sono stati registrati 1 superamento di soglia e 1 problema di qualità dei dati (vedi Anomalie).".into(),
                        format!("I dati sono completi per l'unica {unit_1}. {out_1} fuori dall'orario di apertura."),
                    ]),
                    _ => expected.extend([
                        "La disponibilità è stata del 90,0 %, con 2 guasti: in media uno ogni 30 min 00 s di funzionamento, ciascuno risolto in 1 min 00 s.".to_owned(),
                        "L'allarme più frequente, e quello con il fermo più lungo, è stato E-101 \u{ab}Main motor overcurrent\u{bb} (2 volte, 2 min 00 s di fermo).".into(),
                        "2 allarmi di avviso o informativi sono stati attivi, senza causare fermo (solo gli allarmi fault e critical lo causano).".into(),
                        "Il giorno con più cicli è stato il 2026-06-01 (2 cicli).".into(),
                        format!("{channels} e altri 2."),
                        "Sono stati registrati 2 superamenti di soglia e 2 problemi di qualità dei dati (vedi Anomalie).".into(),
                        format!("I dati sono completi per tutte le 2 {unit_n}. {out_n} fuori dall'orario di apertura."),
                    ]),
                }
                check(&text, &expected);
            }
        }
    }

    #[test]
    fn single_kinds_of_anomaly_missing_hours_and_no_data_agree_too() {
        let cases: [(&str, u64, u64, &str); 6] = [
            (
                "en",
                1,
                0,
                "1 threshold breach was recorded (see Anomalies).",
            ),
            (
                "en",
                0,
                1,
                "1 data-quality finding was recorded (see Anomalies).",
            ),
            (
                "en",
                0,
                2,
                "2 data-quality findings were recorded (see Anomalies).",
            ),
            (
                "it",
                1,
                0,
                "È stato registrato 1 superamento di soglia (vedi Anomalie).",
            ),
            (
                "it",
                0,
                1,
                "È stato registrato 1 problema di qualità dei dati (vedi Anomalie).",
            ),
            (
                "it",
                2,
                0,
                "Sono stati registrati 2 superamenti di soglia (vedi Anomalie).",
            ),
        ];
        for (lang, breaches, findings, sentence) in cases {
            let mut s = summary(1);
            s.anomalies = [("breach_max", breaches), ("gap", findings)]
                .into_iter()
                .filter(|k| k.1 > 0)
                .map(|(k, c)| anomaly(k, c))
                .collect();
            check(&narrative(&input(lang, false), &s), &[sentence.to_owned()]);
        }

        // Missing hours: the unit agrees with the hours expected.
        for (lang, expected, basis, sentence) in [
            (
                "en",
                1.0,
                CompletenessBasis::OpeningHours,
                "Data is missing for 1 of 1 opening hour (0.0 % complete).",
            ),
            (
                "en",
                2.0,
                CompletenessBasis::OpeningHours,
                "Data is missing for 2 of 2 opening hours (0.0 % complete).",
            ),
            (
                "en",
                1.0,
                CompletenessBasis::DataSpan,
                "Data is missing for 1 of 1 operating hour (0.0 % complete).",
            ),
            (
                "it",
                1.0,
                CompletenessBasis::OpeningHours,
                "Mancano i dati di 1 su 1 ora di apertura (completezza 0,0 %).",
            ),
            (
                "it",
                2.0,
                CompletenessBasis::DataSpan,
                "Mancano i dati di 2 su 2 ore di esercizio (completezza 0,0 %).",
            ),
            (
                "it",
                1.5,
                CompletenessBasis::OpeningHours,
                "Mancano i dati di 1,5 su 1,5 ore di apertura (completezza 0,0 %).",
            ),
        ] {
            let mut s = summary(1);
            s.completeness = Completeness {
                basis,
                ride_hours_with_data: 0.0,
                ride_hours_expected: expected,
                ride_hours_outside_opening: (basis == CompletenessBasis::OpeningHours)
                    .then_some(0.0),
                ratio: Some(0.0),
            };
            check(&narrative(&input(lang, false), &s), &[sentence.to_owned()]);
        }

        for (lang, sentence) in [
            (
                "en",
                "No data was received for Revolution Express in this period.",
            ),
            (
                "it",
                "Nessun dato ricevuto per Revolution Express in questo periodo.",
            ),
        ] {
            let mut s = summary(0);
            s.hours_with_data = 0.0;
            assert_eq!(narrative(&input(lang, false), &s), sentence);
        }
    }
}
