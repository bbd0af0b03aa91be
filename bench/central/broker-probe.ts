/**
 * What `dashboard.queues` waits for at the broker: the probe's depth check of every queue and
 * dead-letter queue (a channel opened, the queue checked, the channel closed, each), timed in
 * a row against the RabbitMQ the tests use.
 *
 *   node_modules/.bin/tsx bench/central/broker-probe.ts [--rounds 20]
 */
import { parseArgs } from 'node:util';
import { createLogger } from '@zra/central';
import { createBrokerProbe } from '../../central/src/queue/broker-probe.ts';
import { AMQP_URL, uniqueQueuePrefix } from '../../scripts/harness/rabbitmq.ts';
import { median, percentile } from '../lib/stats.ts';

const { values: flags } = parseArgs({ options: { rounds: { type: 'string', default: '20' } } });
const rounds = Number(flags.rounds);
const probe = createBrokerProbe(AMQP_URL, uniqueQueuePrefix('probe-bench'), createLogger('silent'));
try {
  await probe.queueDepths(); // the connection
  const ms: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const started = performance.now();
    await probe.queueDepths();
    ms.push(performance.now() - started);
  }
  process.stdout.write(
    `queue depths (6 queues, one channel each, in a row), ${rounds} rounds: p50 ${median(ms).toFixed(1)} ms, p95 ${percentile(ms, 0.95).toFixed(1)} ms\n`,
  );
} finally {
  await probe.close();
}
