import { randomBytes } from 'node:crypto';
import amqp from 'amqplib';

export const AMQP_URL = process.env.ZRA_AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';

/** Every queue central declares under its QUEUE_PREFIX (jobs and their dead-letter queues). */
export const CENTRAL_QUEUES = [
  'postprocess',
  'postprocess.dlq',
  'report',
  'report.dlq',
  'download',
  'download.dlq',
] as const;

/** A queue-name prefix unique to one test file, so parallel files never share queues. */
export function uniqueQueuePrefix(label: string): string {
  return `test.${label}.${randomBytes(4).toString('hex')}.`;
}

/**
 * Deletes the queues a test created under `prefix`. Every quorum queue keeps a Raft log and
 * memory on the broker, so a suite that leaves its queues behind slowly degrades the broker
 * the next runs share.
 */
export async function deleteQueues(prefix: string, names: readonly string[]): Promise<void> {
  const connection = await amqp.connect(AMQP_URL);
  try {
    const channel = await connection.createChannel();
    for (const name of names) await channel.deleteQueue(`${prefix}${name}`);
    await channel.close();
  } finally {
    await connection.close();
  }
}
