import { verifyDrop } from '@zra/shared';
import type { Logger } from 'pino';
import type { AgentStatus, RideStatus, RunSummary } from './agent-status.ts';
import { DropBuffer } from './buffer/drop-buffer.ts';
import { createCentralClient, type CentralClient } from './central-client.ts';
import type { AgentConfig, RideConfig } from './config.ts';
import { connectGateway } from './gateway/create-gateway-client.ts';
import type { GatewayClient } from './gateway/gateway-client.ts';
import { HostKeyMismatchError } from './gateway/host-key.ts';
import { silentLogger } from './logger.ts';
import { pullRide, type DropVerifier } from './pull.ts';
import { SettleTracker } from './settle-tracker.ts';
import { uploadBuffered } from './upload.ts';

/** Seams for tests and for the Electron shell; production uses the defaults. */
export interface AgentOptions {
  log?: Logger;
  verify?: DropVerifier;
  connect?: (ride: RideConfig) => Promise<GatewayClient>;
  central?: CentralClient;
}

/** The park agent: pulls every ride into the buffer, uploads the buffer to central. */
export interface Agent {
  /** One round: pull all rides (one after the other), then upload. Never overlaps itself. */
  runOnce(): Promise<RunSummary>;
  /** Runs a round now and then every `pollSeconds` until `stop()`. */
  start(): void;
  /** Stops the loop and waits for a round in progress. */
  stop(): Promise<void>;
  status(): AgentStatus;
  /** Stops and closes the buffer. */
  close(): Promise<void>;
}

/** Opens the buffer in `config.dataDir` (repairing what a crash left) and builds the agent. */
export async function createAgent(config: AgentConfig, options: AgentOptions = {}): Promise<Agent> {
  const log = (options.log ?? silentLogger()).child({ park: config.park });
  const buffer = await DropBuffer.open(config.dataDir, log.child({ component: 'buffer' }));
  const central = options.central ?? createCentralClient(config.central.url, config.central.token);
  const verify = options.verify ?? verifyDrop;
  const connect =
    options.connect ??
    ((ride: RideConfig) => connectGateway(ride.connection, log.child({ ride: ride.id })));

  const rides = new Map<string, RideStatus>(
    config.rides.map((r) => [
      r.id,
      {
        id: r.id,
        lastPullAt: null,
        lastSuccessAt: null,
        lastResult: null,
        lastError: null,
        hostKeyChanged: null,
      },
    ]),
  );
  const state: { lastRunAt: string | null; upload: AgentStatus['upload'] } = {
    lastRunAt: null,
    upload: { lastRunAt: null, lastResult: null },
  };
  const settle = new SettleTracker(config.minAgeSeconds * 1000);
  let current: Promise<RunSummary> | null = null;
  let timer: NodeJS.Timeout | null = null;
  let running = false;

  async function round(): Promise<RunSummary> {
    const summary: RunSummary['rides'] = [];
    for (const ride of config.rides) {
      const status = rides.get(ride.id);
      if (!status) continue;
      try {
        const result = await pullRide(ride, {
          park: config.park,
          buffer,
          connect,
          verify,
          log: log.child({ component: 'pull' }),
          minAgeMs: config.minAgeSeconds * 1000,
          settle,
        });
        Object.assign(status, {
          lastResult: result,
          lastError: null,
          hostKeyChanged: null,
          lastSuccessAt: new Date().toISOString(),
        });
        summary.push({ id: ride.id, result, error: null });
      } catch (err) {
        const message = (err as Error).message;
        status.lastError = message;
        status.hostKeyChanged =
          err instanceof HostKeyMismatchError ? { expected: err.expected, got: err.got } : null;
        log.error({ ride: ride.id, err }, 'pull failed');
        summary.push({ id: ride.id, result: null, error: message });
      } finally {
        status.lastPullAt = new Date().toISOString();
      }
    }
    const upload = await uploadBuffered({
      buffer,
      client: central,
      log: log.child({ component: 'upload' }),
      chunkBytes: config.chunkBytes,
    });
    state.upload = { lastRunAt: new Date().toISOString(), lastResult: upload };
    state.lastRunAt = new Date().toISOString();
    return { rides: summary, upload, drops: buffer.counts() };
  }

  function runOnce(): Promise<RunSummary> {
    current ??= round().finally(() => {
      current = null;
    });
    return current;
  }

  function schedule(): void {
    if (!running) return;
    timer = setTimeout(() => {
      timer = null;
      runOnce()
        .catch((err: unknown) => log.error({ err }, 'round failed'))
        .finally(schedule);
    }, config.pollSeconds * 1000);
  }

  async function stop(): Promise<void> {
    running = false;
    if (timer) clearTimeout(timer);
    timer = null;
    await current?.catch(() => undefined);
  }

  return {
    runOnce,
    start() {
      if (running) return;
      running = true;
      runOnce()
        .catch((err: unknown) => log.error({ err }, 'round failed'))
        .finally(schedule);
    },
    stop,
    status: () => ({
      park: config.park,
      running,
      lastRunAt: state.lastRunAt,
      rides: [...rides.values()].map((r) => ({ ...r })),
      upload: state.upload,
      drops: buffer.counts(),
      backlog: buffer.backlog(),
    }),
    async close() {
      await stop();
      buffer.close();
    },
  };
}
