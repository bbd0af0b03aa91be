/** Small formatting helpers: every value as a technician reads it. */

export function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(v < 10 ? 1 : 0)} ${units[i]}`;
}

/** "3 minutes ago", "in 12 minutes", or "never". */
export function relative(iso: string | null | undefined, now = Date.now()): string {
  if (!iso) return 'never';
  const diff = new Date(iso).getTime() - now;
  const abs = Math.abs(diff);
  const [n, unit] =
    abs < 45_000
      ? [0, 'now']
      : abs < 3_600_000
        ? [Math.round(abs / 60_000), 'minute']
        : abs < 86_400_000
          ? [Math.round(abs / 3_600_000), 'hour']
          : [Math.round(abs / 86_400_000), 'day'];
  if (unit === 'now') return diff > 0 ? 'in a few seconds' : 'just now';
  const text = `${n} ${unit}${n === 1 ? '' : 's'}`;
  return diff > 0 ? `in ${text}` : `${text} ago`;
}

/** A local date and time, for tooltips and tables. */
export function when(iso: string | null | undefined): string {
  if (!iso) return '—';
  return new Date(iso).toLocaleString(undefined, {
    dateStyle: 'medium',
    timeStyle: 'short',
  });
}

export function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/**
 * What to do about an error, in plain words: the agent's messages say what happened; this
 * adds the next step for the common cases.
 */
export function suggestedAction(error: string): string {
  const e = error.toLowerCase();
  if (e.includes('host key')) {
    return 'Open Rides, check the fingerprint with the gateway supplier, then accept it.';
  }
  if (e.includes('authentication') || e.includes('password') || e.includes('login')) {
    return 'Open Rides and check the user name and password or key of this ride.';
  }
  if (e.includes('token')) return 'Open Settings and enter the park token Zamperla gave you.';
  if (e.includes('no such file') || e.includes('folder')) {
    return 'Open Rides and check the remote folder of this ride.';
  }
  if (e.includes('full') || e.includes('space')) {
    return 'Free disk space or raise the buffer cap in Settings; the gateway keeps the data.';
  }
  if (
    e.includes('econnrefused') ||
    e.includes('timed out') ||
    e.includes('timeout') ||
    e.includes('unreachable') ||
    e.includes('enotfound') ||
    e.includes('ehostunreach')
  ) {
    return 'Check that the gateway is switched on and its network cable is plugged in. The agent tries again by itself.';
  }
  return 'The agent tries again by itself. If this stays, call Zamperla support with this message.';
}

/** A ride's pull rules in words, with the time zone they are read in (an agent setting). */
export function scheduleText(words: string[], timeZone: string): string {
  return words.length > 0 ? `${words.join('; ')} (${timeZone} time)` : '—';
}
