//! JSON integers as zod's `z.number().int()` sees them: `3` and `3.0` are the same number
//! in JavaScript, so both are accepted, within the safe-integer range.

use serde::{Deserialize, Deserializer};

const MAX_SAFE_INTEGER: f64 = 9_007_199_254_740_991.0;

/// Deserializes a non-negative safe integer written either as `3` or `3.0`.
pub(crate) fn non_negative<'de, D: Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
    let x = f64::deserialize(d)?;
    if x.fract() != 0.0 || !(0.0..=MAX_SAFE_INTEGER).contains(&x) {
        return Err(serde::de::Error::custom(format!(
            "expected a non-negative integer, got {x}"
        )));
    }
    // Exact: x is an integer no larger than 2^53 - 1.
    Ok(x as u64)
}
