/** UTC ISO 8601 with `Z`, without `.000` when the instant is a whole second. */
export function toIso(utcMs: number): string {
  const iso = new Date(utcMs).toISOString();
  return iso.endsWith('.000Z') ? `${iso.slice(0, -5)}Z` : iso;
}
