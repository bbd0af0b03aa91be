/** The logical queues of docs/job-contracts.md; the broker names carry QUEUE_PREFIX. */
export const QUEUES = ['postprocess', 'report', 'download'] as const;

export type QueueName = (typeof QUEUES)[number];

/** The broker-side name of a logical queue. */
export function queueName(prefix: string, queue: QueueName): string {
  return `${prefix}${queue}`;
}

/** Where messages go after DELIVERY_LIMIT failed deliveries. */
export function deadLetterQueueName(prefix: string, queue: QueueName): string {
  return `${prefix}${queue}.dlq`;
}
