import { fullJitterDelayMs } from '../upload/backoff.ts';

/** How the agent sees its link to central, in the words the status view shows. */
export interface CentralLinkStatus {
  /** `unknown` until the first upload round talks to central. */
  state: 'unknown' | 'online' | 'offline';
  /** First failed round of the current streak (ISO 8601); null while online. */
  offlineSince: string | null;
  /** Why the last round failed, in plain words; null after a good one. */
  lastError: string | null;
  /** When the upload loop tries again (ISO 8601); null while online. */
  nextAttemptAt: string | null;
  /** Last round central answered. */
  lastContactAt: string | null;
  /** Failed rounds in a row. */
  failures: number;
}

/**
 * The link changed state: it went offline (from online, or at start-up), or came back. Told
 * once per transition, never for each failed round of a streak.
 */
export type CentralLinkChange =
  | { to: 'offline'; reason: string }
  | { to: 'online'; offlineSince: string; offlineMs: number };

/** The part of the link's state kept across restarts (see CentralLinkStore). */
export type RememberedLink = Pick<
  CentralLinkStatus,
  'offlineSince' | 'lastError' | 'lastContactAt'
>;

export interface CentralLinkOptions {
  /** First retry ceiling; doubles per failed round. */
  retryBaseMs: number;
  /** Largest retry ceiling. */
  retryMaxMs: number;
  random?: () => number;
  now?: () => number;
  /** Told about each transition (the activity log); must not throw. */
  changed?: (change: CentralLinkChange) => void;
  /**
   * The state an earlier run left: an outage that outlives a restart resumes as offline since
   * its first failure (not a new outage), and the last contact stays known.
   */
  remembered?: RememberedLink;
  /** Told when the remembered part changes, to keep it; must not throw. */
  remember?: (link: RememberedLink) => void;
}

/**
 * Online/offline state of the link to central and the backoff between upload rounds. A
 * failed round moves the next attempt out by a full-jitter delay; a good round resets it.
 */
export class CentralLink {
  private current: CentralLinkStatus = {
    state: 'unknown',
    offlineSince: null,
    lastError: null,
    nextAttemptAt: null,
    lastContactAt: null,
    failures: 0,
  };
  private nextAttemptMs = 0;

  constructor(private readonly options: CentralLinkOptions) {
    const r = options.remembered;
    if (r) {
      // Offline when the last run ended offline; otherwise unknown until central answers.
      this.current = {
        ...this.current,
        state: r.offlineSince === null ? 'unknown' : 'offline',
        offlineSince: r.offlineSince,
        lastError: r.offlineSince === null ? null : r.lastError,
        lastContactAt: r.lastContactAt,
      };
    }
  }

  private now(): number {
    return (this.options.now ?? Date.now)();
  }

  /** Central answered: online, backoff reset. */
  recordSuccess(): void {
    this.nextAttemptMs = 0;
    this.set({
      state: 'online',
      offlineSince: null,
      lastError: null,
      nextAttemptAt: null,
      lastContactAt: new Date(this.now()).toISOString(),
      failures: 0,
    });
  }

  /**
   * A round failed: offline (since the first failure of the streak); returns the delay.
   * `minDelayMs` is a wait central asked for (its rate limit): retrying sooner would only be
   * refused again, so the jittered delay never undercuts it.
   */
  recordFailure(message: string, minDelayMs = 0): number {
    const now = this.now();
    const failures = this.current.failures + 1;
    const jittered = fullJitterDelayMs(
      failures,
      this.options.retryBaseMs,
      this.options.retryMaxMs,
      this.options.random,
    );
    const delay = Math.max(jittered, minDelayMs);
    this.nextAttemptMs = now + delay;
    this.set({
      ...this.current,
      state: 'offline',
      offlineSince: this.current.offlineSince ?? new Date(now).toISOString(),
      lastError: message,
      nextAttemptAt: new Date(this.nextAttemptMs).toISOString(),
      failures,
    });
    return delay;
  }

  /**
   * Central's address or the park token changed: the backoff earned by the old one is void, so
   * the next round may go at once and the status says it is retrying now (never "never").
   */
  retryNow(): void {
    this.nextAttemptMs = 0;
    if (this.current.state === 'offline') {
      this.set({ ...this.current, nextAttemptAt: new Date(this.now()).toISOString(), failures: 0 });
    }
  }

  /**
   * A heartbeat's outcome. It moves the state but never the upload backoff or `failures`:
   * a failure marks an online (or unknown) link offline; a success counts as contact and
   * brings back online a link only heartbeats had marked offline (the upload loop decides
   * once its rounds fail).
   */
  recordHeartbeat(error: string | null): void {
    const now = new Date(this.now()).toISOString();
    if (error === null) {
      const heartbeatOnly = this.current.failures === 0;
      this.set({
        ...this.current,
        lastContactAt: now,
        ...(heartbeatOnly
          ? { state: 'online', offlineSince: null, lastError: null, nextAttemptAt: null }
          : {}),
      });
    } else if (this.current.state !== 'offline') {
      this.set({ ...this.current, state: 'offline', offlineSince: now, lastError: error });
    }
  }

  /** Every state change goes through here, so a transition is told exactly once. */
  private set(next: CentralLinkStatus): void {
    const before = this.current;
    this.current = next;
    if (
      before.offlineSince !== next.offlineSince ||
      before.lastError !== next.lastError ||
      before.lastContactAt !== next.lastContactAt
    ) {
      const { offlineSince, lastError, lastContactAt } = next;
      this.options.remember?.({ offlineSince, lastError, lastContactAt });
    }
    if (before.state !== 'offline' && next.state === 'offline') {
      this.options.changed?.({ to: 'offline', reason: next.lastError ?? 'no reason given' });
    } else if (before.state === 'offline' && next.state === 'online') {
      const since = before.offlineSince ?? new Date(this.now()).toISOString();
      this.options.changed?.({
        to: 'online',
        offlineSince: since,
        offlineMs: Math.max(0, this.now() - Date.parse(since)),
      });
    }
  }

  /** Milliseconds the upload loop should still wait before its next round (0: go). */
  waitMs(): number {
    return Math.max(0, this.nextAttemptMs - this.now());
  }

  status(): CentralLinkStatus {
    return { ...this.current };
  }
}
