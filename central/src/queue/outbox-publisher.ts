import type { ChannelModel, ConfirmChannel } from 'amqplib';
import type pg from 'pg';
import type { Logger } from 'pino';
import { DEFAULT_TIMEOUTS, type NetworkTimeouts } from '../config.ts';
import { withTransaction } from '../db/pool.ts';
import {
  infrastructureFault,
  withDeadline,
  type Dependency,
} from '../infra/infrastructure-fault.ts';
import type { StallCounter } from '../infra/stall-counter.ts';
import { assertTopology } from './amqp-topology.ts';
import { closeBroker, connectBroker } from './broker-connection.ts';
import { claimOutboxRows } from './outbox-claim.ts';
import { queueName } from './queue-names.ts';
import { sleep } from './sleep.ts';

/** What the publisher needs. */
export interface OutboxPublisherOptions {
  pool: pg.Pool;
  amqpUrl: string;
  queuePrefix: string;
  deliveryLimit: number;
  log: Logger;
  /** How often to look for new rows when the outbox is empty. */
  pollMs?: number;
  /** Rows per transaction; one confirm wait covers them all. */
  batchSize?: number;
  /**
   * At most this many of one park's batches queued or processing at once (PARK_QUEUE_SHARE);
   * its further postprocess rows wait here. Default: no limit.
   */
  parkShare?: number;
  /**
   * A batch queued or processing for longer than this (the stuck-job limit) no longer counts
   * against its park's share, so a lost message cannot hold a park back for good.
   */
  inFlightMs?: number;
  /** Connect, heartbeat and confirm timeouts (default: the environment variables' defaults). */
  timeouts?: NetworkTimeouts;
  /** Told about every broker call that timed out. */
  stalls?: StallCounter;
}

/** A running publisher loop. */
export interface OutboxPublisher {
  /** Look for rows now instead of at the next poll (e.g. right after a commit). */
  kick(): void;
  stop(): Promise<void>;
}

// Short enough that publishing resumes within seconds of the broker's return.
const MAX_BACKOFF_MS = 10_000;

// What a kick aborts the sleep with. `abort()` without a reason builds a DOMException, stack
// and all, at every call, and every commit kicks: 22 ms in 3.5 s of the API's main thread in
// the wire phase (docs/performance.md, "The wire phase at 72 drops a park").
const KICKED = Symbol('outbox publisher kicked');

/**
 * Publishes outbox rows to RabbitMQ with publisher confirms. A row is marked published only
 * after the broker confirmed it, in the transaction that claimed it (FOR UPDATE SKIP LOCKED,
 * so several API pods share the work); a crash or broker outage before that leaves the row
 * unpublished and it is sent again. Consumers are idempotent, so a repeat is harmless.
 */
export function startOutboxPublisher(options: OutboxPublisherOptions): OutboxPublisher {
  const { pool, log } = options;
  const timeouts = options.timeouts ?? DEFAULT_TIMEOUTS;
  const pollMs = options.pollMs ?? 250;
  const batchSize = options.batchSize ?? 100;
  const parkShare = options.parkShare ?? 1_000_000;
  const inFlightMs = options.inFlightMs ?? 15 * 60_000;
  const stopping = new AbortController();
  let wake = new AbortController();
  let connection: ChannelModel | null = null;
  let channel: ConfirmChannel | null = null;
  // Whom the call in progress talks to, to name the dependency of a bare socket error.
  let stage: Dependency = 'postgres';

  async function getChannel(): Promise<ConfirmChannel> {
    if (channel) return channel;
    stage = 'rabbitmq';
    // The connect and handshake have their own timeout (AMQP_TIMEOUT_S), heartbeats after it.
    connection = await connectBroker(options.amqpUrl, timeouts);
    // Without an error listener a dropped connection would crash the process.
    connection.on('error', (err: Error) => {
      if (infrastructureFault(err, 'rabbitmq')?.timeout) options.stalls?.note('rabbitmq');
      log.warn({ err }, 'outbox publisher: broker connection error');
    });
    connection.on('close', () => {
      connection = null;
      channel = null;
    });
    const ch = await connection.createConfirmChannel();
    ch.on('error', (err: Error) => log.warn({ err }, 'outbox publisher: channel error'));
    ch.on('close', () => {
      channel = null;
    });
    await withDeadline(
      assertTopology(ch, options.queuePrefix, options.deliveryLimit),
      timeouts.amqpTimeoutMs,
      'rabbitmq',
      'declare the queues',
    );
    channel = ch;
    log.info('outbox publisher connected to the broker');
    return ch;
  }

  async function publishPending(ch: ConfirmChannel): Promise<number> {
    stage = 'postgres';
    return withTransaction(pool, async (c) => {
      // The batches are `queued` from here, their rows locked until the commit below: marked
      // after the confirms, a fast job could start first and its batch would never show when
      // it was queued.
      const rows = await claimOutboxRows(c, { batchSize, parkShare, inFlightMs });
      if (rows.length === 0) return 0;
      for (const row of rows) {
        ch.publish(
          '',
          queueName(options.queuePrefix, row.queue),
          Buffer.from(JSON.stringify(row.message)),
          {
            persistent: true,
            messageId: row.message_id,
            contentType: 'application/json',
          },
        );
      }
      // A silent link never confirms and never fails: stop waiting, the rows stay unpublished.
      await withDeadline(
        ch.waitForConfirms(),
        timeouts.amqpTimeoutMs,
        'rabbitmq',
        'confirm the published messages',
      );
      await c.query(
        'UPDATE outbox SET published_at = now(), attempts = attempts + 1 WHERE id = ANY($1)',
        [rows.map((r) => r.id)],
      );
      log.debug({ count: rows.length }, 'published outbox rows');
      return rows.length;
    });
  }

  async function run(): Promise<void> {
    let backoff = 500;
    let failing = false;
    while (!stopping.signal.aborted) {
      try {
        const published = await publishPending(await getChannel());
        if (failing) log.info('outbox publisher recovered');
        failing = false;
        backoff = 500;
        // Fewer than a batch: nothing else was claimable. Asking again at once cost a
        // transaction of three statements per commit under steady ingest; a commit made
        // meanwhile has kicked `wake` already, so the sleep ends at once for it.
        if (published < batchSize) {
          await sleep(pollMs, AbortSignal.any([stopping.signal, wake.signal]));
          wake = new AbortController();
        }
      } catch (err) {
        if (stopping.signal.aborted) break;
        // The database calls are counted by the pool; the broker's here.
        const fault = infrastructureFault(err, stage);
        if (fault?.timeout && fault.dependency === 'rabbitmq') options.stalls?.note('rabbitmq');
        const context = {
          err,
          dependency: fault?.dependency,
          reason: fault?.summary,
          retryInMs: backoff,
        };
        const sentence = `outbox publisher: cannot publish${fault ? `: ${fault.summary}` : ''}; the messages stay in the outbox and are sent when it answers`;
        // The first failure of an outage is an error; the retries that follow are warnings.
        if (failing) log.warn(context, sentence);
        else log.error(context, sentence);
        failing = true;
        await dropConnection();
        await sleep(backoff, stopping.signal);
        backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
      }
    }
  }

  async function dropConnection(): Promise<void> {
    const conn = connection;
    connection = null;
    channel = null;
    await closeBroker(conn);
  }

  const running = run();
  return {
    kick: () => {
      if (!wake.signal.aborted) wake.abort(KICKED);
    },
    async stop() {
      stopping.abort();
      await running;
      await dropConnection();
    },
  };
}
