/**
 * Central's answer for one report's PDF (`GET files/reports/<id>/pdf`), asked with the park
 * token (central serves a park token its own park's reports only). A report PDF may be
 * megabytes: it gets four request deadlines, its body included.
 */
export function fetchReportPdf(
  centralUrl: string,
  parkToken: string,
  reportId: string,
  requestTimeoutMs: number,
): Promise<Response> {
  // `new URL(path, base)` drops the base's last segment unless it ends with a slash.
  const base = centralUrl.endsWith('/') ? centralUrl : `${centralUrl}/`;
  const url = new URL(`files/reports/${encodeURIComponent(reportId)}/pdf`, base);
  return fetch(url, {
    headers: { authorization: `Bearer ${parkToken}` },
    signal: AbortSignal.timeout(requestTimeoutMs * 4),
  });
}
