import { describe, expect, it } from 'vitest';
import { createAgentMetrics } from './agent-metrics.ts';
import type { AgentStatus } from './agent-status.ts';
import type { UploadRoundResult } from '../upload/upload.ts';

const round = (over: Partial<UploadRoundResult>): UploadRoundResult => ({
  acknowledged: 0,
  duplicates: 0,
  quarantinedByCentral: 0,
  failed: 0,
  rejected: 0,
  remaining: 0,
  damaged: 0,
  heldBack: 0,
  error: null,
  ...over,
});

describe('agent metrics', () => {
  it('counts failed uploads and unanswered rounds, and ages the backlog from its oldest pull', async () => {
    const now = Date.parse('2026-06-01T10:10:00Z');
    const m = createAgentMetrics(() => now);
    m.bind(
      () =>
        ({
          buffer: { bytes: 2048 },
          backlog: { drops: 2, bytes: 2048, oldestPulledAt: '2026-06-01T10:00:00.000Z' },
        }) as AgentStatus,
    );
    m.observer.uploaded(round({ acknowledged: 1, failed: 2 }));
    m.observer.uploaded(round({ error: 'central is unreachable (ECONNREFUSED)' }));
    m.observer.uploaded(round({ acknowledged: 3 }));
    m.observer.pulled('r1', 'failed', 0);

    const text = await m.registry.metrics();

    expect(text).toContain('zra_agent_upload_failures_total 3');
    expect(text).toContain('zra_agent_backlog_age_seconds 600');
    expect(text).toContain('zra_agent_buffer_bytes 2048');
    expect(text).toContain('zra_agent_pulls_total{ride="r1",outcome="failed"} 1');
    expect(text).toContain('zra_agent_pulled_bytes_total 0');
  });
});
