// Benchmarks on a shared, noisy machine quote medians and ratios measured in one run, never
// single timings: these helpers keep every bench script reporting the same way.

/** The median of a non-empty list of numbers. */
export function median(values: readonly number[]): number {
  if (values.length === 0) throw new Error('median of no values: run at least one round');
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  const upper = sorted[middle] ?? 0;
  return sorted.length % 2 === 1 ? upper : ((sorted[middle - 1] ?? upper) + upper) / 2;
}

/** The value below which `fraction` (0..1) of the values fall, by nearest rank. */
export function percentile(values: readonly number[], fraction: number): number {
  if (values.length === 0) throw new Error('percentile of no values: run at least one round');
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(fraction * sorted.length) - 1));
  return sorted[rank] ?? 0;
}

/** Megabytes (10^6 bytes) per second, rounded for printing. */
export function megabytesPerSecond(bytes: number, seconds: number): number {
  return Math.round((bytes / 1e6 / seconds) * 10) / 10;
}

/**
 * A latency's p50, p95 and p99, and how many of the values passed `targetMs`: whether a p99
 * near its target is a handful of slow requests or a shifted tail.
 */
export function latencyTail(values: readonly number[], targetMs: number): string {
  if (values.length === 0) return 'none';
  const ms = (v: number) => `${Math.round(v)} ms`;
  const over = values.filter((v) => v > targetMs).length;
  return `p50 ${ms(median(values))}, p95 ${ms(percentile(values, 0.95))}, p99 ${ms(percentile(values, 0.99))}; ${over} of ${values.length} over ${targetMs} ms`;
}
