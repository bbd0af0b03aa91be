use chrono::{DateTime, NaiveDateTime, Utc};

/// The parts of a canonical drop file name, `{park}_{ride}_{YYYYMMDDTHHMMSSZ}_{seq}.zip`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DropFileName {
    /// Park id.
    pub park: String,
    /// Ride id.
    pub ride: String,
    /// Window start.
    pub window_start: DateTime<Utc>,
    /// Sequence number.
    pub sequence: u64,
}

/// Parses a canonical drop file name (no directory); `None` for anything else, like
/// TypeScript's `parseDropFileName`.
pub fn parse_drop_file_name(name: &str) -> Option<DropFileName> {
    fn id(s: &str) -> bool {
        let b = s.as_bytes();
        !b.is_empty()
            && (b[0].is_ascii_lowercase() || b[0].is_ascii_digit())
            && b.iter()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'-')
    }
    let stem = name.strip_suffix(".zip")?;
    // Ids cannot contain `_`, so the split is unambiguous.
    let parts: Vec<&str> = stem.split('_').collect();
    let [park, ride, stamp, seq] = parts.as_slice() else {
        return None;
    };
    if !id(park) || !id(ride) || seq.is_empty() || !seq.bytes().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let st = stamp.as_bytes();
    if st.len() != 16 || st[8] != b'T' || st[15] != b'Z' {
        return None;
    }
    let window_start = NaiveDateTime::parse_from_str(&stamp[..15], "%Y%m%dT%H%M%S")
        .ok()?
        .and_utc();
    Some(DropFileName {
        park: (*park).to_owned(),
        ride: (*ride).to_owned(),
        window_start,
        sequence: seq.parse().ok()?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_canonical_names_only() {
        let n = parse_drop_file_name("gardaland_disko-1_20260329T010000Z_42.zip").unwrap();
        assert_eq!(
            (n.park.as_str(), n.ride.as_str(), n.sequence),
            ("gardaland", "disko-1", 42)
        );
        assert_eq!(n.window_start.to_rfc3339(), "2026-03-29T01:00:00+00:00");
        assert!(parse_drop_file_name("0123abcd.zip").is_none());
        assert!(parse_drop_file_name("a_b_20261399T000000Z_1.zip").is_none());
        assert!(parse_drop_file_name("a_b_20260329T010000Z_1.json").is_none());
    }
}
