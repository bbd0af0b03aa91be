const UNITS = ['KiB', 'MiB', 'GiB', 'TiB', 'PiB'];

/**
 * A size in IEC binary units, the one unit system of both UIs: 1 KiB = 1024 B, 1 MiB =
 * 1024 KiB (the agent's buffer cap and central's figures are powers of two; "MB" would be
 * 2.4 % off at that size and 10 % at TiB). One decimal below 10, none above; a dash for null.
 */
export function bytes(n: number | null | undefined): string {
  if (n === null || n === undefined) return '—';
  if (n < 1024) return `${n} B`;
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < UNITS.length - 1) {
    v /= 1024;
    i++;
  }
  // 1023.96 KiB would print "1024 KiB": move up a unit instead.
  if (Math.round(v) >= 1024 && i < UNITS.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(v < 10 ? 1 : 0)} ${UNITS[i] ?? ''}`;
}
