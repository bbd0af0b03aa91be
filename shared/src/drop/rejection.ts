import type { DropRejectionCode } from './verify-result.ts';

/** A drop that breaks a rule: the stable code and the sentence shown to people. */
export class Rejection extends Error {
  constructor(
    readonly code: DropRejectionCode,
    readonly reason: string,
  ) {
    super(reason);
  }
}

/** Stops verification with a rejection. */
export function reject(code: DropRejectionCode, reason: string): never {
  throw new Rejection(code, reason);
}

/** A size measured against a limit: rounded for people, exact where rounding could hide it. */
export function formatExactBytes(n: number): string {
  return n < 1024 ? `${n} bytes` : `${formatBytes(n)} (${n} bytes)`;
}

/** A size for people: bytes, KiB or MiB. */
export function formatBytes(n: number): string {
  if (n >= 1024 * 1024) return `${(n / (1024 * 1024)).toFixed(1)} MiB`;
  if (n >= 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${n} bytes`;
}
