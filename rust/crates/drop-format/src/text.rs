//! Hand-written equivalents of the zod string patterns, so the crate needs no regex engine.

/// Length as JavaScript counts it (UTF-16 code units), which is what zod's `min`/`max` see.
pub(crate) fn js_len(s: &str) -> usize {
    s.encode_utf16().count()
}

/// `^[a-z0-9][a-z0-9-]{0,62}$`
pub(crate) fn is_slug(s: &str) -> bool {
    let b = s.as_bytes();
    !b.is_empty()
        && b.len() <= 63
        && (b[0].is_ascii_lowercase() || b[0].is_ascii_digit())
        && b.iter()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'-')
}

/// `^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$`
pub(crate) fn is_channel_name(s: &str) -> bool {
    fn part(p: &str) -> bool {
        let b = p.as_bytes();
        !b.is_empty()
            && b[0].is_ascii_lowercase()
            && b.iter()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'_')
    }
    match s.split_once('.') {
        Some((a, b)) => part(a) && part(b),
        None => false,
    }
}

/// `^[0-9a-f]{64}$`
pub(crate) fn is_sha256_hex(s: &str) -> bool {
    s.len() == 64
        && s.bytes()
            .all(|c| c.is_ascii_digit() || (b'a'..=b'f').contains(&c))
}

/// The manifest's `entryPathSchema`: 1–200 characters of `[A-Za-z0-9._-/]`, relative,
/// no empty, `.` or `..` segment.
pub(crate) fn is_safe_entry_path(s: &str) -> bool {
    (1..=200).contains(&s.len())
        && s.bytes()
            .all(|c| c.is_ascii_alphanumeric() || b"._-/".contains(&c))
        && !s.starts_with('/')
        && !s.contains("//")
        && s.split('/').all(|seg| seg != "." && seg != "..")
}

/// `^[A-Z][A-Z0-9-]{1,31}$`, the alarm codes of a ride model's alarm table.
pub(crate) fn is_alarm_code(s: &str) -> bool {
    let b = s.as_bytes();
    (2..=32).contains(&b.len())
        && b[0].is_ascii_uppercase()
        && b.iter()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || *c == b'-')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entry_paths_follow_the_manifest_schema() {
        assert!(is_safe_entry_path("telemetry/main_motor.current.json"));
        assert!(is_safe_entry_path("cycles.json"));
        for bad in [
            "",
            "/abs.json",
            "a//b",
            "../evil.json",
            "a/./b",
            "a/..",
            "a\\b",
            "c:x",
            "é",
        ] {
            assert!(!is_safe_entry_path(bad), "{bad}");
        }
    }

    #[test]
    fn names_follow_the_zod_patterns() {
        assert!(is_slug("gardaland") && is_slug("0-a") && !is_slug("-a") && !is_slug("A"));
        assert!(is_channel_name("main_motor.current") && !is_channel_name("main.motor.x"));
        assert!(is_alarm_code("E-101") && !is_alarm_code("E") && !is_alarm_code("e-1"));
    }
}
