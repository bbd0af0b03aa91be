/**
 * Plays a scenario on the real path and checks the outcome against the oracle: the gateway
 * writes each round's files (atomically, with increasing modification times), a person's
 * quarantine actions go through the agent's API, the real agent pulls and uploads, central
 * and the worker process, reports are requested through central, and every figure is
 * compared. Returns findings instead of throwing, so one run reports every broken rule.
 */
import { mkdirSync, renameSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createPark, reportStatus, requestReport } from '@zra/central';
import { createAgent, parseAgentConfig, type Agent } from '@zra/desktop';
import { compareSummary, diagnose, instant, type Finding, type Rule } from './compare.ts';
import { checkRidePages } from './dashboard-check.ts';
import { compareChannelHealth } from './peaks-check.ts';
import type { FiguresEnvironment } from './environment.ts';
import { expectedReport } from './oracle-report.ts';
import { readOracleDrop } from './oracle-drop.ts';
import { buildModel, windowKey, HOUR, type Delivery, type OracleModel } from './oracle.ts';
import { centralInput, readSummary } from './report-outputs.ts';
import type { AgentAction, GatewayWrite, Scenario } from './scenario.ts';

export interface ScenarioResult {
  seed: number;
  findings: Finding[];
  writes: number;
  actions: number;
  reports: number;
  /** Single figures compared with the oracle over all reports. */
  figures: number;
  batches: number;
  ms: number;
}

