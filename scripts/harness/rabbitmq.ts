import { randomBytes } from 'node:crypto';

export const AMQP_URL = process.env.ZRA_AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';

/** A queue-name prefix unique to one test file, so parallel files never share queues. */
export function uniqueQueuePrefix(label: string): string {
  return `test.${label}.${randomBytes(4).toString('hex')}.`;
}
