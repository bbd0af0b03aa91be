use sha2::{Digest, Sha256};

/// The drop's identity: SHA-256 of the lines `"{path}\t{sha256}\n"`, one per entry (the
/// manifest included), sorted by path in byte order. Independent of compression, entry
/// order, timestamps and the zip's file name.
pub fn content_id<'a>(entries: impl IntoIterator<Item = (&'a str, &'a str)>) -> String {
    let mut lines: Vec<(&str, &str)> = entries.into_iter().collect();
    lines.sort_unstable();
    let mut h = Sha256::new();
    for (path, sha) in lines {
        h.update(path.as_bytes());
        h.update(b"\t");
        h.update(sha.as_bytes());
        h.update(b"\n");
    }
    hex(&h.finalize())
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn is_independent_of_entry_order() {
        let a = content_id([("manifest.json", "aa"), ("cycles.json", "bb")]);
        let b = content_id([("cycles.json", "bb"), ("manifest.json", "aa")]);
        assert_eq!(a, b);
        // sha256("cycles.json\tbb\nmanifest.json\taa\n")
        let expected = hex(&Sha256::digest(b"cycles.json\tbb\nmanifest.json\taa\n"));
        assert_eq!(a, expected);
    }
}
