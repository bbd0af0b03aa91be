import { findDuplicateKey } from './duplicate-key.ts';
import { reject } from './rejection.ts';
import type { DropRejectionCode } from './verify-result.ts';

const BOM = [0xef, 0xbb, 0xbf];
const utf8 = new TextDecoder('utf-8', { fatal: true });

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/**
 * Rejects what the JSON reader would hide: an empty entry and a UTF-8 byte-order mark (which
 * `TextDecoder` strips silently while the Rust reader refuses it, so both refuse it here).
 */
export function checkJsonBytes(path: string, data: Uint8Array, code: DropRejectionCode): void {
  if (data.length === 0) {
    reject(
      code,
      `${path} is empty (0 bytes); it must hold JSON (\`[]\` for a list with no items): check the PLC export.`,
    );
  }
  if (data[0] === BOM[0] && data[1] === BOM[1] && data[2] === BOM[2]) {
    reject(code, `${path} starts with a byte-order mark: save as UTF-8 without BOM.`);
  }
}

/** UTF-8 text of an entry that passed {@link checkJsonBytes}. */
export function decodeUtf8(path: string, data: Uint8Array, code: DropRejectionCode): string {
  try {
    // ignoreBOM is irrelevant: checkJsonBytes refused a leading BOM already.
    return utf8.decode(data);
  } catch {
    return reject(code, `${path} is not UTF-8 text: save it as UTF-8.`);
  }
}

// A UTF-16 surrogate without its partner (String.prototype.isWellFormed is ES2024).
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Whether a parsed JSON value holds a string (or key) with an unpaired UTF-16 surrogate. */
function hasLoneSurrogate(value: unknown): boolean {
  if (typeof value === 'string') return LONE_SURROGATE.test(value);
  if (Array.isArray(value)) return value.some(hasLoneSurrogate);
  if (value !== null && typeof value === 'object') {
    return Object.entries(value).some(([k, v]) => LONE_SURROGATE.test(k) || hasLoneSurrogate(v));
  }
  return false;
}

const SURROGATE_ESCAPE = /\\u[dD][89a-fA-F]/;

/**
 * Parses JSON text as strictly as the Rust reader (serde_json): each key once per object, and
 * no `\uD800`-style escape that leaves half a character (JSON.parse keeps it, serde refuses it).
 */
export function parseJsonText(path: string, text: string, code: DropRejectionCode): unknown {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    return reject(code, `${path} is not valid JSON (${errorText(err)}): check the PLC export.`);
  }
  const repeated = findDuplicateKey(text);
  if (repeated !== null) {
    reject(
      code,
      `${path} has the key "${repeated}" twice in one object; JSON readers disagree on which one counts, so the PLC export must write each key once.`,
    );
  }
  if (SURROGATE_ESCAPE.test(text) && hasLoneSurrogate(value)) {
    reject(
      code,
      `${path} holds a \\u escape of half a character (an unpaired UTF-16 surrogate); write the text as UTF-8.`,
    );
  }
  return value;
}

/** {@link checkJsonBytes}, then UTF-8, then {@link parseJsonText}. */
export function parseJsonEntry(path: string, data: Uint8Array, code: DropRejectionCode): unknown {
  checkJsonBytes(path, data, code);
  return parseJsonText(path, decodeUtf8(path, data, code), code);
}
