/** A duration in seconds as "42 s", "5 min", "3 h 10 min", "2 d 4 h"; a dash for null. */
export function duration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined) return '—';
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min`;
  const h = Math.floor(m / 60);
  if (h < 48) return m % 60 ? `${h} h ${m % 60} min` : `${h} h`;
  const d = Math.floor(h / 24);
  return h % 24 ? `${d} d ${h % 24} h` : `${d} d`;
}

/** How long ago an instant was ("5 min ago", "just now"); "never" for null. */
export function ago(iso: string | null | undefined, now = Date.now()): string {
  if (!iso) return 'never';
  const s = (now - Date.parse(iso)) / 1000;
  if (s < 0) return `in ${duration(-s)}`;
  if (s < 10) return 'just now';
  return `${duration(s)} ago`;
}

/** A share (0–1) as a percentage with one decimal, or a dash when there is no data. */
export function percent(share: number | null | undefined): string {
  return share === null || share === undefined ? '—' : `${(share * 100).toFixed(1)} %`;
}
