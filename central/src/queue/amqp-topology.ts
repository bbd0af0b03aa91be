import type { Channel } from 'amqplib';
import { QUEUES, deadLetterQueueName, queueName } from './queue-names.ts';

/**
 * Declares the durable quorum queues and their dead-letter queues. Quorum queues count
 * deliveries (`x-delivery-count`) and, past `x-delivery-limit`, dead-letter the message
 * instead of redelivering a poison message forever. Every publisher and consumer calls this,
 * so whichever starts first creates the topology.
 */
export async function assertTopology(
  channel: Channel,
  prefix: string,
  deliveryLimit: number,
): Promise<void> {
  for (const queue of QUEUES) {
    const dlq = deadLetterQueueName(prefix, queue);
    await channel.assertQueue(dlq, { durable: true, arguments: { 'x-queue-type': 'quorum' } });
    await channel.assertQueue(queueName(prefix, queue), {
      durable: true,
      arguments: {
        'x-queue-type': 'quorum',
        'x-delivery-limit': deliveryLimit,
        'x-dead-letter-exchange': '',
        'x-dead-letter-routing-key': dlq,
      },
    });
  }
}
