import type { VerifyResult } from '../drop/verify-result.ts';
import type { DropCheckVerdict } from './rust-drop-check.ts';

/** How two verdicts differ (verdict, code, or the identities of a valid drop); null when they agree. */
export function compareVerdicts(
  ts: VerifyResult,
  rust: DropCheckVerdict | undefined,
): string | null {
  const show = (v: VerifyResult | DropCheckVerdict | undefined): string =>
    !v
      ? 'no answer'
      : v.ok
        ? `valid (contentId ${v.contentId.slice(0, 12)}…)`
        : `${v.code}: ${v.reason}`;
  const same =
    rust !== undefined &&
    (ts.ok && rust.ok
      ? ts.sha256 === rust.sha256 && ts.contentId === rust.contentId
      : !ts.ok && !rust.ok && ts.code === rust.code);
  return same ? null : `TypeScript: ${show(ts)}\n  Rust:       ${show(rust)}`;
}
