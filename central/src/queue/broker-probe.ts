import amqp, { type Channel, type ChannelModel } from 'amqplib';
import type { Logger } from 'pino';
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
export function createBrokerProbe(amqpUrl: string, queuePrefix: string, log: Logger): BrokerProbe {
  let connection: ChannelModel | null = null;
  let opening: Promise<ChannelModel> | null = null;

  async function open(): Promise<ChannelModel> {
    if (connection) return connection;
    opening ??= amqp
      .connect(amqpUrl, { timeout: CONNECT_TIMEOUT_MS })
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

  /** Runs `fn` on a fresh channel; checkQueue on a missing queue closes the channel (404). */
  async function withChannel<T>(fn: (channel: Channel) => Promise<T>): Promise<T> {
    const conn = await open();
    const channel = await conn.createChannel();
    channel.on('error', () => undefined);
    try {
      return await fn(channel);
    } finally {
      await channel.close().catch(() => undefined);
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
      await conn?.close().catch(() => undefined);
    },
  };
}
