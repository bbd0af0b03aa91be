import { Counter, Gauge, Registry } from 'prom-client';
import type { AgentObserver } from '../agent.ts';
import type { AgentStatus } from './agent-status.ts';
import type { UploadRoundResult } from '../upload/upload.ts';

/** The agent's Prometheus metrics, in their own registry (served at `/metrics`). */
export interface AgentMetrics {
  registry: Registry;
  /** Feeds the pull and upload counters; pass it as `AgentOptions.observer`. */
  observer: AgentObserver;
  /** Where the gauges read the buffer and backlog when scraped. */
  bind(status: () => AgentStatus): void;
}

/** Builds the registry: pull, byte and upload-failure counters; buffer and backlog gauges. */
export function createAgentMetrics(now: () => number = Date.now): AgentMetrics {
  const registry = new Registry();
  let status: (() => AgentStatus) | null = null;
  const pulls = new Counter({
    name: 'zra_agent_pulls_total',
    help: 'Pulls of a ride, by outcome (ok, failed, paused for space)',
    labelNames: ['ride', 'outcome'] as const,
    registers: [registry],
  });
  const pulledBytes = new Counter({
    name: 'zra_agent_pulled_bytes_total',
    help: 'Bytes downloaded from the gateways into the buffer as new drops',
    registers: [registry],
  });
  const uploadFailures = new Counter({
    name: 'zra_agent_upload_failures_total',
    help: 'Drop uploads that failed (the drop stays buffered), plus rounds central did not answer',
    registers: [registry],
  });
  new Gauge({
    name: 'zra_agent_buffer_bytes',
    help: 'Bytes of blobs in the local buffer',
    registers: [registry],
    collect() {
      if (status) this.set(status().buffer.bytes);
    },
  });
  new Gauge({
    name: 'zra_agent_backlog_drops',
    help: 'Drops pulled but not yet acknowledged by central',
    registers: [registry],
    collect() {
      if (status) this.set(status().backlog.drops);
    },
  });
  new Gauge({
    name: 'zra_agent_backlog_age_seconds',
    help: 'Age of the oldest drop waiting for central (0 when none waits)',
    registers: [registry],
    collect() {
      const oldest = status?.().backlog.oldestPulledAt;
      this.set(oldest ? Math.max(0, (now() - Date.parse(oldest)) / 1000) : 0);
    },
  });
  return {
    registry,
    observer: {
      pulled(ride, outcome, bytes) {
        pulls.inc({ ride, outcome });
        if (bytes > 0) pulledBytes.inc(bytes);
      },
      uploaded(result: UploadRoundResult) {
        const failures = result.failed + (result.error === null ? 0 : 1);
        if (failures > 0) uploadFailures.inc(failures);
      },
    },
    bind(fn) {
      status = fn;
    },
  };
}
