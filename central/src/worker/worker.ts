import amqp, {
  type Channel,
  type ChannelModel,
  type ConsumeMessage,
  type GetMessage,
} from 'amqplib';
import type { Logger } from 'pino';
import { BlobStore } from '../blob/blob-store.ts';
import type { CentralConfig } from '../config.ts';
import { createPool } from '../db/pool.ts';
import { createLogger } from '../logger.ts';
import { assertTopology } from '../queue/amqp-topology.ts';
import { deadLetterQueueName, queueName, type QueueName } from '../queue/queue-names.ts';
import { sleep } from '../queue/sleep.ts';
import { handleDeadLetter, handleDelivery, type DeliveryVerdict } from './handle-delivery.ts';
import type { JobDeps, JobKind } from './job-kind.ts';
import { postprocessJob } from './postprocess-job.ts';
import { reportJob } from './report-job.ts';

/** Options of {@link startWorker}. */
export interface WorkerOptions {
  /** Exit once every queue is empty (a KEDA ScaledJob pod) instead of running forever. */
  drain?: boolean;
  log?: Logger;
  /** Base of the back-off before a failed job is requeued (default 1 s). */
  retryDelayMs?: number;
  /** Jobs run at once in long-running mode (default WORKER_CONCURRENCY); drain mode runs one. */
  concurrency?: number;
  /**
   * The job queues this worker takes from (with their dead-letter queues); all when absent.
   * A KEDA ScaledJob scales on one queue, so its pods must not take the other queue's work:
   * that would leave the other ScaledJob's pods with nothing to do.
   */
  queues?: readonly QueueName[];
}

