import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { K8S_DIR, REPO_ROOT, render } from '../test-support/render.ts';

const run = promisify(execFile);
const PROMTOOL = '/usr/bin/promtool';
const RULES_DIR = `${K8S_DIR}monitoring/prometheus/rules/`;
const RULES = `${RULES_DIR}zamperla-central-pull-alerts.yml`;

interface Rule {
  alert?: string;
  expr: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}
const rules = (
  parse(readFileSync(RULES, 'utf8')) as { groups: { rules: Rule[] }[] }
).groups.flatMap((g) => g.rules);

/**
 * Central pull's alert: a ride whose pulls keep failing. Checked like the other alert rules
 * (monitoring.test.ts), from its own file, and shipped in the same rules ConfigMap.
 */
describe('central pull alert', () => {
  it('passes promtool check rules and its unit tests', async () => {
    expect((await run(PROMTOOL, ['check', 'rules', RULES])).stdout).toMatch(/SUCCESS: 1 rules/);
    const { stdout } = await run(
      PROMTOOL,
      ['test', 'rules', 'zamperla-central-pull-alerts.test.yml'],
      { cwd: RULES_DIR },
    );
    expect(stdout).toContain('SUCCESS');
  });

  it('reads a gauge central exports, per park and ride, with a severity and a section in docs/operations.md', () => {
    const pullMetrics = readFileSync(`${REPO_ROOT}central/src/pull/pull-metrics.ts`, 'utf8');
    const doc = readFileSync(`${REPO_ROOT}docs/operations.md`, 'utf8');
    for (const r of rules) {
      const metric = /zra_[a-z_]+/.exec(r.expr)?.[0] ?? '';
      expect(pullMetrics, metric).toContain(`'${metric}'`);
      expect(r.expr).toMatch(/by \(park, ride\)/);
      expect(r.labels?.severity).toBe('warning');
      expect(r.annotations?.description).toContain(
        `docs/operations.md#${r.alert?.toLowerCase() ?? ''}`,
      );
      expect(doc).toMatch(new RegExp(`^#+ ${r.alert ?? ''}$`, 'm'));
    }
  });

  it('ships in the rules ConfigMap Prometheus loads', async () => {
    const objects = await render('overlays/prod');
    const rulesMap = objects.find(
      (o) => o.kind === 'ConfigMap' && o.metadata.name.startsWith('prometheus-rules'),
    );
    expect(Object.keys(rulesMap?.data ?? {})).toContain('zamperla-central-pull-alerts.yml');
  });
});
