import type { CampaignResult } from './campaign.ts';

/** The campaign's figures and every violation, as plain text. */
export function formatSummary(r: CampaignResult): string {
  const lines: string[] = [];
  lines.push(
    `chaos campaign, seed ${r.seed}: ${r.faults.length} fault events in ${Math.round(r.wallMs / 1000)} s wall`,
  );
  for (const [kind, n] of Object.entries(r.faultsByKind)) lines.push(`  ${kind.padEnd(26)} ${n}`);
  const byTarget = new Map<string, number>();
  for (const f of r.faults) byTarget.set(f.target, (byTarget.get(f.target) ?? 0) + 1);
  lines.push(
    `  by target: ${[...byTarget]
      .sort()
      .map(([t, n]) => `${t} ${n}`)
      .join(', ')}`,
  );
  const writes = Object.values(r.writesByKind).reduce((a, b) => a + b, 0);
  lines.push(
    `drops: ${r.distinctDrops} distinct contents, ${writes} files written (${Object.entries(
      r.writesByKind,
    )
      .map(([k, n]) => `${k} ${n}`)
      .join(', ')})`,
  );
  lines.push(
    r.drainedAfterMs === null
      ? 'drain: did NOT finish within its bound'
      : `drain: finished ${Math.round(r.drainedAfterMs / 1000)} s after the faults stopped`,
  );
  lines.push(`violations: ${r.violations.length}`);
  const byCheck = new Map<string, string[]>();
  for (const v of r.violations) {
    const detail = v.at === undefined ? v.detail : `${v.detail}${nearbyFaults(r, v.at)}`;
    byCheck.set(v.check, [...(byCheck.get(v.check) ?? []), detail]);
  }
  for (const [check, details] of byCheck) {
    lines.push(`  ${check} (${details.length})`);
    for (const d of details.slice(0, 15)) lines.push(`    - ${d}`);
    if (details.length > 15) lines.push(`    … ${details.length - 15} more`);
  }
  if (r.selfCheckMissed !== null) {
    lines.push(
      r.selfCheckMissed.length === 0
        ? 'self-check: every kind of planted damage was found'
        : `self-check FAILED: planted damage not found by: ${r.selfCheckMissed.join(', ')}`,
    );
  }
  if (r.logDir) lines.push(`logs, agent data and blobs kept in ${r.logDir}`);
  return lines.join('\n');
}

/** The faults that were holding in the 10 s before `at` (epoch ms), the latest 8. */
function nearbyFaults(r: CampaignResult, at: number): string {
  const t = at - r.startedAt;
  const near = r.faults.filter((f) => f.at <= t + 1000 && f.at + f.heldMs >= t - 10_000).slice(-8);
  const when = `at ${(t / 1000).toFixed(1)} s`;
  if (near.length === 0) return ` [${when}; no fault in the 10 s before]`;
  return ` [${when}; faults around: ${near
    .map(
      (f) =>
        `${f.kind} ${f.target} at ${(f.at / 1000).toFixed(1)} s for ${(f.heldMs / 1000).toFixed(1)} s`,
    )
    .join(', ')}]`;
}