export interface RunOptions {
  /** Bound on waiting for central to process everything and for each report. */
  timeoutMs?: number;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function ruleOfAction(kind: GatewayWrite['kind'] | undefined): Rule {
  return kind === 'misaligned' ? 'R2' : kind === 'future' ? 'R3' : 'R1';
}

export async function runScenario(
  env: FiguresEnvironment,
  scenario: Scenario,
  options: RunOptions = {},
): Promise<ScenarioResult> {
  const began = Date.now();
  const timeoutMs = options.timeoutMs ?? 90_000;
  const { seed, park } = scenario;
  const findings: Finding[] = [];
  const find = (rules: Rule[], where: string, lines: string[]): void => {
    findings.push({ seed, rules, where, lines });
  };
  const { pool, gateway } = env;
  const { token } = await createPark(pool, {
    id: park,
    name: `Figures model ${seed}`,
    timezone: scenario.timezone,
    openingHours: scenario.openingHours,
  });
  const parkDir = join(gateway.root, park);
  for (const r of scenario.rides) mkdirSync(join(parkDir, r.id), { recursive: true });
  const agent: Agent = await createAgent(
    parseAgentConfig({
      park,
      dataDir: join(env.dir, `agent-${park}`),
      central: { url: env.central.url, token },
      timezone: scenario.timezone,
      minAgeSeconds: 0,
      rides: scenario.rides.map((r) => ({
        id: r.id,
        remoteDir: `${park}/${r.id}`,
        afterBuffer: r.afterBuffer,
        connection: {
          type: 'sftp' as const,
          host: gateway.host,
          port: gateway.port,
          username: gateway.username,
          privateKeyPath: gateway.privateKeyPath,
          hostKeySha256: gateway.hostKeySha256,
        },
      })),
    }),
  );

  const deliveries: Delivery[] = [];
  const kindOf = new Map<string, GatewayWrite['kind']>();
  // Whole, increasing seconds in the past: the agent pulls oldest first, in write order.
  let mtime = Math.floor(Date.now() / 1000) - 86_400;
  let writes = 0;
  let actions = 0;
  try {
    for (const [index, round] of scenario.rounds.entries()) {
      for (const action of round.actions) {
        actions++;
        await applyAction(
          agent,
          action,
          kindOf.get(`${action.ride}/${action.fileName}`),
          index,
          find,
        );
      }
      for (const w of round.writes) {
        const path = join(parkDir, w.ride, w.fileName);
        writeFileSync(`${path}.part`, w.zip);
        renameSync(`${path}.part`, path);
        mtime += 1;
        utimesSync(path, mtime, mtime);
        kindOf.set(`${w.ride}/${w.fileName}`, w.kind);
        writes++;
      }
      const receivedAt = Date.now();
      for (const w of round.writes) {
        deliveries.push({
          round: index,
          ride: w.ride,
          note: w.kind === 'first' ? w.note : `${w.kind}: ${w.note}`,
          drop: readOracleDrop(w.ride, w.fileName, w.zip, receivedAt),
        });
      }
      await pullAndUpload(agent, index);
      await checkQuarantined(agent, deliveries.slice(-round.writes.length), index, find);
    }
  } finally {
    await agent.close();
  }

  const model = buildModel(deliveries);
  await waitProcessed(env, park, timeoutMs);
  const liveProblems = await checkBatches(env, park, model, find);
  const batches = Number(
    (
      await pool.query<{ n: string }>('SELECT count(*) AS n FROM batches WHERE park_id = $1', [
        park,
      ])
    ).rows[0]?.n ?? 0,
  );

  // Reports, requested through central and built by the worker with the Rust reporter.
  const requested = await Promise.all(
    scenario.reports.map(async (r) => ({
      r,
      id: await requestReport(pool, {
        park,
        ...(r.ride ? { ride: r.ride } : {}),
        from: instant(r.from),
        to: instant(r.to),
      }),
    })),
  );
  const severities = new Map(model.occurrences.map((o) => [o.code, o.severity]));
  let figures = 0;
  for (const { r, id } of requested) {
    const where = `report "${r.label}" [${instant(r.from)}, ${instant(r.to)})`;
    const status = await waitReport(env, id, timeoutMs);
    if (status.state !== 'ready' || !status.summary) {
      find(['R4'], where, [
        `the report ${status.state}: ${status.error ?? 'no reason given'} — a report must never fail for the data`,
      ]);
      continue;
    }
    const scope = { ride: r.ride, from: r.from, to: r.to };
    const expected = expectedReport(model, scope, scenario.timezone, scenario.openingHours);
    const summary = readSummary(status.summary);
    const { mismatches, compared } = compareSummary(expected, summary, severities);
    figures += compared + 3; // and the three outcome counts of the report input
    const rides = r.ride ? [r.ride] : scenario.rides.map((x) => x.id);
    const health = compareChannelHealth(model, rides, r, scenario.timezone, summary);
    figures += health.compared;
    if (health.lines.length > 0) find(['R4'], `${where}, channel health`, health.lines);
    const input = await centralInput(pool, park, r.ride, r.from, r.to);
    const diagnosis = diagnose(model, scope, expected, input, liveProblems);
    const lines = [...mismatches, ...diagnosis.outcomeLines];
    if (lines.length === 0) continue;
    const rules = [...diagnosis.rules];
    if (rules.length === 0) {
      // Central's input agrees with the oracle: the reporter turned it into other figures.
      const alarmFigure = mismatches.some((m) => /alarm|failures|mttr|mtbf/i.test(m));
      const warningDowntime = mismatches.some((m) => m.includes('carries no downtime'));
      if (warningDowntime) rules.push('R4');
      if (alarmFigure) rules.push('R5');
      if (!alarmFigure || rules.length === 0) rules.push('R4');
      lines.push(
        "(central's report input agrees with the oracle on every ride-hour and alarm: the reporter computed these)",
      );
    } else {
      lines.push(
        'what central gave the reporter, where it differs from the oracle:',
        ...diagnosis.lines.slice(0, 60),
      );
      if (diagnosis.lines.length > 60)
        lines.push(`… and ${diagnosis.lines.length - 60} more lines`);
    }
    find([...new Set(rules)].sort(), where, lines);
  }
  figures += await checkRidePages(env, scenario, model, find);
  return {
    seed,
    findings,
    writes,
    actions,
    reports: scenario.reports.length,
    figures,
    batches,
    ms: Date.now() - began,
  };
}

async function applyAction(
  agent: Agent,
  action: AgentAction,
  kind: GatewayWrite['kind'] | undefined,
  round: number,
  find: (rules: Rule[], where: string, lines: string[]) => void,
): Promise<void> {
  const rule = ruleOfAction(kind);
  const where = `round ${round}: ${action.note} (${action.ride}/${action.fileName})`;
  const listed = agent
    .quarantined()
    .find(
      (q) => q.ride === action.ride && q.fileName === action.fileName && q.sha256 === action.sha256,
    );
  if (!listed) {
    find([rule], where, [
      `the agent does not list ${action.fileName} (sha ${action.sha256.slice(0, 10)}) as quarantined, so a person cannot ${action.kind === 'delete-quarantined' ? 'delete' : 're-check'} it`,
      `quarantined now: ${
        agent
          .quarantined()
          .map((q) => `${q.ride}/${q.fileName}`)
          .join(', ') || 'none'
      }`,
    ]);
    return;
  }
  try {
    if (action.kind === 'delete-quarantined') {
      await agent.deleteQuarantined(listed.id);
    } else {
      const result = await agent.recheckQuarantined(listed.id);
      if (result.outcome !== 'quarantined') {
        find([rule], where, [
          `re-checking an invalid drop must leave it quarantined; the agent answered "${result.outcome}"`,
        ]);
      }
    }
  } catch (err) {
    find([rule], where, [`the agent's ${action.kind} failed: ${(err as Error).message}`]);
  }
}

/** One agent round, repeated (bounded) until nothing waits for upload. */
async function pullAndUpload(agent: Agent, round: number): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    const run = await agent.runOnce();
    const failed = run.rides.filter((r) => r.error !== null || (r.result?.failed.length ?? 0) > 0);
    if (failed.length > 0) {
      throw new Error(
        `round ${round}: pulling failed (${failed.map((r) => `${r.id}: ${r.error ?? r.result?.failed.map((f) => `${f.name}: ${f.error}`).join(', ')}`).join('; ')}); the gateway or agent is broken, not the figures`,
      );
    }
    const waiting = agent.status().backlog.drops;
    if (waiting === 0) return;
    if (attempt >= 5) {
      throw new Error(
        `round ${round}: ${waiting} drops still wait for upload after ${attempt} rounds (last upload error: ${run.upload.error ?? 'none'})`,
      );
    }
    await sleep(500);
  }
}

