import { FAULT_KINDS, FaultInjector, type FaultEvent, type FaultKind } from './fault-injector.ts';
import { PARK, RIDES, startChaosSystem, type ChaosSystem } from './chaos-system.ts';
import { DropWriter, type WriteKind } from './drop-writer.ts';
import {
  checkInvariants,
  pending,
  takeSnapshot,
  type CheckTargets,
  type Violation,
} from './invariants.ts';
import type { UnexpectedExit } from './managed-process.ts';
import { PLANTED_CHECKS, plantDamage } from './plant-damage.ts';
import { seededRandom } from './seeded-random.ts';

/** Options of {@link runCampaign}. */
export interface CampaignOptions {
  seed: number;
  /** How long faults are injected and drops written. */
  faultMinutes: number;
  faultsPerMinute: number;
  /** New things written on the gateway per minute. */
  dropsPerMinute: number;
  /** The longest the system gets to settle after the faults stop. */
  drainMinutes: number;
  /** Telemetry rate of the generated drops (low keeps the run quick). */
  rateHz: number;
  apis: number;
  workers: number;
  /**
   * After the real checks, damage the drained system on purpose (plant-damage.ts) and check
   * again: every planted kind must be found, or the checks themselves are broken.
   */
  selfCheck: boolean;
  /** Progress lines (one per phase and per half minute), for the person watching. */
  progress: (line: string) => void;
}

/** What a campaign did and found. */
export interface CampaignResult {
  seed: number;
  faults: FaultEvent[];
  faultsByKind: Record<FaultKind, number>;
  writesByKind: Record<WriteKind, number>;
  distinctDrops: number;
  unexpectedExits: UnexpectedExit[];
  violations: Violation[];
  /** With `selfCheck`: the planted kinds of damage the checks did not find (must be empty). */
  selfCheckMissed: string[] | null;
  drainedAfterMs: number | null;
  wallMs: number;
  /** When the faults began (epoch ms), to place violations on the fault timeline. */
  startedAt: number;
  /** Where the logs of every process are (kept when there are violations). */
  logDir: string | null;
}

const WRITE_WEIGHTS: Record<WriteKind, number> = {
  new: 60,
  slow: 15,
  resend: 10,
  rezip: 8,
  revision: 7,
};

/**
 * The system-wide fault campaign: starts every part, writes drops and injects faults for the
 * given time, repairs everything, lets the system drain for a bounded time and checks the
 * invariants. Everything random comes from `seed`.
 */
