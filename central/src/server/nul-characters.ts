/** What a caller is told when its input holds a NUL character (PostgreSQL cannot store one). */
export const NUL_MESSAGE =
  'the input contains a NUL character (\\u0000), which central does not accept in any text: remove it and send again';

/**
 * Whether any string in a call's raw input (JSON values, object keys, FormData fields) holds
 * U+0000. PostgreSQL refuses it in text ("invalid byte sequence"), which turned a stranger's
 * sign-in with such a name into a 500 and an error log; it is bad input, refused up front.
 * Binary parts (a chunk's Blob) are bytes, not text, and are not looked at.
 */
export function containsNul(value: unknown, depth = 0): boolean {
  if (typeof value === 'string') return value.includes('\u0000');
  // JSON from a body within the size limit cannot nest deeper than this in a sensible call;
  // deeper is refused by the schemas anyway, so stop looking rather than recurse without end.
  if (depth > 32 || value === null || typeof value !== 'object') return false;
  if (value instanceof FormData) {
    for (const [key, field] of value.entries()) {
      if (key.includes('\u0000') || (typeof field === 'string' && field.includes('\u0000'))) {
        return true;
      }
    }
    return false;
  }
  if (Array.isArray(value)) return value.some((item) => containsNul(item, depth + 1));
  for (const [key, item] of Object.entries(value)) {
    if (key.includes('\u0000') || containsNul(item, depth + 1)) return true;
  }
  return false;
}
