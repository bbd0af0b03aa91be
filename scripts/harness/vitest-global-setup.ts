import net from 'node:net';

/**
 * Fails fast, with the fix, when a service the integration tests need is down.
 * `npm test` starts them first; this catches running `vitest` by hand without them.
 */
export default async function setup(): Promise<void> {
  for (const [name, port] of [
    ['PostgreSQL', 5432],
    ['RabbitMQ', 5672],
  ] as const) {
    if (!(await reachable(port))) {
      throw new Error(`${name} is not listening on 127.0.0.1:${port}. Run \`npm run bootstrap\` to start it.`);
    }
  }
}

function reachable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