/** Every file the oracle rejects must be quarantined by the agent with the rule's code. */
async function checkQuarantined(
  agent: Agent,
  delivered: Delivery[],
  round: number,
  find: (rules: Rule[], where: string, lines: string[]) => void,
): Promise<void> {
  for (const d of delivered) {
    const rejection = d.drop.rejection;
    if (!rejection) continue;
    const records = [];
    for (let cursor: string | undefined; ; ) {
      const page = agent.drops.list({ ride: d.ride, limit: 500, ...(cursor ? { cursor } : {}) });
      records.push(...page.drops);
      if (!page.nextCursor) break;
      cursor = page.nextCursor;
    }
    const record = records.find(
      (r) => r.fileName === d.drop.fileName && r.sha256 === d.drop.sha256,
    );
    if (record?.state === 'quarantined' && record.reasonCode === rejection.code) continue;
    find([rejection.rule], `round ${round}: ${d.ride}/${d.drop.fileName} (${d.note})`, [
      `expected the agent to quarantine it with code ${rejection.code} (${rejection.why})`,
      record
        ? `the agent holds it as ${record.state}${record.reasonCode ? ` (${record.reasonCode})` : ''}`
        : 'the agent holds no record of this file under this name',
    ]);
  }
}

async function waitProcessed(
  env: FiguresEnvironment,
  park: string,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { rows } = await env.pool.query<{ file_name: string; state: string }>(
      `SELECT file_name, state FROM batches
        WHERE park_id = $1 AND state IN ('stored', 'queued', 'processing') ORDER BY received_at`,
      [park],
    );
    if (rows.length === 0) return;
    if (Date.now() > deadline) {
      throw new Error(
        `central did not finish processing within ${timeoutMs / 1000} s; still pending: ` +
          rows
            .slice(0, 10)
            .map((r) => `${r.file_name} (${r.state})`)
            .join(', ') +
          (rows.length > 10 ? ` and ${rows.length - 10} more` : '') +
          ' — is the worker running and are the Rust binaries built (cargo build --release)?',
      );
    }
    await sleep(200);
  }
}

interface BatchRow {
  id: string;
  ride_id: string | null;
  window_start: Date | null;
  content_id: string | null;
  sequence: number | null;
  state: string;
  superseded_by: string | null;
  file_name: string;
  error: string | null;
}

/**
 * Guarantee 1 and R2 on central's batches: each valid content is exactly one processed batch,
 * each ride-window has exactly its latest content live, and nothing rejected is live.
 * Returns the ride-hours whose live batches are wrong, with the rule, for the report checks.
 */
