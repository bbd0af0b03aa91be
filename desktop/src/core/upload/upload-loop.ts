import type { Logger } from 'pino';
import type { DropBuffer } from '../buffer/drop-buffer.ts';
import type { CentralClient } from '../central/central-client.ts';
import {
  CentralLink,
  type CentralLinkChange,
  type CentralLinkOptions,
} from '../central/central-link.ts';
import type { AgentConfig } from '../settings/config.ts';
import { uploadBuffered, type UploadRoundResult } from './upload.ts';

export interface UploadLoopDeps {
  buffer: DropBuffer;
  client: CentralClient;
  log: Logger;
  chunkBytes: number;
  upload: AgentConfig['upload'];
  /** Runs after a round that acknowledged drops (to free buffer space). */
  afterAcknowledged?: () => Promise<unknown>;
  /** Told about every round's result (metrics). */
  afterRound?: (result: UploadRoundResult) => void;
  /** The bandwidth limit on chunks (`UploadThrottle.take`); none when absent. */
  throttle?: (bytes: number) => Promise<void>;
  /** Told when the central link goes offline or comes back (once per transition). */
  linkChanged?: (change: CentralLinkChange) => void;
  /** Told when a round throws instead of answering (a bug, the database): the activity log. */
  failedUnexpectedly?: (err: unknown) => void;
  /** Keeps the link's state across restarts (CentralLinkStore); in memory only when absent. */
  linkMemory?: Required<Pick<CentralLinkOptions, 'remembered' | 'remember'>>;
}

/**
 * The upload side of the agent: rounds every `intervalSeconds` while central answers, right
 * after new drops (`kick`), and after a full-jitter backoff while it does not. Rounds never
 * overlap; each one moves the central link online or offline.
 */
export class UploadLoop {
  readonly link: CentralLink;
  private current: Promise<UploadRoundResult> | null = null;
  private again = false;
  private timer: NodeJS.Timeout | null = null;
  private running = false;
  private last: { lastRunAt: string | null; lastResult: UploadRoundResult | null } = {
    lastRunAt: null,
    lastResult: null,
  };

  /** Between rounds while central answers; a settings change replaces it. */
  private intervalSeconds: number;

  constructor(private readonly deps: UploadLoopDeps) {
    this.intervalSeconds = deps.upload.intervalSeconds;
    this.link = new CentralLink({
      retryBaseMs: deps.upload.retryBaseSeconds * 1000,
      retryMaxMs: deps.upload.retryMaxSeconds * 1000,
      ...(deps.linkChanged ? { changed: deps.linkChanged } : {}),
      ...deps.linkMemory,
    });
  }

  /** Starts the loop with a round now. */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.runInBackground();
  }

  /** Stops the loop and waits for a round in progress. */
  async stop(): Promise<void> {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.current?.catch(() => undefined);
  }

  /**
   * One round now, whatever the backoff says (`runOnce` and the loop's timer call it); joins
   * a round in progress.
   */
  runNow(): Promise<UploadRoundResult> {
    this.current ??= this.round().finally(() => {
      this.current = null;
      this.scheduleNext();
    });
    return this.current;
  }

  /** New drops: a round now, after the one running, or when the backoff ends. */
  kick(): void {
    if (!this.running) return;
    if (this.current) {
      this.again = true;
      return;
    }
    if (this.link.waitMs() === 0) this.runInBackground();
  }

  /**
   * Central's address or token changed: the backoff is dropped and a round runs now (after the
   * one in progress), so a fixed address is tried at once.
   */
  retryNow(): void {
    this.link.retryNow();
    if (!this.running) return;
    if (this.current) {
      this.again = true;
      return;
    }
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.runInBackground();
  }

  /**
   * A new interval between rounds (a settings change). A wait under way for the old interval
   * is started again with the new one, so a shorter interval is not held up by a long wait;
   * a backoff or a round in progress is left alone (the next wait uses it).
   */
  setIntervalSeconds(seconds: number): void {
    this.intervalSeconds = seconds;
    if (this.running && this.timer && !this.current && this.link.status().failures === 0) {
      this.scheduleNext();
    }
  }

  /** The last round, for the status view. */
  status(): { lastRunAt: string | null; lastResult: UploadRoundResult | null } {
    return { ...this.last };
  }

  private async round(): Promise<UploadRoundResult> {
    const { deps } = this;
    const result = await uploadBuffered({
      buffer: deps.buffer,
      client: deps.client,
      log: deps.log,
      chunkBytes: deps.chunkBytes,
      maxRejections: deps.upload.maxRejections,
      throttle: deps.throttle,
      centralOnline: () => this.link.status().state === 'online',
    });
    this.last = { lastRunAt: new Date().toISOString(), lastResult: result };
    deps.afterRound?.(result);
    if (result.acknowledged > 0) await deps.afterAcknowledged?.();
    if (result.error !== null) {
      const delayMs = this.link.recordFailure(result.error, (result.retryAfterS ?? 0) * 1000);
      deps.log.warn(
        { reason: result.error, retryInSeconds: Math.round(delayMs / 1000) },
        'central is not available; drops stay buffered and the upload is retried later',
      );
    } else if (result.acknowledged + result.failed + result.rejected > 0) {
      // Only a round that talked to central says anything about the link.
      this.link.recordSuccess();
    }
    return result;
  }

  private runInBackground(): void {
    this.runNow().catch((err: unknown) => {
      this.deps.log.error({ err }, 'upload round failed unexpectedly');
      this.deps.failedUnexpectedly?.(err);
    });
  }

  private scheduleNext(): void {
    if (!this.running) return;
    if (this.timer) clearTimeout(this.timer);
    // Backing off after failed rounds (a heartbeat marking the link offline does not count).
    const offline = this.link.status().failures > 0;
    const again = this.again && !offline;
    this.again = false;
    const delayMs = offline ? this.link.waitMs() : again ? 0 : this.intervalSeconds * 1000;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.runInBackground();
    }, delayMs);
  }
}
