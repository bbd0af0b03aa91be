const COMMA = 44;
const MINUS = 45;
const DOT = 46;
const ZERO = 48;
const NULL_BYTES = [110, 117, 108, 108];

/**
 * Writes `values` as comma-separated JSON numbers rounded to `decimals` (NaN becomes `null`),
 * straight into bytes. Gives the same text as `String(Math.round(v * 10 ** d) / 10 ** d)` but
 * several times faster, which matters at 50 Hz × 8 channels × many hours.
 */
export function writeNumberList(values: Float64Array, decimals: number): Buffer {
  const factor = 10 ** decimals;
  // Longest number: sign, 15 integer digits, dot, decimals, comma.
  const out = Buffer.allocUnsafe(values.length * (18 + decimals) + 1);
  const digits = new Uint8Array(24);
  let p = 0;
  for (let i = 0; i < values.length; i++) {
    if (i > 0) out[p++] = COMMA;
    const v = values[i] ?? Number.NaN;
    if (Number.isNaN(v) || !Number.isFinite(v)) {
      for (const b of NULL_BYTES) out[p++] = b;
      continue;
    }
    let r = Math.round(v * factor);
    if (r < 0) {
      out[p++] = MINUS;
      r = -r;
    }
    let whole = Math.floor(r / factor);
    let frac = r - whole * factor;
    let d = decimals;
    while (d > 0 && frac % 10 === 0) {
      frac /= 10;
      d--;
    }
    let k = 0;
    do {
      digits[k++] = ZERO + (whole % 10);
      whole = Math.floor(whole / 10);
    } while (whole > 0);
    while (k > 0) out[p++] = digits[--k] ?? ZERO;
    if (d > 0) {
      out[p++] = DOT;
      for (let j = d - 1; j >= 0; j--) {
        digits[j] = ZERO + (frac % 10);
        frac = Math.floor(frac / 10);
      }
      for (let j = 0; j < d; j++) out[p++] = digits[j] ?? ZERO;
    }
  }
  return out.subarray(0, p);
}
