import amqp, { type ChannelModel } from 'amqplib';
import { DEFAULT_TIMEOUTS, type NetworkTimeouts } from '../config.ts';

/**
 * Opens a RabbitMQ connection with the timeouts every broker link of central has: the TCP
 * connect and AMQP handshake must finish within `amqpTimeoutMs` (a silent link would otherwise
 * hang the open forever), and heartbeats every `amqpHeartbeatS` seconds (unless the URL sets
 * its own `heartbeat`): two silent intervals end the connection with "Heartbeat timeout", which
 * is how a link that stops answering is noticed once it is open. TCP keepalive as well, and no
 * Nagle delay.
 */
export function connectBroker(
  amqpUrl: string,
  timeouts: NetworkTimeouts = DEFAULT_TIMEOUTS,
): Promise<ChannelModel> {
  const url = new URL(amqpUrl);
  if (!url.searchParams.has('heartbeat')) {
    url.searchParams.set('heartbeat', String(timeouts.amqpHeartbeatS));
  }
  return amqp.connect(url.toString(), {
    timeout: timeouts.amqpTimeoutMs,
    keepAlive: true,
    keepAliveDelay: 10_000,
    // AMQP is request and answer in small frames (open a channel, check a queue, ack): with
    // Nagle's algorithm each waited for the broker's delayed ACK, about 40 ms a round trip.
    noDelay: true,
  });
}

/**
 * Closes a connection without waiting more than `ms` for the broker's answer: over a silent
 * link the close would otherwise wait until the heartbeat gives up (or forever without one).
 */
export async function closeBroker(connection: ChannelModel | null, ms = 2000): Promise<void> {
  if (!connection) return;
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    connection.close().catch(() => undefined),
    new Promise<void>((resolve) => {
      timer = setTimeout(resolve, ms);
    }),
  ]);
  clearTimeout(timer);
}
