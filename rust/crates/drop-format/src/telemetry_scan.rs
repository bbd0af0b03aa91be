//! A hand-written reader for `telemetry/{channel}.json`, the bulk of every drop.
//!
//! `serde_json::from_reader` handles a reader byte by byte through `io::Bytes` and was most
//! of the postprocessor's time. This reader keeps its own 64 KiB buffer and scans the
//! `values` array in place. It accepts exactly what `serde_json` accepts for a
//! [`TelemetryFile`](crate::TelemetryFile) and yields bit-identical numbers:
//!
//! - a number whose decimal significand is below 2^53 and whose decimal exponent is within
//!   ±22 is computed with the operation `serde_json` uses (without `float_roundtrip`):
//!   `significand as f64` times or divided by an exact power of ten, one rounding;
//! - any other number, and every string, is handed to `serde_json` itself as a token, so
//!   the rare cases (long significands, large exponents, escapes, invalid UTF-8) behave
//!   exactly as before.
//!
//! The property tests at the end compare both on random and mutated documents.

use std::io::Read;

use crate::instant::UtcInstant;

const BUF: usize = 64 * 1024;
/// Bytes made available before a number is scanned; longer tokens take the slow path.
const NUMBER_WINDOW: usize = 40;

/// Exact powers of ten (every one up to 1e22 is representable).
const POW10: [f64; 23] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16,
    1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
];

/// A telemetry object's header fields and what to do with its values.
pub(crate) trait ValuesHandler {
    /// The header is known and `values` starts: whether samples should be streamed.
    fn header_ready(&mut self, header: &Header) -> Result<(), String>;
    /// One sample, in file order.
    fn sample(&mut self, value: Option<f64>);
}

/// The fields other than `values`, as parsed.
#[derive(Debug, Default, Clone, PartialEq)]
pub(crate) struct Header {
    pub channel: Option<String>,
    pub unit: Option<String>,
    pub rate_hz: Option<f64>,
    pub start: Option<UtcInstant>,
}

impl Header {
    fn complete(&self) -> bool {
        self.channel.is_some()
            && self.unit.is_some()
            && self.rate_hz.is_some()
            && self.start.is_some()
    }
}

/// What [`scan`] found: the header, and the values if they came before the header was
/// complete (then they were buffered, not streamed).
pub(crate) struct Scanned {
    pub header: Header,
    pub buffered: Option<Vec<Option<f64>>>,
}

struct Input<R> {
    r: R,
    buf: Box<[u8]>,
    pos: usize,
    end: usize,
    eof: bool,
    /// Bytes consumed before `buf[0]`, for messages.
    base: u64,
}

fn is_ws(b: u8) -> bool {
    matches!(b, b' ' | b'\n' | b'\r' | b'\t')
}

fn is_number_byte(b: u8) -> bool {
    matches!(b, b'0'..=b'9' | b'-' | b'+' | b'.' | b'e' | b'E')
}

impl<R: Read> Input<R> {
    fn new(r: R) -> Self {
        Self {
            r,
            buf: vec![0; BUF].into_boxed_slice(),
            pos: 0,
            end: 0,
            eof: false,
            base: 0,
        }
    }

    fn offset(&self) -> u64 {
        self.base + self.pos as u64
    }

    /// Makes at least `want` bytes available unless the input ends first.
    fn fill(&mut self, want: usize) -> Result<(), String> {
        if self.end - self.pos >= want || self.eof {
            return Ok(());
        }
        self.buf.copy_within(self.pos..self.end, 0);
        self.base += self.pos as u64;
        self.end -= self.pos;
        self.pos = 0;
        while self.end < want && !self.eof {
            match self.r.read(&mut self.buf[self.end..]) {
                Ok(0) => self.eof = true,
                Ok(n) => self.end += n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Err(format!("cannot read the entry: {e}")),
            }
        }
        Ok(())
    }

    /// The next byte that is not whitespace, not consumed; `None` at the end.
    fn peek_token(&mut self) -> Result<Option<u8>, String> {
        loop {
            while self.pos < self.end {
                let b = self.buf[self.pos];
                if !is_ws(b) {
                    return Ok(Some(b));
                }
                self.pos += 1;
            }
            if self.eof {
                return Ok(None);
            }
            self.fill(1)?;
        }
    }

    fn err(&self, what: &str) -> String {
        format!("{what} at byte {}", self.offset())
    }

