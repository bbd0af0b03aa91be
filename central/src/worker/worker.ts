import { constants } from 'node:fs';
import { access } from 'node:fs/promises';
import { join } from 'node:path';
import type { Channel, ChannelModel, ConsumeMessage, GetMessage } from 'amqplib';
import type { Logger } from 'pino';
import { Semaphore } from '@zra/shared';
import { createBlobStore } from '../blob/create-blob-store.ts';
import { ConfigError, type CentralConfig } from '../config.ts';
import { createPool } from '../db/pool.ts';
import { infrastructureFault, withDeadline } from '../infra/infrastructure-fault.ts';
import { createStallCounter } from '../infra/stall-counter.ts';
import { StoppedWaitingError, untilAvailable } from '../infra/until-available.ts';
import { createLogger } from '../logger.ts';
import { assertTopology } from '../queue/amqp-topology.ts';
import { closeBroker, connectBroker } from '../queue/broker-connection.ts';
import { deadLetterQueueName, queueName, type QueueName } from '../queue/queue-names.ts';
import { sleep } from '../queue/sleep.ts';
import { handleDeadLetter, handleDelivery, type DeliveryVerdict } from './handle-delivery.ts';
import type { JobDeps, JobKind } from './job-kind.ts';
import { downloadJob } from '../pull/download-job.ts';
import { kindsReadyToRun } from '../pull/central-pull-readiness.ts';
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
  /** Drain mode takes no new job after this long (default: config.workerMaxRunMs, none). */
  maxRunMs?: number;
  /** Drain mode's wait for drops held in the outbox (default: config.workerDrainWaitMs, none). */
  drainWaitMs?: number;
}

/** A running worker. */
export interface RunningWorker {
  /** Resolves when the worker stopped: after `stop()`, or in drain mode when idle. */
  done: Promise<void>;
  /** Finishes the job in hand, then stops consuming and disconnects. */
  stop(): Promise<void>;
}

