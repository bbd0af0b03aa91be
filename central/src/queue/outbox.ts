import type pg from 'pg';
import type { QueueMessages } from './messages.ts';
import type { QueueName } from './queue-names.ts';

/**
 * Records a message to publish, inside the caller's transaction: the message exists if and
 * only if the change that needs it was committed. The outbox publisher sends it later.
 */
export async function enqueue<Q extends QueueName>(
  client: Pick<pg.PoolClient, 'query'>,
  queue: Q,
  message: QueueMessages[Q],
  messageId: string,
): Promise<void> {
  await client.query('INSERT INTO outbox (queue, message, message_id) VALUES ($1, $2, $3)', [
    queue,
    JSON.stringify(message),
    messageId,
  ]);
}
