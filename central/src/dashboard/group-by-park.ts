/**
 * Rows grouped by park, in one pass: looking each park up in the fleet's rows made the fleet
 * page quadratic (a thousand parks × twenty thousand ride rows).
 */
export function groupByPark<T>(rows: T[], parkOf: (row: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const row of rows) {
    const park = parkOf(row);
    const list = out.get(park);
    if (list) list.push(row);
    else out.set(park, [row]);
  }
  return out;
}