// The API's outbox publisher looks for rows every 250 ms: a drain pod checks its queues as often.
const DRAIN_POLL_MS = 250;

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a heterogeneous list of kinds
const KINDS: JobKind<any>[] = [postprocessJob, reportJob, downloadJob];

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
  const wanted = KINDS.filter((kind) => !options.queues || options.queues.includes(kind.queue));
  await checkJobBinaries(config.rustBinDir, wanted);
  const stalls = createStallCounter();
  // A job holds at most one connection at a time (plus a moment for its job run row).
  const pool = createPool(config.databaseUrl, log, Math.max(10, concurrency + 2), {
    timeouts: config.timeouts,
    stalls,
  });
  // Central pull refuses to start without its credentials key (pull/central-pull-readiness.ts).
  const kinds = await kindsReadyToRun(wanted, pool, config.gatewayCredentialsKey, log).catch(
    async (err: unknown) => {
      await pool.end();
      throw err;
    },
  );
  const blobs = createBlobStore(config.blobStore, config.blobDir);
  await blobs.init();
  const stopping = new AbortController();
  // A stop reaches the job binary too (SIGTERM): a pod's grace period is far shorter than a job.
  const deps: JobDeps = { pool, config, blobs, log, stop: stopping.signal };
  const policy = {
    deliveryLimit: config.deliveryLimit,
    retryDelayMs: options.retryDelayMs ?? 1000,
    signal: stopping.signal,
    stalls,
  };
  let connection: ChannelModel | null = null;

  async function connect(prefetch = 1): Promise<Channel> {
    // The previous link, if any, is finished with (usually closed already).
    await closeBroker(connection);
    connection = null;
    connection = await connectBroker(config.amqpUrl, config.timeouts);
    connection.on('error', (err: Error) => {
      // A heartbeat timeout is the only sign of a silent link: say so plainly.
      const fault = infrastructureFault(err, 'rabbitmq');
      if (fault?.timeout) stalls.note('rabbitmq');
      log.error(
        { err, dependency: 'rabbitmq', reason: fault?.summary },
        'worker: the broker connection failed; jobs in hand finish, their messages return to the queue, reconnecting',
      );
    });
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
    return dead
      ? handleDeadLetter(kind, deps, msg, policy)
      : handleDelivery(kind, deps, msg, policy);
  }

  /** basic.reject for what the job did (a failure, giving up), basic.nack for the rest. */
  function settle(channel: Channel, msg: ConsumeMessage | GetMessage, verdict: DeliveryVerdict) {
    if (verdict === 'ack') channel.ack(msg);
    else if (verdict === 'retry') channel.reject(msg, true);
    else if (verdict === 'requeue') channel.nack(msg, false, true);
    else channel.reject(msg, false);
  }
  const sources = kinds.flatMap((kind) => [
    { kind, dead: false, queue: queueName(config.queuePrefix, kind.queue) },
    { kind, dead: true, queue: deadLetterQueueName(config.queuePrefix, kind.queue) },
  ]);

  /**
   * The fair share keeps a park's drops beyond PARK_QUEUE_SHARE in the outbox, and the API
   * publishes the next as each of its jobs ends: the queue can be empty for a moment while
   * work is still coming. Only postprocess rows are ever held back.
   */
  async function outboxHoldsWork(): Promise<boolean> {
    if (!kinds.some((kind) => kind.queue === 'postprocess')) return false;
    try {
      const { rows } = await pool.query<{ held: boolean }>(
        `SELECT EXISTS (SELECT 1 FROM outbox
                         WHERE published_at IS NULL AND queue = 'postprocess') AS held`,
      );
      return rows[0]?.held === true;
    } catch (err) {
      // Only a shortcut: without an answer the pod exits as it would have, and KEDA starts
      // another once the drops are published.
      log.warn({ err }, 'could not read the outbox; worker exits without waiting for held drops');
      return false;
    }
  }

  /**
   * Drain: take messages with basic.get until every queue answers empty, or until the worker
   * has run `workerMaxRunMs` (then it exits 0 and KEDA starts a fresh pod for what is left,
   * instead of activeDeadlineSeconds killing this one in the middle of a job). Empty queues
   * with postprocess rows still in the outbox are polled for up to `workerDrainWaitMs` since
   * the last job: exiting then would leave those drops until KEDA's next poll starts a pod.
   */
  async function drain(): Promise<void> {
    const startedAt = Date.now();
    const maxRunMs = options.maxRunMs ?? config.workerMaxRunMs;
    const waitMs = options.drainWaitMs ?? config.workerDrainWaitMs ?? 0;
    let lastJobAt = startedAt;
    let saidWaiting = false;
    // A lost broker link is waited out like in long-running mode: the message in hand went
    // back to the queue, and the pod carries on once the broker answers.
    await untilAvailable(
      'take jobs from the broker',
      async () => {
        const channel = await connect();
        // Empty queues end the pod only when the outbox was seen holding nothing *before* the
        // last look at them. The publisher marks a row published after the broker confirmed its
        // message, so a drop published between an empty look at the queues and the look at the
        // outbox is already in a queue: one more look finds it (without it, the pod exited with
        // that drop queued, to wait for KEDA's next poll).
        let outboxClearBeforePass = false;
        try {
          for (;;) {
            const outboxWasClear = outboxClearBeforePass;
            outboxClearBeforePass = false;
            let handled = 0;
            for (const source of sources) {
              if (stopping.signal.aborted) return;
              const msg = await channel.get(source.queue, { noAck: false });
              if (!msg) continue;
              handled++;
              settle(channel, msg, await handle(source.kind, source.dead, msg));
              lastJobAt = Date.now();
              saidWaiting = false;
              if (maxRunMs !== undefined && Date.now() - startedAt >= maxRunMs) {
                log.info(
                  { ranMs: Date.now() - startedAt, maxRunMs },
                  'ran for its maximum run time (WORKER_MAX_RUN_S); worker exits, the jobs left are for a fresh pod',
                );
                return;
              }
            }
            if (handled > 0) continue;
            const mayTakeMore = maxRunMs === undefined || Date.now() - startedAt < maxRunMs;
            const held = mayTakeMore && waitMs > 0 && (await outboxHoldsWork());
            if (held && Date.now() - lastJobAt < waitMs) {
              if (!saidWaiting) {
                log.info(
                  { waitMs },
                  'queues are empty but the outbox still holds drops (a park beyond its fair share); waiting up to WORKER_DRAIN_WAIT_S for the API to publish them',
                );
                saidWaiting = true;
              }
              await sleep(DRAIN_POLL_MS, stopping.signal);
              continue;
            }
            if (held) {
              // Not "queues are empty": work is waiting, and nothing here can take it.
              log.info(
                { waitMs },
                "the outbox still holds drops after WORKER_DRAIN_WAIT_S (their parks' earlier drops are still being processed, or the API is not publishing); worker exits, and KEDA starts a pod once they are published",
              );
              return;
            }
            if (mayTakeMore && waitMs > 0 && !outboxWasClear) {
              outboxClearBeforePass = true;
              continue;
            }
            log.info('queues are empty; worker exits (drain mode)');
            return;
          }
        } finally {
          // Closing the channel waits for the broker's answer, so the last ack or nack reaches
          // it before the connection ends (closing the connection alone can overtake it, and
          // the job just done would be delivered again).
          await withDeadline(
            channel.close(),
            config.timeouts.amqpTimeoutMs,
            'rabbitmq',
            'close the channel',
          ).catch(() => undefined);
        }
      },
      { log, signal: stopping.signal, dependency: 'rabbitmq', stalls },
    ).catch((err: unknown) => {
      if (!(err instanceof StoppedWaitingError)) throw err;
    });
  }

  /**
   * Long-running: consume, and reconnect whenever the connection is lost. Up to `concurrency`
   * jobs run at once: each consumer may hold that many unacked messages (quorum queues only
   * know per-consumer prefetch) and one shared set of slots bounds the jobs across queues.
   * Every message is acked or nacked on its own as its job ends, in whatever order.
   */
  async function consume(): Promise<void> {
    let backoff = 500;
    const slots = new Semaphore(concurrency);
    while (!stopping.signal.aborted) {
      try {
        const channel = await connect(concurrency);
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
                // Delivered while the worker is stopping (before its consumer was cancelled,
                // e.g. the message of a job just stopped): handed straight back, no run.
                if (stopping.signal.aborted) {
                  try {
                    settle(channel, msg, 'requeue');
                  } catch {
                    // The link closed meanwhile: the broker has it back already.
                  }
                  return;
                }
                let verdict: DeliveryVerdict;
                try {
                  verdict = await handle(source.kind, source.dead, msg);
                } catch (err) {
                  // A bug in the shell (outages are waited out inside): hand the message back.
                  log.error({ err, queue: source.queue }, 'worker: delivery failed unexpectedly');
                  verdict = 'requeue';
                }
                try {
                  settle(channel, msg, verdict);
                } catch (err) {
                  // The link closed while the job ran: the broker has put the message back
                  // already, and its redelivery rewrites the same rows.
                  log.warn(
                    { err, queue: source.queue, verdict },
                    'worker: the broker link closed before the job was settled; the message is redelivered',
                  );
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
          // Over a silent link the cancel would wait for the heartbeat to give up.
          for (const tag of tags) {
            await withDeadline(
              channel.cancel(tag),
              config.timeouts.amqpTimeoutMs,
              'rabbitmq',
              'cancel the consumer',
            ).catch(() => undefined);
          }
          await Promise.all(inFlight);
          // As in drain mode: the last acks reach the broker before the connection ends.
          await withDeadline(
            channel.close(),
            config.timeouts.amqpTimeoutMs,
            'rabbitmq',
            'close the channel',
          ).catch(() => undefined);
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
    await closeBroker(connection);
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

/**
 * Refuses to start without the job binaries of the queues it takes: a missing binary is a
 * deployment fault, and a worker running without it would fail every job it takes.
 */
async function checkJobBinaries(
  rustBinDir: string,
  kinds: readonly JobKind<unknown>[],
): Promise<void> {
  // A download runs no binary: it talks to the gateway itself (pull/download-job.ts).
  const binaries = { postprocess: 'postprocessor', report: 'reporter', download: null } as const;
  for (const kind of kinds) {
    const binary = binaries[kind.queue];
    if (binary === null) continue;
    const path = join(rustBinDir, binary);
    try {
      await access(path, constants.X_OK);
    } catch {
      throw new ConfigError(
        `the ${binary} job binary is missing or not executable at ${path}: build it (cargo build --release --manifest-path rust/Cargo.toml) or set RUST_BIN_DIR to the folder that holds it`,
      );
    }
  }
}
