/**
 * A valid zone name as the time zone database spells it: Intl takes any case ("europe/rome").
 * Not Intl's own name for it: ICU still calls Asia/Kolkata "Asia/Calcutta" (and Europe/Kyiv
 * "Europe/Kiev"), and the agent must show the name central and the technician use.
 */
export function zoneSpelling(tz: string): string {
  const listed = Intl.supportedValuesOf('timeZone');
  if (listed.includes(tz)) return tz;
  const lower = tz.toLowerCase();
  const known = listed.find((name) => name.toLowerCase() === lower);
  if (known) return known;
  // A name ICU lists under an older one: typed with capitals, it is kept as typed; typed all in
  // one case, each word gets its capital (asia/ho_chi_minh → Asia/Ho_Chi_Minh).
  if (tz !== lower && tz !== tz.toUpperCase()) return tz;
  return lower.replace(/(^|[/_])([a-z])/g, (_, sep: string, c: string) => sep + c.toUpperCase());
}
