// Verifying a 50 Hz drop is mostly reading telemetry `values` arrays (~6 MB of JSON numbers per
// drop). `JSON.parse` turns each into a boxed number that is checked once and thrown away
// (most of the CPU of verifyDrop, plus the garbage collector's share). This module checks
// such an array in place, on the file's bytes (before UTF-8 decoding: the array is ASCII, and
// an ASCII byte is never part of a multi-byte character), and hands the rest to `JSON.parse`.

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COLON = 0x3a;
const COMMA = 0x2c;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const MINUS = 0x2d;
const PLUS = 0x2b;
const DOT = 0x2e;
const ZERO = 0x30;
const NINE = 0x39;
const EMPTY_ARRAY = Buffer.from('[]');

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

function isDigit(c: number): boolean {
  return c >= ZERO && c <= NINE;
}

function skipSpace(text: Uint8Array, i: number): number {
  while (i < text.length && isSpace(at(text, i))) i++;
  return i;
}

/** The byte at `i`, or -1 past the end (typed arrays answer undefined there). */
function at(text: Uint8Array, i: number): number {
  return i < text.length ? (text[i] ?? -1) : -1;
}

/** Whether the bytes at `i` spell `word` (ASCII). */
function startsWith(text: Uint8Array, i: number, word: string): boolean {
  if (i + word.length > text.length) return false;
  for (let k = 0; k < word.length; k++) if (text[i + k] !== word.charCodeAt(k)) return false;
  return true;
}

/** Index just past the JSON string whose opening quote is at `at`; -1 when unterminated. */
function stringEnd(text: Uint8Array, from: number): number {
  for (let i = from + 1; i < text.length; i++) {
    const c = at(text, i);
    if (c === BACKSLASH) i++;
    else if (c === QUOTE) return i + 1;
  }
  return -1;
}

/** Index just past a JSON number (RFC 8259 grammar) starting at `i`; -1 when there is none. */
function numberEnd(text: Uint8Array, i: number): number {
  if (at(text, i) === MINUS) i++;
  const first = at(text, i);
  if (first === ZERO) i++;
  else if (first > ZERO && first <= NINE) {
    i++;
    while (isDigit(at(text, i))) i++;
  } else return -1;
  if (at(text, i) === DOT) {
    i++;
    if (!isDigit(at(text, i))) return -1;
    while (isDigit(at(text, i))) i++;
  }
  const e = at(text, i);
  if (e === 0x65 || e === 0x45) {
    i++;
    const sign = at(text, i);
    if (sign === PLUS || sign === MINUS) i++;
    if (!isDigit(at(text, i))) return -1;
    while (isDigit(at(text, i))) i++;
  }
  return i;
}

/**
 * Index just past a JSON array starting at `at` (its `[`) whose items are all numbers or
 * `null`; -1 when the text there is anything else (another item type, or not valid JSON).
 */
export function numberArrayEnd(text: Uint8Array, from: number): number {
  if (at(text, from) !== OPEN_BRACKET) return -1;
  let i = skipSpace(text, from + 1);
  if (at(text, i) === CLOSE_BRACKET) return i + 1;
  for (;;) {
    if (startsWith(text, i, 'null')) i += 4;
    else {
      i = numberEnd(text, i);
      if (i < 0) return -1;
    }
    i = skipSpace(text, i);
    const c = at(text, i);
    if (c === CLOSE_BRACKET) return i + 1;
    if (c !== COMMA) return -1;
    i = skipSpace(text, i + 1);
  }
}

/**
 * The text with the top-level object's `"values"` array replaced by `[]`, when that member
 * exists once, spelled plainly, and holds only numbers and nulls; null otherwise. The text
 * outside the array is not validated here: when the result parses as JSON, so does the whole
 * text (a valid array took the place of another), to the same value but for `values`.
 */
export function withoutNumberValues(text: Uint8Array): Buffer | null {
  let depth = 0;
  let span: [number, number] | null = null;
  for (let i = 0; i < text.length; i++) {
    const c = at(text, i);
    if (c === QUOTE) {
      const end = stringEnd(text, i);
      if (end < 0) return null;
      if (depth === 1 && end - i === 8 && startsWith(text, i, '"values"')) {
        const colon = skipSpace(text, end);
        if (at(text, colon) === COLON) {
          if (span) return null;
          const start = skipSpace(text, colon + 1);
          const close = numberArrayEnd(text, start);
          if (close < 0) return null;
          span = [start, close];
          i = close - 1;
          continue;
        }
      }
      i = end - 1;
    } else if (c === OPEN_BRACE || c === OPEN_BRACKET) depth++;
    else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) depth--;
  }
  if (!span) return null;
  return Buffer.concat([text.subarray(0, span[0]), EMPTY_ARRAY, text.subarray(span[1])]);
}