    fn expect(&mut self, byte: u8, what: &str) -> Result<(), String> {
        match self.peek_token()? {
            Some(b) if b == byte => {
                self.pos += 1;
                Ok(())
            }
            Some(_) => Err(self.err(&format!("expected {what}"))),
            None => Err(self.err(&format!("expected {what}, found the end of the file"))),
        }
    }

    /// The raw bytes of a string token, quotes included (`serde_json` decodes it).
    fn string_token(&mut self) -> Result<Vec<u8>, String> {
        self.expect(b'"', "a string")?;
        let mut tok = vec![b'"'];
        let mut escaped = false;
        loop {
            if self.pos == self.end {
                self.fill(1)?;
                if self.pos == self.end {
                    return Err(self.err("unterminated string"));
                }
            }
            let b = self.buf[self.pos];
            self.pos += 1;
            tok.push(b);
            if escaped {
                escaped = false;
            } else if b == b'\\' {
                escaped = true;
            } else if b == b'"' {
                return Ok(tok);
            }
        }
    }

    /// A number token (maximal run of number characters): `Ok((start, end))` within the
    /// buffer when it ends inside it, `Err(bytes so far)` when it runs to the buffer's end.
    fn number_token(&mut self) -> Result<(usize, usize), Vec<u8>> {
        let start = self.pos;
        let mut i = start;
        while i < self.end && is_number_byte(self.buf[i]) {
            i += 1;
        }
        if i < self.end || self.eof {
            self.pos = i;
            return Ok((start, i));
        }
        Err(self.buf[start..i].to_vec())
    }

    /// A JSON number, parsed as `serde_json` parses an `f64`.
    #[inline]
    fn number(&mut self) -> Result<f64, String> {
        if self.end - self.pos < NUMBER_WINDOW {
            self.fill(NUMBER_WINDOW)?;
        }
        // One pass over the common case: the digits are read while the token is found.
        let avail = &self.buf[self.pos..self.end];
        if let Some((x, len)) = fast_number(avail) {
            let ends = match avail.get(len) {
                Some(&b) => !is_number_byte(b),
                None => self.eof,
            };
            if ends {
                self.pos += len;
                return Ok(x);
            }
        }
        self.slow_number()
    }

    /// Any other number: its whole token goes to `serde_json`.
    #[cold]
    fn slow_number(&mut self) -> Result<f64, String> {
        match self.number_token() {
            Ok((s, e)) => slow_number(&self.buf[s..e]).map_err(|m| self.err(&m)),
            Err(mut tok) => {
                // A token longer than the window: gather it across refills.
                self.pos = self.end;
                loop {
                    self.fill(1)?;
                    if self.pos == self.end {
                        break;
                    }
                    let b = self.buf[self.pos];
                    if !is_number_byte(b) {
                        break;
                    }
                    tok.push(b);
                    self.pos += 1;
                }
                slow_number(&tok).map_err(|m| self.err(&m))
            }
        }
    }

    /// `null` or a number.
    fn sample(&mut self) -> Result<Option<f64>, String> {
        match self.peek_token()? {
            Some(b'n') => {
                self.fill(4)?;
                if self.buf[self.pos..self.end].starts_with(b"null") {
                    self.pos += 4;
                    Ok(None)
                } else {
                    Err(self.err("expected a number or null"))
                }
            }
            Some(b'-' | b'0'..=b'9') => self.number().map(Some),
            _ => Err(self.err("expected a number or null")),
        }
    }

    fn values(&mut self, mut out: impl FnMut(Option<f64>)) -> Result<(), String> {
        self.expect(b'[', "the values array")?;
        if self.peek_token()? == Some(b']') {
            self.pos += 1;
            return Ok(());
        }
        loop {
            out(self.sample()?);
            match self.peek_token()? {
                Some(b',') => self.pos += 1,
                Some(b']') => {
                    self.pos += 1;
                    return Ok(());
                }
                _ => return Err(self.err("expected , or ] in values")),
            }
        }
    }
}

