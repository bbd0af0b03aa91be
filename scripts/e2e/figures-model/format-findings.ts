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

/**
 * A readable failure message: the count per rule, then up to `perRule` findings of each rule
 * (by its first rule) with their details, so every broken rule shows an example.
 */
export function formatFindings(findings: readonly Finding[], perRule = 3, maxLines = 30): string {
  if (findings.length === 0) return 'no findings';
  const counts = countByRule(findings);
  const head = [
    `${findings.length} findings against the oracle. By rule:`,
    ...[...counts]
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([r, n]) => `  ${r} (${n}): ${RULE_TEXT[r]}`),
    '',
  ];
  const shown: Finding[] = [];
  for (const rule of [...counts.keys()].sort()) {
    shown.push(...findings.filter((f) => f.rules[0] === rule).slice(0, perRule));
  }
  const body = shown.flatMap((f) => [
    `seed ${f.seed} [${f.rules.join(', ')}] ${f.where}`,
    ...f.lines.slice(0, maxLines).map((l) => `  ${l}`),
    ...(f.lines.length > maxLines ? [`  … ${f.lines.length - maxLines} more lines`] : []),
    '',
  ]);
  const tail =
    findings.length > shown.length ? [`… and ${findings.length - shown.length} more findings`] : [];
  return [...head, ...body, ...tail].join('\n');
}
