/**
 * Delay before retry number `failures` (1 = after the first failure): "full jitter", a
 * uniform random delay between 0 and `min(maxMs, baseMs * 2^(failures-1))`. Spreading the
 * retries at random keeps many parks that lost the same uplink from all reconnecting at once.
 */
export function fullJitterDelayMs(
  failures: number,
  baseMs: number,
  maxMs: number,
  random: () => number = Math.random,
): number {
  if (failures <= 0) return 0;
  // 2^n overflows to Infinity for large n; min() keeps the ceiling finite.
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.min(failures - 1, 52));
  return Math.floor(random() * ceiling);
}
