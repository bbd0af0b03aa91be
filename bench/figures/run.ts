/**
 * The figures model over many seeds (the test, scripts/e2e/figures-model, runs a few): each
 * seed plays a park's gateway behaviour through the real gateway, agent, central, worker and
 * Rust jobs, and compares every report with the independent oracle. Prints one line per seed
 * and a summary (seeds, drops written, quarantine actions, reports compared, findings by rule).
 *
 *   node_modules/.bin/tsx bench/figures/run.ts [--seeds 20] [--first 1] [--rate-hz 0.5]
 *     [--details 3]
 *
 * Exits 1 when any seed has findings; `--details N` prints up to N findings of each rule.
 */
import { parseArgs } from 'node:util';
import type { Finding } from '../../scripts/e2e/figures-model/compare.ts';
import { startEnvironment } from '../../scripts/e2e/figures-model/environment.ts';
import { countByRule, formatFindings } from '../../scripts/e2e/figures-model/format-findings.ts';
import { runScenario } from '../../scripts/e2e/figures-model/run-scenario.ts';
import { generateScenario } from '../../scripts/e2e/figures-model/scenario.ts';

const say = (line: string): boolean => process.stdout.write(`${line}\n`);

const { values: flags } = parseArgs({
  options: {
    seeds: { type: 'string', default: '20' },
    first: { type: 'string', default: '1' },
    'rate-hz': { type: 'string', default: '0.5' },
    details: { type: 'string', default: '2' },
  },
});
const SEEDS = Number(flags.seeds);
const FIRST = Number(flags.first);
const RATE_HZ = Number(flags['rate-hz']);
const DETAILS = Number(flags.details);
if (!Number.isInteger(SEEDS) || SEEDS < 1) throw new Error('--seeds must be a positive integer');
if (!Number.isInteger(FIRST) || FIRST < 1) throw new Error('--first must be a positive integer');
if (!(RATE_HZ > 0) || !Number.isInteger(RATE_HZ * 3600)) {
  throw new Error('--rate-hz must be positive and give a whole number of samples per hour');
}

const began = Date.now();
const env = await startEnvironment('figures-bench');
const findings: Finding[] = [];
let writes = 0;
let actions = 0;
let reports = 0;
let figures = 0;
let batches = 0;
let failedSeeds = 0;
try {
  say(`figures model: seeds ${FIRST}..${FIRST + SEEDS - 1}, telemetry ${RATE_HZ} Hz`);
  say('seed  drops  actions  batches  reports  findings  seconds');
  for (let seed = FIRST; seed < FIRST + SEEDS; seed++) {
    const scenario = generateScenario(seed, { rateHz: RATE_HZ });
    const result = await runScenario(env, scenario);
    writes += result.writes;
    actions += result.actions;
    reports += result.reports;
    figures += result.figures;
    batches += result.batches;
    findings.push(...result.findings);
    if (result.findings.length > 0) failedSeeds++;
    const rules = [...countByRule(result.findings)].map(([r, n]) => `${r}:${n}`).join(' ');
    say(
      `${String(seed).padStart(4)}  ${String(result.writes).padStart(5)}  ${String(result.actions).padStart(7)}  ` +
        `${String(result.batches).padStart(7)}  ${String(result.reports).padStart(7)}  ` +
        `${String(result.findings.length).padStart(8)}  ${(result.ms / 1000).toFixed(1).padStart(7)}` +
        (rules ? `  ${rules}` : ''),
    );
  }
} finally {
  await env.close();
}
const byRule = [...countByRule(findings)].map(([r, n]) => `${r} ${n}`).join(', ');
say('');
say(
  `seeds ${SEEDS}, drops written ${writes}, quarantine actions ${actions}, batches ${batches}, ` +
    `reports compared ${reports} (${figures} figures), findings ${findings.length}${byRule ? ` (${byRule})` : ''} ` +
    `in ${failedSeeds} seeds, ${((Date.now() - began) / 1000).toFixed(0)} s`,
);
if (findings.length > 0 && DETAILS > 0) {
  say('');
  say(formatFindings(findings, DETAILS));
}
process.exitCode = findings.length > 0 ? 1 : 0;
