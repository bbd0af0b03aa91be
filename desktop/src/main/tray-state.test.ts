import { describe, expect, it } from 'vitest';
import type { AgentStatus, RideStatus } from '../core/status/agent-status.ts';
import { circleBitmap, TRAY_COLOURS, trayState } from './tray-state.ts';

function ride(over: Partial<RideStatus> = {}): RideStatus {
  return {
    id: 'thunder-loop',
    type: 'sftp',
    source: 'stored',
    lastPullAt: '2026-06-06T10:00:00Z',
    lastSuccessAt: '2026-06-06T10:00:00Z',
    lastResult: null,
    lastError: null,
    lastErrorFrom: null,
    hostKeyChanged: null,
    hostKey: { state: 'pinned', pinned: 'SHA256:x', presented: 'SHA256:x' },
    pausedReason: null,
    schedule: ['*/15 * * * *'],
    scheduleInWords: ['every 15 minutes'],
    nextPullAt: null,
    pulling: 'idle',
    ...over,
  };
}

function status(over: Partial<AgentStatus> = {}): AgentStatus {
  return {
    park: 'lago',
    running: true,
    lastRunAt: null,
    rides: [ride()],
    upload: { lastRunAt: null, lastResult: null },
    uploadBytesPerSecond: null,
    timeZone: 'Europe/Rome',
    central: {
      state: 'online',
      offlineSince: null,
      lastError: null,
      nextAttemptAt: null,
      lastContactAt: '2026-06-06T10:00:00Z',
      failures: 0,
    },
    heartbeat: { lastSentAt: null, lastError: null, nextAt: null },
    drops: { buffered: 0, uploading: 0, acknowledged: 3, quarantined: 0, rejected: 0 },
    buffer: {
      bytes: 0,
      maxBytes: 1,
      waitingBytes: 0,
      acknowledgedBytes: 0,
      keptBytes: 0,
      pullPausedReason: null,
    },
    quarantined: [],
    rejected: [],
    backlog: { drops: 0, bytes: 0, oldestPulledAt: null },
    global: { fetchedAt: null, error: null, standing: null, drops: [], reports: [] },
    ...over,
  };
}

const problem = {
  id: 1,
  sha256: 'a',
  ride: 'thunder-loop',
  fileName: 'x.zip',
  reasonCode: 'zip_corrupt',
  reason: 'bad',
  updatedAt: '',
};

describe('tray state', () => {
  it('is green when data moves and nothing needs a person', () => {
    expect(trayState(status())).toMatchObject({ tone: 'ok', colour: TRAY_COLOURS.ok });
    expect(trayState(status()).tooltip).toBe('Zamperla park agent (lago): All good');
  });

  it('asks for a look for quarantined drops or a host key to accept', () => {
    expect(trayState(status({ quarantined: [problem] })).tone).toBe('attention');
    const waiting = ride({
      hostKey: { state: 'unconfirmed', pinned: null, presented: 'SHA256:y' },
    });
    const s = trayState(status({ rides: [waiting] }));
    expect(s.tone).toBe('attention');
    expect(s.tooltip).toContain('thunder-loop: host key waiting to be accepted');
  });

  it('is red when data stops, and the worst state wins over a mere look', () => {
    const offline = status({
      quarantined: [problem],
      central: { ...status().central, state: 'offline', offlineSince: '2026-06-06T09:00:00Z' },
    });
    expect(trayState(offline)).toMatchObject({ tone: 'failing', colour: TRAY_COLOURS.failing });
    expect(trayState(offline).tooltip.split('\n')[1]).toBe('central cannot be reached');
    expect(trayState(status({ rides: [ride({ lastError: 'connection refused' })] })).tone).toBe(
      'failing',
    );
    const changed = ride({
      hostKey: { state: 'changed', pinned: 'SHA256:x', presented: 'SHA256:z' },
    });
    expect(trayState(status({ rides: [changed] })).tone).toBe('failing');
    const full = { ...status().buffer, pullPausedReason: 'the buffer is full' };
    expect(trayState(status({ buffer: full })).tone).toBe('failing');
  });

  it('draws a filled circle of the colour on a transparent square', () => {
    const px = circleBitmap('#b3261e', 16);
    expect(px.length).toBe(16 * 16 * 4);
    const at = (x: number, y: number) => [...px.subarray((y * 16 + x) * 4, (y * 16 + x) * 4 + 4)];
    expect(at(8, 8)).toEqual([0x1e, 0x26, 0xb3, 255]); // BGRA, opaque in the middle
    expect(at(0, 0)[3]).toBe(0); // transparent corner
    expect(() => circleBitmap('red')).toThrow(/#rrggbb/);
  });
});