async function checkBatches(
  env: FiguresEnvironment,
  park: string,
  model: OracleModel,
  find: (rules: Rule[], where: string, lines: string[]) => void,
): Promise<Map<string, Rule>> {
  const { rows } = await env.pool.query<BatchRow>(
    `SELECT id, ride_id, window_start, content_id, sequence, state, superseded_by, file_name, error
       FROM batches WHERE park_id = $1 ORDER BY received_at`,
    [park],
  );
  const problems = new Map<string, Rule>();
  const history = (ride: string, start: number): string[] =>
    (model.history.get(windowKey(ride, Math.floor(start / HOUR) * HOUR)) ?? []).map(
      (h) => `    ${h}`,
    );

  for (const [contentId, d] of model.validContents) {
    const held = rows.filter((b) => b.content_id === contentId);
    const ok = held.length === 1 && held[0]?.state === 'processed';
    if (ok) continue;
    const badNameFirst = model.deliveries.some(
      (x) => x.drop.sha256 === d.drop.sha256 && x.drop.rejection?.code === 'name_mismatch',
    );
    const rule: Rule = held.length === 0 && badNameFirst ? 'R1' : 'no loss';
    problems.set(windowKey(d.ride, d.drop.windowStart), rule);
    find(
      [rule],
      `content ${contentId.slice(0, 10)} of ${d.ride} ${instant(d.drop.windowStart)} (${d.drop.fileName})`,
      [
        held.length === 0
          ? `a valid drop never became a batch at central${badNameFirst ? ' (its bytes had come first under a bad name, which must not shadow the canonical file)' : ''}`
          : `expected exactly one processed batch, central has ${held.map((b) => `${b.file_name}: ${b.state}${b.error ? ` (${b.error})` : ''}`).join('; ')}`,
        ...history(d.ride, d.drop.windowStart),
      ],
    );
  }

  for (const w of model.live.values()) {
    const key = windowKey(w.ride, w.windowStart);
    const live = rows.filter(
      (b) =>
        b.ride_id === w.ride &&
        b.window_start?.getTime() === w.windowStart &&
        b.content_id !== null &&
        b.state !== 'quarantined' &&
        b.superseded_by === null,
    );
    const wrong = live.length !== 1 || live[0]?.content_id !== w.drop.contentId;
    if (!wrong) continue;
    // Missing altogether: already reported above, under the rule that lost it.
    if (live.length === 0 && problems.has(key)) continue;
    problems.set(key, 'R2');
    find(['R2'], `ride-window ${w.ride} ${instant(w.windowStart)}`, [
      `expected exactly the latest content ${w.drop.contentId.slice(0, 10)} (${w.drop.fileName}, seq ${w.drop.sequence}) live; ` +
        `live at central: ${live.map((b) => `${b.file_name} seq ${b.sequence} content ${b.content_id?.slice(0, 10)}`).join('; ') || 'nothing'}`,
      ...history(w.ride, w.windowStart),
    ]);
  }

  const valid = new Set(model.validContents.keys());
  for (const b of rows) {
    if (b.content_id === null || valid.has(b.content_id) || b.state === 'quarantined') continue;
    const d = model.deliveries.find((x) => x.drop.contentId === b.content_id);
    const rule: Rule = d?.drop.rejection?.rule ?? 'R2';
    const start = b.window_start?.getTime() ?? 0;
    if (b.superseded_by === null && b.ride_id)
      problems.set(windowKey(b.ride_id, Math.floor(start / HOUR) * HOUR), rule);
    find([rule], `batch ${b.file_name}`, [
      `central accepted a drop that must be rejected${d?.drop.rejection ? ` with ${d.drop.rejection.code} (${d.drop.rejection.why})` : ''}; it is ${b.state}${b.superseded_by ? ', superseded' : ', live'}`,
      ...(b.ride_id ? history(b.ride_id, start) : []),
    ]);
  }
  return problems;
}

interface ReportDone {
  state: string;
  error: string | null;
  summary: string | null;
}

async function waitReport(
  env: FiguresEnvironment,
  id: string,
  timeoutMs: number,
): Promise<ReportDone> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const s = await reportStatus(env.pool, id);
    if (s && (s.state === 'ready' || s.state === 'failed')) {
      return { state: s.state, error: s.error, summary: s.files?.summary ?? null };
    }
    if (Date.now() > deadline) {
      throw new Error(
        `report ${id} is still ${s?.state ?? 'unknown'} after ${timeoutMs / 1000} s${s?.error ? ` (last error: ${s.error})` : ''}; is the worker consuming the report queue?`,
      );
    }
    await sleep(200);
  }
}