/// The number `serde_json` would parse from the start of `tok` and the length it took, when
/// it is simple enough to compute the same way here; `None` sends it to [`slow_number`].
/// The caller checks that the token really ends there.
#[inline]
fn fast_number(tok: &[u8]) -> Option<(f64, usize)> {
    const LIMIT: u64 = 1 << 53;
    let (negative, mut i) = match tok.first()? {
        b'-' => (true, 1),
        _ => (false, 0),
    };
    let mut s: u64 = 0;
    match tok.get(i)? {
        b'0' => i += 1,
        b'1'..=b'9' => {
            while let Some(&d @ b'0'..=b'9') = tok.get(i) {
                s = s * 10 + u64::from(d - b'0');
                if s >= LIMIT {
                    return None;
                }
                i += 1;
            }
        }
        _ => return None,
    }
    let mut exp: i32 = 0;
    if tok.get(i) == Some(&b'.') {
        i += 1;
        let first = i;
        while let Some(&d @ b'0'..=b'9') = tok.get(i) {
            s = s * 10 + u64::from(d - b'0');
            if s >= LIMIT {
                return None;
            }
            exp -= 1;
            i += 1;
        }
        if i == first {
            return None;
        }
    }
    if matches!(tok.get(i), Some(b'e' | b'E')) {
        i += 1;
        let sign = match tok.get(i) {
            Some(b'-') => {
                i += 1;
                -1
            }
            Some(b'+') => {
                i += 1;
                1
            }
            _ => 1,
        };
        let first = i;
        let mut e: i32 = 0;
        while let Some(&d @ b'0'..=b'9') = tok.get(i) {
            e = e * 10 + i32::from(d - b'0');
            if e > 1000 {
                return None;
            }
            i += 1;
        }
        if i == first {
            return None;
        }
        exp += sign * e;
    }
    if !(-22..=22).contains(&exp) {
        return None;
    }
    let pow = POW10[exp.unsigned_abs() as usize];
    let mut f = s as f64;
    if exp >= 0 {
        f *= pow;
    } else {
        f /= pow;
    }
    Some((if negative { -f } else { f }, i))
}

fn slow_number(tok: &[u8]) -> Result<f64, String> {
    serde_json::from_slice::<f64>(tok).map_err(|e| format!("invalid number ({e})"))
}

fn decode<T: serde::de::DeserializeOwned>(tok: &[u8]) -> Result<T, String> {
    serde_json::from_slice(tok).map_err(|e| e.to_string())
}