/** A running worker. */
export interface RunningWorker {
  /** Resolves when the worker stopped: after `stop()`, or in drain mode when idle. */
  done: Promise<void>;
  /** Finishes the job in hand, then stops consuming and disconnects. */
  stop(): Promise<void>;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a heterogeneous list of kinds
const KINDS: JobKind<any>[] = [postprocessJob, reportJob];

/**
 * The worker shell: consumes `postprocess` and `report` with manual ack, one job at a time
 * (or `concurrency` jobs in long-running mode, each acked on its own), and reconnects (with back-off) when the broker goes away. Unacked messages
 * return to the queue when a connection drops, so a crash costs a retry, never a job.
 */
export async function startWorker(
  config: CentralConfig,
  options: WorkerOptions = {},
): Promise<RunningWorker> {
  const log = options.log ?? createLogger(config.logLevel, 'worker');
  const concurrency = options.concurrency ?? config.workerConcurrency;
  // A job holds at most one connection at a time (plus a moment for its job run row).
  const pool = createPool(config.databaseUrl, log, Math.max(10, concurrency + 2));
  const blobs = new BlobStore(config.blobDir);
  await blobs.init();
  const deps: JobDeps = { pool, config, blobs, log };
  const stopping = new AbortController();
  const policy = {
    deliveryLimit: config.deliveryLimit,
    retryDelayMs: options.retryDelayMs ?? 1000,
    signal: stopping.signal,
  };
  let connection: ChannelModel | null = null;

  async function connect(prefetch = 1): Promise<Channel> {
    connection = await amqp.connect(config.amqpUrl);
    connection.on('error', (err: Error) => log.warn({ err }, 'worker: broker connection error'));
    const channel = await connection.createChannel();
    channel.on('error', (err: Error) => log.warn({ err }, 'worker: channel error'));
    await assertTopology(channel, config.queuePrefix, config.deliveryLimit);
    // Per consumer: quorum queues do not support a channel-wide (global) prefetch.
    await channel.prefetch(prefetch);
    return channel;
  }

  function handle(
    kind: JobKind<unknown>,
    dead: boolean,
    msg: ConsumeMessage | GetMessage,
  ): Promise<DeliveryVerdict> {
    return dead ? handleDeadLetter(kind, deps, msg) : handleDelivery(kind, deps, msg, policy);
  }

  function settle(channel: Channel, msg: ConsumeMessage | GetMessage, verdict: DeliveryVerdict) {
    if (verdict === 'ack') channel.ack(msg);
    else channel.nack(msg, false, verdict === 'requeue');
  }

  const kinds = KINDS.filter((kind) => !options.queues || options.queues.includes(kind.queue));
  const sources = kinds.flatMap((kind) => [
    { kind, dead: false, queue: queueName(config.queuePrefix, kind.queue) },
    { kind, dead: true, queue: deadLetterQueueName(config.queuePrefix, kind.queue) },
  ]);

  /** Drain: take messages with basic.get until every queue answers empty. */
  async function drain(): Promise<void> {
    const channel = await connect();
    for (;;) {
      let handled = 0;
      for (const source of sources) {
        if (stopping.signal.aborted) return;
        const msg = await channel.get(source.queue, { noAck: false });
        if (!msg) continue;
        handled++;
        settle(channel, msg, await handle(source.kind, source.dead, msg));
      }
      if (handled === 0) {
        log.info('queues are empty; worker exits (drain mode)');
        return;
      }
    }
  }

  /**
   * Long-running: consume, and reconnect whenever the connection is lost. Up to `concurrency`
   * jobs run at once: each consumer may hold that many unacked messages (quorum queues only
   * know per-consumer prefetch) and one shared set of slots bounds the jobs across queues.
   * Every message is acked or nacked on its own as its job ends, in whatever order.
   */
  async function consume(): Promise<void> {
    let backoff = 500;
    const slots = createSlots(concurrency);
    while (!stopping.signal.aborted) {
      try {
        const channel = await connect(concurrency);
        // This link's own connection: after a reconnect, `connection` is already the next one.
        const link = connection;
        let linkOpen = true;
        channel.on('close', () => (linkOpen = false));
        const inFlight = new Set<Promise<void>>();
        const tags: string[] = [];
        for (const source of sources) {
          const { consumerTag } = await channel.consume(
            source.queue,
            (msg) => {
              if (!msg) return;
              const job = slots.run(async () => {
                // Its link died while it waited for a slot: the broker has requeued it.
                if (!linkOpen) return;
                try {
                  settle(channel, msg, await handle(source.kind, source.dead, msg));
                } catch (err) {
                  // Database down mid-job, channel gone: the message returns to the queue.
                  log.error({ err, queue: source.queue }, 'worker: delivery not settled');
                  await link?.close().catch(() => undefined);
                }
              });
              inFlight.add(job);
              void job.finally(() => inFlight.delete(job));
            },
            { noAck: false },
          );
          tags.push(consumerTag);
        }
        log.info({ queues: sources.map((s) => s.queue), concurrency }, 'worker consuming');
        backoff = 500;
        await new Promise<void>((resolve) => {
          connection?.once('close', resolve);
          stopping.signal.addEventListener('abort', () => resolve(), { once: true });
        });
        if (stopping.signal.aborted) {
          for (const tag of tags) await channel.cancel(tag).catch(() => undefined);
          await Promise.all(inFlight);
          return;
        }
        log.warn('worker: broker connection closed; reconnecting');
      } catch (err) {
        if (stopping.signal.aborted) return;
        log.warn({ err, retryInMs: backoff }, 'worker: cannot reach the broker, retrying');
        await sleep(backoff, stopping.signal);
        backoff = Math.min(backoff * 2, 30_000);
      }
    }
  }

  const done = (options.drain ? drain() : consume()).finally(async () => {
    await connection?.close().catch(() => undefined);
    await pool.end();
  });
  return {
    done,
    async stop() {
      stopping.abort();
      await done;
    },
  };
}

/** At most `n` tasks at once; the others wait their turn in arrival order. */
function createSlots(n: number): { run(task: () => Promise<void>): Promise<void> } {
  let free = n;
  const waiting: (() => void)[] = [];
  return {
    async run(task) {
      if (free > 0) free--;
      else await new Promise<void>((resolve) => waiting.push(resolve));
      try {
        await task();
      } finally {
        const next = waiting.shift();
        if (next) next();
        else free++;
      }
    },
  };
}
