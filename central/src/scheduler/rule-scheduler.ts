import type { Logger } from 'pino';
import { startRuleTimer, type RuleTimer } from '@zra/shared';

/** A standing rule that fires on a cron expression in a time zone. */
export interface TimedRule {
  cron: string;
  timezone: string;
}

/** What a {@link startRuleScheduler} runs: where the rules come from and what a firing does. */
export interface RuleSchedulerOptions<R extends TimedRule> {
  /** What the rules are ("report", "download"), for the log. */
  name: string;
  log: Logger;
  /** The rules that should fire now; read at start and at every reload. */
  list(): Promise<R[]>;
  /** A rule's identity: one timer per key. */
  key(rule: R): string;
  /** What makes a timer out of date: any change of what or when the rule fires. */
  signature(rule: R): string;
  /**
   * One firing at its scheduled instant. Every replica fires every rule, so this must claim
   * the firing (a firing key in PostgreSQL) before acting on it.
   */
  fire(rule: R, scheduledAt: Date): Promise<void>;
  /** Firings to make up at each reload (after downtime), fired through `fire` like any other. */
  missed?(rules: R[]): Promise<{ rule: R; at: Date }[]>;
  /** How often rules are re-read, so added, changed or removed rules take effect (default 30 s). */
  reloadMs?: number;
}

/** A running scheduler. */
export interface RuleScheduler {
  /** Firings this process attempted. */
  fired(): number;
  /** Stops the timers, then waits for firings in progress. */
  stop(): Promise<void>;
}

/**
 * Runs every listed rule on a timer in its time zone at the instants shared's `nextFiring`
 * gives (R6 on DST days), and re-reads the rules every `reloadMs`. The scheduler of report rules
 * and of central-pull rides alike; each firing's exactly-once claim is the caller's `fire`.
 */
export function startRuleScheduler<R extends TimedRule>(
  options: RuleSchedulerOptions<R>,
): RuleScheduler {
  const { log } = options;
  const tasks = new Map<string, { signature: string; task: RuleTimer }>();
  const inFlight = new Set<Promise<void>>();
  let fired = 0;
  let stopped = false;

  function fire(rule: R, scheduledAt: Date): void {
    fired++;
    const work = options
      .fire(rule, scheduledAt)
      .catch((err: unknown) =>
        log.error(
          { err, rule: options.key(rule), scheduledAt },
          `${options.name} rule fired but its work was not queued`,
        ),
      );
    inFlight.add(work);
    void work.finally(() => inFlight.delete(work));
  }

  async function reload(): Promise<void> {
    const rules = await options.list();
    const wanted = new Map(rules.map((r) => [options.key(r), r]));
    for (const [key, entry] of tasks) {
      const rule = wanted.get(key);
      if (!rule || options.signature(rule) !== entry.signature) {
        entry.task.stop();
        tasks.delete(key);
      }
    }
    for (const rule of rules) {
      const key = options.key(rule);
      if (tasks.has(key) || stopped) continue;
      const task = startRuleTimer(rule.cron, rule.timezone, (at) => fire(rule, at));
      tasks.set(key, { signature: options.signature(rule), task });
    }
    for (const { rule, at } of (await options.missed?.(rules)) ?? []) {
      if (stopped) break;
      log.debug({ rule: options.key(rule), scheduledAt: at }, 'making up a missed firing');
      fire(rule, at);
    }
  }

  const reloadMs = options.reloadMs ?? 30_000;
  let timer: NodeJS.Timeout | undefined;
  const loop = async () => {
    try {
      await reload();
    } catch (err) {
      log.warn(
        { err },
        `${options.name} scheduler: cannot read the rules (database down?); keeping the current ones`,
      );
    }
    if (!stopped) {
      timer = setTimeout(() => {
        running = loop();
      }, reloadMs);
    }
  };
  let running = loop();

  return {
    fired: () => fired,
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
      for (const { task } of tasks.values()) task.stop();
      tasks.clear();
      await Promise.all(inFlight);
    },
  };
}
