//! The report's plain-language paragraph, written from the summary's numbers in English or
//! Italian. Sentences are chosen by the numbers (no faults, complete data, …) so that the
//! paragraph never states something the tables do not show.

use crate::input::{Language, ReportInput};
use crate::labels::{duration, Labels};
use crate::summary::{CompletenessBasis, Summary};
use crate::view::number;

/// The paragraph for `summary` of `input`, in the input's language.
pub(crate) fn narrative(input: &ReportInput, s: &Summary) -> String {
    let l = Labels::of(input.language);
    let subject = match &input.ride {
        Some(r) => r.name.as_str(),
        None => input.park.name.as_str(),
    };
    let it = input.language == Language::It;
    if s.hours_with_data == 0 {
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
    out.push(match (it, park) {
        (true, false) => format!(
            "{subject} ha effettuato {} cicli con {} passeggeri in {} ore con dati.",
            s.cycles, s.riders, s.hours_with_data
        ),
        (true, true) => format!(
            "Le attrazioni di {subject} hanno effettuato {} cicli con {} passeggeri in {} ore in cui almeno un'attrazione ha inviato dati.",
            s.cycles, s.riders, s.hours_with_data
        ),
        (false, false) => format!(
            "{subject} ran {} cycles with {} riders over {} hours with data.",
            s.cycles, s.riders, s.hours_with_data
        ),
        (false, true) => format!(
            "The rides of {subject} ran {} cycles with {} riders over {} hours in which at least one ride sent data.",
            s.cycles, s.riders, s.hours_with_data
        ),
    });

    let pct = l.percent(s.availability);
    out.push(match (s.mtbf_s, s.mttr_s, it) {
        (Some(mtbf), Some(mttr), false) => format!(
            "Availability was {pct}, with {} {}: on average one every {} of operation, each taking {} to clear.",
            s.failures,
            if s.failures == 1 { "fault" } else { "faults" },
            duration(mtbf),
            duration(mttr)
        ),
        (Some(mtbf), Some(mttr), true) => format!(
            "La disponibilità è stata del {pct}, con {} {}: in media uno ogni {} di funzionamento, risolto in {}.",
            s.failures,
            if s.failures == 1 { "guasto" } else { "guasti" },
            duration(mtbf),
            duration(mttr)
        ),
        (_, _, false) => format!("Availability was {pct}, with no faults."),
        (_, _, true) => format!("La disponibilità è stata del {pct}, senza guasti."),
    });

    if let Some(top) = s.top_alarms.first() {
        let mut sentence = if it {
            format!(
                "L'allarme più frequente è stato {} \u{ab}{}\u{bb} ({} volte)",
                top.code, top.text, top.count
            )
        } else {
            format!(
                "The most frequent alarm was {} \u{201c}{}\u{201d} ({} times)",
                top.code, top.text, top.count
            )
        };
        if let Some(long) = s
            .top_alarms_by_downtime
            .first()
            .filter(|d| d.code != top.code)
        {
            sentence += &if it {
                format!(
                    "; il fermo più lungo è dovuto a {} \u{ab}{}\u{bb} ({})",
                    long.code,
                    long.text,
                    duration(long.downtime_s)
                )
            } else {
                format!(
                    "; the most downtime came from {} \u{201c}{}\u{201d} ({})",
                    long.code,
                    long.text,
                    duration(long.downtime_s)
                )
            };
        }
        sentence.push('.');
        out.push(sentence);
    }

    let busiest = s
        .days
        .iter()
        .filter(|d| d.cycles > 0)
        .max_by(|a, b| a.cycles.cmp(&b.cycles).then(b.date.cmp(&a.date)));
    if let Some(d) = busiest.filter(|_| s.days.len() > 1) {
        out.push(if it {
            format!(
                "Il giorno con più cicli è stato il {} ({} cicli).",
                d.date, d.cycles
            )
        } else {
            format!("The busiest day was {} ({} cycles).", d.date, d.cycles)
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
        let more = flagged.len().saturating_sub(3);
        let mut list = names.join(", ");
        if more > 0 {
            list += &if it {
                format!(" e altri {more}")
            } else {
                format!(" and {more} more")
            };
        }
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

    let breaches: u64 = s
        .anomalies
        .iter()
        .filter(|a| a.kind.starts_with("breach_"))
        .map(|a| a.count)
        .sum();
    let findings: u64 = s
        .anomalies
        .iter()
        .filter(|a| !a.kind.starts_with("breach_"))
        .map(|a| a.count)
        .sum();
    if breaches + findings > 0 {
        out.push(if it {
            format!(
                "Registrati {breaches} {} di soglia e {findings} {} di qualit\u{e0} dei dati (vedi Anomalie).",
                if breaches == 1 { "superamento" } else { "superamenti" },
                if findings == 1 { "problema" } else { "problemi" }
            )
        } else {
            format!(
                "{breaches} threshold {} and {findings} data-quality {} were recorded (see Anomalies).",
                if breaches == 1 { "breach" } else { "breaches" },
                if findings == 1 { "finding" } else { "findings" }
            )
        });
    }

    out.push(completeness(s, it, park, l));
    out.join(" ")
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
    let (unit_en, unit_it) = match (opening, park) {
        (true, true) => ("ride-hours of opening", "ore-attrazione di apertura"),
        (true, false) => ("opening hours", "ore di apertura"),
        (false, true) => ("ride-hours of operation", "ore-attrazione di esercizio"),
        (false, false) => ("operating hours", "ore di esercizio"),
    };
    let n = hours(c.ride_hours_expected);
    let missing = c.ride_hours_expected - c.ride_hours_with_data;
    let mut out = if missing < 0.005 {
        if it {
            format!("I dati sono completi per tutte le {n} {unit_it}.")
        } else {
            format!("Data is complete for all {n} {unit_en}.")
        }
    } else if it {
        format!(
            "Mancano i dati di {} su {n} {unit_it} (completezza {}).",
            hours(missing),
            l.percent(c.ratio)
        )
    } else {
        format!(
            "Data is missing for {} of {n} {unit_en} ({} complete).",
            hours(missing),
            l.percent(c.ratio)
        )
    };
    match c.ride_hours_outside_opening {
        Some(x) if x >= 0.005 => out.push_str(&match (it, park) {
            (true, true) => format!(
                " Altre {} ore-attrazione di dati cadono fuori dall'orario di apertura.",
                hours(x)
            ),
            (true, false) => format!(
                " Altre {} ore di dati cadono fuori dall'orario di apertura.",
                hours(x)
            ),
            (false, true) => format!(
                " A further {} ride-hours of data fall outside opening hours.",
                hours(x)
            ),
            (false, false) => format!(
                " A further {} hours of data fall outside opening hours.",
                hours(x)
            ),
        }),
        Some(_) => {}
        None => out.push_str(if it {
            " Orari di apertura non disponibili: la completezza è misurata sull'arco delle ore con dati di ogni giorno."
        } else {
            " No opening hours were given, so completeness is measured against each day's span of hours with data."
        }),
    }
    out
}
