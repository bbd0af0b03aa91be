import type { Finding, Rule } from './compare.ts';

const RULE_TEXT: Record<Rule, string> = {
  R1: 'verdict identity: a rejected copy never shadows a valid file; deletes touch only that (name, sha256)',
  R2: 'ride-window: hour-aligned windows only; the newest committed content of a ride-window is the only live one',
  R3: 'only what belongs to the window counts (cycles started in it, alarms active in it); future windows rejected',
  R4: 'figures: live batches only, cycles once per (ride, id), alarm occurrences once, durations clipped, fault/critical downtime only',
  R5: 'report input: every occurrence active in the period, with its time inside the period; the reporter neither filters nor re-derives',
  'no loss': 'guarantee 1: every valid drop ends as exactly one processed batch',
};

/** Findings per rule, then each finding with its details (bounded, so a message stays readable). */
export function countByRule(findings: readonly Finding[]): Map<Rule, number> {
  const counts = new Map<Rule, number>();
  for (const f of findings) for (const r of f.rules) counts.set(r, (counts.get(r) ?? 0) + 1);
  return counts;
}

export function formatFindings(
  findings: readonly Finding[],
  maxFindings = 12,
  maxLines = 30,
): string {
  if (findings.length === 0) return 'no findings';
  const counts = countByRule(findings);
  const head = [
    `${findings.length} findings against the oracle. By rule:`,
    ...[...counts]
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([r, n]) => `  ${r} (${n}): ${RULE_TEXT[r]}`),
    '',
  ];
  const body = findings
    .slice(0, maxFindings)
    .flatMap((f) => [
      `seed ${f.seed} [${f.rules.join(', ')}] ${f.where}`,
      ...f.lines.slice(0, maxLines).map((l) => `  ${l}`),
      ...(f.lines.length > maxLines ? [`  … ${f.lines.length - maxLines} more lines`] : []),
      '',
    ]);
  const tail =
    findings.length > maxFindings ? [`… and ${findings.length - maxFindings} more findings`] : [];
  return [...head, ...body, ...tail].join('\n');
}
