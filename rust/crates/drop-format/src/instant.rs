use std::fmt;

use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, SecondsFormat, Utc};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// An instant in UTC, written ISO 8601 with a `Z` suffix, as zod's `z.iso.datetime()`
/// accepts it: `YYYY-MM-DDTHH:MM[:SS[.fraction]]Z`, no offsets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct UtcInstant(pub DateTime<Utc>);

impl fmt::Display for UtcInstant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&format_utc_instant(self.0))
    }
}

impl<'de> Deserialize<'de> for UtcInstant {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        parse_utc_instant(&s).map(UtcInstant).ok_or_else(|| {
            serde::de::Error::custom(format!(
                "expected a UTC instant like 2026-03-29T01:00:00Z, got {s:?}"
            ))
        })
    }
}

impl Serialize for UtcInstant {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&format_utc_instant(self.0))
    }
}

/// Parses an instant the way zod's `z.iso.datetime()` accepts it; `None` otherwise.
///
/// Read to the millisecond, as JavaScript's `Date.parse` reads it (the TypeScript verifier
/// compares instants that way): further fraction digits are accepted, as zod accepts any
/// number of them, and ignored, so both verifiers order and compare instants alike.
pub fn parse_utc_instant(s: &str) -> Option<DateTime<Utc>> {
    let b = s.as_bytes();
    let digits = |r: std::ops::Range<usize>| -> Option<u32> {
        let part = b.get(r)?;
        if part.iter().all(u8::is_ascii_digit) {
            std::str::from_utf8(part).ok()?.parse().ok()
        } else {
            None
        }
    };
    if b.len() < 17 || b[4] != b'-' || b[7] != b'-' || b[10] != b'T' || b[13] != b':' {
        return None;
    }
    if *b.last()? != b'Z' {
        return None;
    }
    let date = NaiveDate::from_ymd_opt(digits(0..4)? as i32, digits(5..7)?, digits(8..10)?)?;
    let (hour, minute) = (digits(11..13)?, digits(14..16)?);
    let rest = &b[16..b.len() - 1];
    let (second, nanos) = match rest {
        [] => (0, 0),
        [b':', s1, s2] => (
            digits(17..19).filter(|_| s1.is_ascii_digit() && s2.is_ascii_digit())?,
            0,
        ),
        [b':', _, _, b'.', frac @ ..] if !frac.is_empty() => {
            if !frac.iter().all(u8::is_ascii_digit) {
                return None;
            }
            let mut millis = 0u32;
            for i in 0..3 {
                millis = millis * 10 + frac.get(i).map_or(0, |d| u32::from(d - b'0'));
            }
            (digits(17..19)?, millis * 1_000_000)
        }
        _ => return None,
    };
    if hour > 23 || minute > 59 || second > 59 {
        return None;
    }
    let time = NaiveTime::from_hms_nano_opt(hour, minute, second, nanos)?;
    Some(NaiveDateTime::new(date, time).and_utc())
}

/// Formats an instant as ISO 8601 UTC with `Z`, with a fraction only when there is one
/// (3, 6 or 9 digits), so output is stable and as short as it can be.
pub fn format_utc_instant(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::AutoSi, true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_what_zod_accepts() {
        for ok in [
            "2026-03-29T01:00:00Z",
            "2026-03-29T01:00Z",
            "2026-03-29T01:00:00.5Z",
            "2024-02-29T23:59:59.123456789123Z",
        ] {
            assert!(parse_utc_instant(ok).is_some(), "{ok}");
        }
        for bad in [
            "2026-03-29T01:00:00+02:00",
            "2026-03-29T01:00:00",
            "2025-02-29T00:00:00Z",
            "2026-03-29T24:00:00Z",
            "2026-03-29T01:00:60Z",
            "2026-03-29 01:00:00Z",
            "2026-03-29T01:00:00.Z",
        ] {
            assert!(parse_utc_instant(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn reads_to_the_millisecond_as_javascript_does() {
        // Date.parse("…00.0009Z") is the whole second; "…00.9999Z" is …00.999.
        let t = |s: &str| format_utc_instant(parse_utc_instant(s).unwrap());
        assert_eq!(t("2026-06-01T10:00:00.0009Z"), "2026-06-01T10:00:00Z");
        assert_eq!(t("2026-06-01T10:00:00.9999Z"), "2026-06-01T10:00:00.999Z");
        assert_eq!(
            parse_utc_instant("2026-06-01T10:00:00.0001Z"),
            parse_utc_instant("2026-06-01T10:00:00Z")
        );
    }

    #[test]
    fn formats_without_needless_fraction() {
        let t = parse_utc_instant("2026-03-29T01:00:00Z").unwrap();
        assert_eq!(format_utc_instant(t), "2026-03-29T01:00:00Z");
        let t = parse_utc_instant("2026-03-29T01:00:00.02Z").unwrap();
        assert_eq!(format_utc_instant(t), "2026-03-29T01:00:00.020Z");
    }
}
