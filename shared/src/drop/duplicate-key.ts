/** The structural characters the scan stops at; everything between them is skipped. */
const STRUCTURE = /["{}[\]]/g;

/**
 * The first key that appears twice in one object of `text`, or null. `JSON.parse` keeps the
 * last of repeated keys while the Rust validator (serde) rejects them, so a drop must not
 * depend on which one wins: both implementations reject it (`duplicate_key` vector).
 *
 * `text` must already be valid JSON (call after `JSON.parse` succeeded): the scan trusts the
 * structure and only stops at quotes and brackets, so a telemetry file's long `values` array
 * is crossed by one regular-expression search rather than character by character.
 */
export function findDuplicateKey(text: string): string | null {
  // One set of keys per open object; null for an open array.
  const stack: (Set<string> | null)[] = [];
  STRUCTURE.lastIndex = 0;
  for (let m = STRUCTURE.exec(text); m; m = STRUCTURE.exec(text)) {
    const at = m.index;
    const c = text.charCodeAt(at);
    if (c === 0x7b /* { */) stack.push(new Set());
    else if (c === 0x5b /* [ */) stack.push(null);
    else if (c === 0x7d /* } */ || c === 0x5d /* ] */) stack.pop();
    else {
      const end = closingQuote(text, at + 1);
      STRUCTURE.lastIndex = end + 1;
      const keys = stack.at(-1);
      if (keys && isKey(text, end + 1)) {
        const raw = text.slice(at + 1, end);
        // "a" and "\u0061" are the same key.
        const key = raw.includes('\\') ? (JSON.parse(`"${raw}"`) as string) : raw;
        if (keys.has(key)) return key;
        keys.add(key);
      }
    }
  }
  return null;
}

/** Index of the quote that closes the string whose content starts at `from`. */
function closingQuote(text: string, from: number): number {
  for (let q = text.indexOf('"', from); q >= 0; q = text.indexOf('"', q + 1)) {
    let backslashes = 0;
    while (text.charCodeAt(q - 1 - backslashes) === 0x5c) backslashes++;
    if (backslashes % 2 === 0) return q;
  }
  return text.length;
}

/** Whether the string that ended before `from` is followed by `:`, i.e. is an object key. */
function isKey(text: string, from: number): boolean {
  for (let i = from; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x3a) return true;
    if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) return false;
  }
  return false;
}
