import type { Channel, ChannelModel } from 'amqplib';
import type { Logger } from 'pino';
import { DEFAULT_TIMEOUTS, type NetworkTimeouts } from '../config.ts';
import { DependencyTimeoutError, withDeadline } from '../infra/infrastructure-fault.ts';
import { closeBroker, connectBroker } from './broker-connection.ts';
import { QUEUES, deadLetterQueueName, queueName } from './queue-names.ts';

/** How long `/readyz` and `/metrics` wait for the broker before calling it down. */
const CONNECT_TIMEOUT_MS = 3000;

/** Asks the broker whether it answers and how deep the queues are, for `/readyz` and `/metrics`. */
export interface BrokerProbe {
  /** Resolves when the broker answers on a channel; rejects with why it does not. */
  ping(): Promise<void>;
  /** Ready messages and consumers per broker-side queue name (main queues and their DLQs). */
  queueDepths(): Promise<{ queue: string; messages: number; consumers: number }[]>;
  close(): Promise<void>;
}

/**
 * A probe with one lazily opened connection, reopened after any failure. It only inspects
 * queues (`checkQueue`), never declares them: a probe must not change the topology, and a
 * queue that does not exist yet simply has no depth to report.
 */
export function createBrokerProbe(
  amqpUrl: string,
  queuePrefix: string,
  log: Logger,
  timeouts: NetworkTimeouts = DEFAULT_TIMEOUTS,
): BrokerProbe {
  let connection: ChannelModel | null = null;
  let opening: Promise<ChannelModel> | null = null;

  async function open(): Promise<ChannelModel> {
    if (connection) return connection;
    opening ??= connectBroker(amqpUrl, { ...timeouts, amqpTimeoutMs: CONNECT_TIMEOUT_MS })
      .then((conn) => {
        conn.on('error', (err: Error) => log.debug({ err }, 'broker probe: connection error'));
        conn.on('close', () => {
          if (connection === conn) connection = null;
        });
        connection = conn;
        return conn;
      })
      .finally(() => {
        opening = null;
      });
    return opening;
  }

  /**
   * Runs `fn` on a fresh channel; checkQueue on a missing queue closes the channel (404). A
   * connection that stops answering is dropped after CONNECT_TIMEOUT_MS, so the next probe
   * opens a new one instead of waiting on the silent one until its heartbeat gives up.
   */
  async function withChannel<T>(fn: (channel: Channel) => Promise<T>): Promise<T> {
    const conn = await open();
    const work = (async () => {
      const channel = await conn.createChannel();
      channel.on('error', () => undefined);
      try {
        return await fn(channel);
      } finally {
        await channel.close().catch(() => undefined);
      }
    })();
    try {
      return await withDeadline(work, CONNECT_TIMEOUT_MS, 'rabbitmq', 'answer the probe');
    } catch (err) {
      if (err instanceof DependencyTimeoutError) {
        work.catch(() => undefined);
        if (connection === conn) connection = null;
        // A silent link may never answer the close either: do not wait for it.
        void conn.close().catch(() => undefined);
      }
      throw err;
    }
  }

  const names = QUEUES.flatMap((q) => [
    queueName(queuePrefix, q),
    deadLetterQueueName(queuePrefix, q),
  ]);

  return {
    ping: () => withChannel(async () => undefined),
    async queueDepths() {
      const depths: { queue: string; messages: number; consumers: number }[] = [];
      for (const queue of names) {
        try {
          const ok = await withChannel((channel) => channel.checkQueue(queue));
          depths.push({ queue, messages: ok.messageCount, consumers: ok.consumerCount });
        } catch (err) {
          // A 404 only means no publisher or worker declared it yet; anything else is an outage.
          if ((err as { code?: number }).code !== 404) throw err;
        }
      }
      return depths;
    },
    async close() {
      const conn = connection ?? (await opening?.catch(() => null)) ?? null;
      connection = null;
      await closeBroker(conn);
    },
  };
}