export async function runCampaign(o: CampaignOptions): Promise<CampaignResult> {
  const began = Date.now();
  const random = seededRandom(o.seed);
  const unexpectedExits: UnexpectedExit[] = [];
  const minAgeSeconds = 2;
  o.progress(
    `starting PostgreSQL, RabbitMQ, sshd, ${o.apis} APIs, ${o.workers} workers and the agent`,
  );
  const system = await startChaosSystem({
    apis: o.apis,
    workers: o.workers,
    minAgeSeconds,
    onUnexpectedExit: (exit) => {
      unexpectedExits.push(exit);
      o.progress(
        `unexpected exit of ${exit.name} (${exit.code ?? exit.signal}): ${lastWords(exit.logTail)}`,
      );
    },
  });
  let keepLogs = false;
  try {
    const writer = new DropWriter({
      park: PARK,
      rides: RIDES,
      gatewayRoot: system.gateway.root,
      seed: o.seed,
      // Each ride gets a drop per opening hour (about half the day): enough hours for every
      // write the run can make, with room to spare.
      hours: Math.ceil((o.dropsPerMinute * o.faultMinutes) / RIDES.length / 0.4) + 48,
      rateHz: o.rateHz,
      random: random.fork('drops'),
      // Below the min age even when SFTP rounds the mtime down to the second.
      slowPauseMs: (minAgeSeconds - 1) * 1000 - 200,
    });
    await writer.init();
    const startedAt = Date.now();
    const until = startedAt + o.faultMinutes * 60_000;
    const injector = new FaultInjector({
      system,
      random: random.fork('faults'),
      faultsPerMinute: o.faultsPerMinute,
      maxConcurrent: 6,
      startedAt,
    });
    o.progress(`injecting about ${o.faultsPerMinute} faults a minute for ${o.faultMinutes} min`);
    const writesByKind = Object.fromEntries(
      Object.keys(WRITE_WEIGHTS).map((k) => [k, 0]),
    ) as Record<WriteKind, number>;
    const writing = (async () => {
      const gap = 60_000 / o.dropsPerMinute;
      while (Date.now() < until) {
        writesByKind[await writer.step(WRITE_WEIGHTS)] += 1;
        await sleep(gap);
      }
      await writer.settle();
    })();
    const ticker = setInterval(() => {
      o.progress(
        `${Math.round((Date.now() - startedAt) / 1000)} s: ${injector.events.length} faults, ${writer.written.length} files written`,
      );
    }, 30_000);
    await Promise.all([injector.run(until), writing]);
    clearInterval(ticker);

    o.progress('faults stopped; repairing every part and draining');
    await repairAll(system);
    const targets: CheckTargets = {
      databaseUrl: system.databaseUrl,
      amqpUrl: system.broker.url,
      agentDataDir: system.agentDataDir,
      blobDir: system.blobDir,
      gatewayRoot: system.gateway.root,
      park: PARK,
      rides: RIDES,
      written: writer.written,
    };
    const drainStart = Date.now();
    let drainedAfterMs: number | null = null;
    let left: string[] = ['nothing read yet'];
    while (Date.now() - drainStart < o.drainMinutes * 60_000) {
      const snapshot = await takeSnapshot(targets).catch((err: unknown) => {
        left = [`cannot read the state: ${(err as Error).message}`];
        return null;
      });
      if (snapshot) left = pending(snapshot, writer.written);
      if (left.length === 0) {
        drainedAfterMs = Date.now() - drainStart;
        break;
      }
      await sleep(2000);
    }
    o.progress(
      drainedAfterMs === null
        ? `not drained after ${o.drainMinutes} min (${left.join('; ')}); checking`
        : `drained in ${Math.round(drainedAfterMs / 1000)} s; checking`,
    );
    // Orderly stops, so the agent's database and the temp folders are read at rest.
    await Promise.all([system.agent, ...system.workers, ...system.apis].map((p) => p.stop()));
    const snapshot = await takeSnapshot(targets);
    const violations = await checkInvariants(targets, snapshot);
    for (const exit of unexpectedExits) {
      violations.push({
        at: exit.at,
        check: 'process-exited',
        detail: `${exit.name} exited by itself (${exit.code ?? exit.signal}): ${lastWords(exit.logTail)}`,
      });
    }
    for (const e of injector.events.filter((x) => x.error)) {
      violations.push({
        at: startedAt + e.at,
        check: 'recovery-failed',
        detail: `${e.kind} on ${e.target} at ${Math.round(e.at / 1000)} s: ${e.error}`,
      });
    }
    keepLogs = violations.length > 0;
    let selfCheckMissed: string[] | null = null;
    if (o.selfCheck) {
      await plantDamage(system);
      const found = new Set(
        (await checkInvariants(targets, await takeSnapshot(targets))).map((x) => x.check),
      );
      selfCheckMissed = PLANTED_CHECKS.filter((check) => !found.has(check));
    }
    const faultsByKind = Object.fromEntries(FAULT_KINDS.map((k) => [k, 0])) as Record<
      FaultKind,
      number
    >;
    for (const e of injector.events) faultsByKind[e.kind] += 1;
    return {
      seed: o.seed,
      startedAt,
      faults: injector.events,
      faultsByKind,
      writesByKind,
      distinctDrops: new Set(writer.written.map((w) => w.contentId)).size,
      unexpectedExits,
      violations,
      selfCheckMissed,
      drainedAfterMs,
      wallMs: Date.now() - began,
      logDir: keepLogs ? system.dir : null,
    };
  } finally {
    await system.close(keepLogs);
  }
}

/** Every link restored and every part running again, whatever the last faults left. */
async function repairAll(system: ChaosSystem): Promise<void> {
  for (const link of Object.values(system.links)) link.restore();
  await system.postgres.start();
  await system.broker.start();
  if (!(await system.gatewayListening())) await system.gatewayProcess.restart();
  await Promise.all(
    [...system.apis, ...system.workers, system.agent].map((p) => p.start().catch(() => undefined)),
  );
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** The last log line of a process, its message only (JSON logs carry whole stacks). */
function lastWords(logTail: string): string {
  const line = logTail.trimEnd().split('\n').at(-1) ?? '';
  try {
    const entry = JSON.parse(line) as { msg?: string; err?: { message?: string } };
    return [entry.msg, entry.err?.message].filter(Boolean).join(': ').slice(0, 240);
  } catch {
    return line.slice(0, 240);
  }
}