/// Parses one telemetry object from `reader`. The header goes to `handler` as soon as it is
/// complete and `values` begins; values before a complete header are buffered and returned.
pub(crate) fn scan<R: Read, H: ValuesHandler>(
    reader: R,
    handler: &mut H,
) -> Result<Scanned, String> {
    let mut input = Input::new(reader);
    let mut header = Header::default();
    let mut buffered: Option<Vec<Option<f64>>> = None;
    let mut streamed = false;
    input.expect(
        b'{',
        "a telemetry object {channel, unit, rateHz, start, values}",
    )?;
    if input.peek_token()? == Some(b'}') {
        input.pos += 1;
    } else {
        loop {
            let raw = input.string_token()?;
            let key: String = if raw.contains(&b'\\') {
                decode(&raw)?
            } else {
                String::from_utf8(raw[1..raw.len() - 1].to_vec())
                    .map_err(|_| input.err("a key is not UTF-8"))?
            };
            input.expect(b':', ":")?;
            let duplicate = || format!("duplicate field `{key}`");
            match key.as_str() {
                "channel" | "unit" => {
                    let slot = if key == "channel" {
                        &mut header.channel
                    } else {
                        &mut header.unit
                    };
                    if slot.is_some() {
                        return Err(duplicate());
                    }
                    let tok = input.string_token()?;
                    *slot = Some(decode(&tok)?);
                }
                "rateHz" => {
                    if header.rate_hz.is_some() {
                        return Err(duplicate());
                    }
                    match input.peek_token()? {
                        Some(b'-' | b'0'..=b'9') => header.rate_hz = Some(input.number()?),
                        _ => return Err(input.err("rateHz: expected a number")),
                    }
                }
                "start" => {
                    if header.start.is_some() {
                        return Err(duplicate());
                    }
                    let tok = input.string_token()?;
                    header.start = Some(decode(&tok)?);
                }
                "values" => {
                    if streamed || buffered.is_some() {
                        return Err(duplicate());
                    }
                    if header.complete() {
                        handler.header_ready(&header)?;
                        input.values(|v| handler.sample(v))?;
                        streamed = true;
                    } else {
                        let mut values = Vec::new();
                        input.values(|v| values.push(v))?;
                        buffered = Some(values);
                    }
                }
                other => {
                    return Err(format!(
                        "unknown field `{other}`, expected one of `channel`, `unit`, `rateHz`, `start`, `values`"
                    ))
                }
            }
            match input.peek_token()? {
                Some(b',') => input.pos += 1,
                Some(b'}') => {
                    input.pos += 1;
                    break;
                }
                _ => return Err(input.err("expected , or } in the telemetry object")),
            }
        }
    }
    if input.peek_token()?.is_some() {
        return Err(input.err("trailing characters after the telemetry object"));
    }
    for (name, missing) in [
        ("channel", header.channel.is_none()),
        ("unit", header.unit.is_none()),
        ("rateHz", header.rate_hz.is_none()),
        ("start", header.start.is_none()),
        ("values", !streamed && buffered.is_none()),
    ] {
        if missing {
            return Err(format!("missing field `{name}`"));
        }
    }
    Ok(Scanned { header, buffered })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::TelemetryFile;
    use proptest::prelude::*;

    struct Collect(Vec<Option<f64>>);
    impl ValuesHandler for Collect {
        fn header_ready(&mut self, _: &Header) -> Result<(), String> {
            Ok(())
        }
        fn sample(&mut self, v: Option<f64>) {
            self.0.push(v);
        }
    }

    /// The scanner's reading of `bytes`, fed through a reader that returns `chunk` bytes at
    /// a time (to cross buffer refills anywhere), as a `TelemetryFile`.
    fn scanned(bytes: &[u8], chunk: usize) -> Result<TelemetryFile, String> {
        struct Chunked<'a>(&'a [u8], usize);
        impl Read for Chunked<'_> {
            fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
                let n = self.0.len().min(self.1).min(out.len());
                out[..n].copy_from_slice(&self.0[..n]);
                self.0 = &self.0[n..];
                Ok(n)
            }
        }
        let mut c = Collect(Vec::new());
        let s = scan(Chunked(bytes, chunk.max(1)), &mut c)?;
        let h = s.header;
        Ok(TelemetryFile {
            channel: h.channel.unwrap_or_default(),
            unit: h.unit.unwrap_or_default(),
            rate_hz: h.rate_hz.unwrap_or_default(),
            start: h.start.unwrap_or(UtcInstant(chrono::DateTime::UNIX_EPOCH)),
            values: s.buffered.unwrap_or(c.0),
        })
    }

    fn reference(bytes: &[u8]) -> Result<TelemetryFile, String> {
        serde_json::from_slice::<TelemetryFile>(bytes).map_err(|e| e.to_string())
    }

    fn same(bytes: &[u8], chunk: usize) -> Result<(), TestCaseError> {
        let a = scanned(bytes, chunk);
        let b = reference(bytes);
        let text = String::from_utf8_lossy(bytes);
        prop_assert_eq!(
            a.is_ok(),
            b.is_ok(),
            "{} / {:?} / {:?}",
            text,
            a.as_ref().err(),
            b.as_ref().err()
        );
        if let (Ok(a), Ok(b)) = (a, b) {
            prop_assert_eq!(&a.channel, &b.channel);
            prop_assert_eq!(&a.unit, &b.unit);
            prop_assert_eq!(a.rate_hz.to_bits(), b.rate_hz.to_bits());
            prop_assert_eq!(a.start, b.start);
            let bits =
                |v: &[Option<f64>]| v.iter().map(|x| x.map(f64::to_bits)).collect::<Vec<_>>();
            prop_assert_eq!(bits(&a.values), bits(&b.values), "{}", text);
        }
        Ok(())
    }

    fn number_text() -> impl Strategy<Value = String> {
        prop_oneof![
            any::<f64>()
                .prop_filter("finite", |x| x.is_finite())
                .prop_map(|x| format!("{x}")),
            any::<f64>()
                .prop_filter("finite", |x| x.is_finite())
                .prop_map(|x| format!("{x:e}")),
            (-100_000i64..100_000, 0u32..7).prop_map(|(m, d)| {
                let s = format!("{}", m.unsigned_abs());
                let d = (d as usize).min(s.len());
                let (i, f) = s.split_at(s.len() - d);
                let i = if i.is_empty() { "0" } else { i };
                let sign = if m < 0 { "-" } else { "" };
                if f.is_empty() {
                    format!("{sign}{i}")
                } else {
                    format!("{sign}{i}.{f}")
                }
            }),
            "-?(0|[1-9][0-9]{0,24})(\\.[0-9]{1,25})?([eE][+-]?[0-9]{1,3})?",
            "[-+0-9.eE]{1,8}",
            Just("null".to_owned()),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        #[test]
        fn reads_numbers_bit_for_bit_like_serde(values in prop::collection::vec(number_text(), 0..40), chunk in 1usize..70) {
            let doc = format!(
                "{{\"channel\":\"a.b\",\"unit\":\"A\",\"rateHz\":50,\"start\":\"2026-06-01T10:00:00Z\",\"values\":[{}]}}",
                values.join(",")
            );
            same(doc.as_bytes(), chunk)?;
        }

        #[test]
        fn accepts_and_rejects_mutated_documents_like_serde(
            edits in prop::collection::vec((any::<prop::sample::Index>(), prop::sample::select(&b" \n,:[]{}\"\\nul0123456789.-eEax\xff"[..])), 0..4),
            remove in prop::collection::vec(any::<prop::sample::Index>(), 0..3),
            order in 0usize..4,
            chunk in 1usize..70,
        ) {
            let fields = [
                "\"channel\": \"brake.pressure\"",
                "\"unit\" : \"b\\u0061r\"",
                "\"rateHz\":1.5e1",
                "\"start\":\"2026-06-01T10:00:00.5Z\"",
                "\"values\": [160, -1.25, null,  0.1 , 1e-3, 12345678901234567890, -0]",
            ];
            let mut parts: Vec<&str> = fields.to_vec();
            parts.rotate_left(order);
            let mut doc = format!(" {{ {} }}\n", parts.join(" , ")).into_bytes();
            for (at, b) in edits {
                let i = at.index(doc.len());
                doc[i] = b;
            }
            for at in remove {
                if !doc.is_empty() {
                    let i = at.index(doc.len());
                    doc.remove(i);
                }
            }
            same(&doc, chunk)?;
        }
    }

    #[test]
    fn agrees_on_the_edge_cases() {
        for doc in [
            r#"{"channel":"a.b","unit":"A","rateHz":50,"start":"2026-06-01T10:00:00Z","values":[]}"#,
            r#"{"values":[1,2],"channel":"a.b","unit":"A","rateHz":50,"start":"2026-06-01T10:00:00Z"}"#,
            r#"{"channel":"a.b","unit":"A","unit":"B","rateHz":50,"start":"2026-06-01T10:00:00Z","values":[]}"#,
            r#"{"channel":"a.b","unit":"A","rateHz":50,"start":"2026-06-01T10:00:00Z","values":[1,]}"#,
            r#"{"channel":"a.b","unit":"A","rateHz":50,"start":"2026-06-01T10:00:00Z","values":[01]}"#,
            r#"{"channel":"a.b","unit":"A","rateHz":50,"start":"2026-06-01T10:00:00Z","values":[1e400]}"#,
            r#"{"channel":"a.b","unit":"A","rateHz":50,"start":"2026-06-01T10:00:00Z","values":[1e-400, 4.9e-324, 1.7976931348623157e308]}"#,
            r#"{"channel":"a.b","unit":"A","rateHz":50,"start":"2026-06-01T10:00:00Z","values":[nul]}"#,
            r#"{"channel":"a.b","unit":"A","rateHz":null,"start":"2026-06-01T10:00:00Z","values":[]}"#,
            r#"{"channel":"a.b","unit":"A","rateHz":50,"start":"2026-06-01T10:00:00Z","values":[1]} x"#,
            r#"{"channel":"a.b","unit":"A","rateHz":50,"start":"2026-06-01T10:00:00Z","values":[1],"extra":1}"#,
            r#"{"channel":"a.b","unit":"A","rateHz":50,"start":"2026-06-01T10:00:00Z"}"#,
            r#"{"channel":"a.b","unit":"A","rateHz":50,"start":"yesterday","values":[]}"#,
            r#"{"channel":"a\u0000b","unit":"A","rateHz":50,"start":"2026-06-01T10:00:00Z","values":[]}"#,
            r#"{"chan\u006eel":"a.b","unit":"A","rateHz":50,"start":"2026-06-01T10:00:00Z","values":[9007199254740993, 0.30000000000000004441, -0.0]}"#,
            r#"[]"#,
            r#"{}"#,
            "",
        ] {
            for chunk in [1, 3, 64 * 1024] {
                same(doc.as_bytes(), chunk).unwrap();
            }
        }
    }
}
