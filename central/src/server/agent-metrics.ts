import type pg from 'pg';
import { Gauge, type Registry } from 'prom-client';
import { fleetAgentHealth } from '../agents/heartbeat-store.ts';
import { oncePerScrape } from './once-per-scrape.ts';

/**
 * Per-park agent gauges from the latest heartbeats: `zra_park_silent` and
 * `zra_park_backlog_growing` (1 = flagged) for alerting, and the backlog and heartbeat age
 * behind them. One label value per park: a bounded set that operators create.
 */
export function registerAgentMetrics(registry: Registry, pool: pg.Pool, silentAfterMs: number) {
  const health = oncePerScrape(() => fleetAgentHealth(pool, silentAfterMs));
  const gauge = (
    name: string,
    help: string,
    value: (h: Awaited<ReturnType<typeof health>>[number]) => number | null,
  ) =>
    new Gauge({
      name,
      help,
      labelNames: ['park'],
      registers: [registry],
      async collect() {
        this.reset();
        // Without the database (zra_database_up 0) the gauge is served without samples.
        for (const h of await health().catch(() => [])) {
          const v = value(h);
          if (v !== null) this.set({ park: h.park }, v);
        }
      },
    });
  gauge(
    'zra_park_silent',
    'Parks whose agent sent no heartbeat within HEARTBEAT_SILENT_MIN (or never).',
    (h) => (h.silent ? 1 : 0),
  );
  gauge(
    'zra_park_backlog_growing',
    "Parks whose agent's upload backlog rose at each of its last three heartbeats.",
    (h) => (h.backlogGrowing ? 1 : 0),
  );
  gauge(
    'zra_park_backlog_drops',
    'Drops waiting in the agent to be uploaded.',
    (h) => h.backlogDrops,
  );
  gauge(
    'zra_park_backlog_oldest_seconds',
    'Age of the oldest drop waiting in the agent (0 when the backlog is empty).',
    (h) =>
      h.lastHeartbeatAt === null
        ? null
        : h.backlogOldestPulledAt === null
          ? 0
          : Math.max(0, (Date.now() - Date.parse(h.backlogOldestPulledAt)) / 1000),
  );
  gauge('zra_park_heartbeat_age_seconds', 'Seconds since the last heartbeat.', (h) =>
    h.lastHeartbeatAt === null ? null : (Date.now() - Date.parse(h.lastHeartbeatAt)) / 1000,
  );
}
