import { portAccepts } from './port.ts';

/**
 * Fails fast, with the fix, when a service the integration tests need is down.
 * `npm test` starts them first; this catches running `vitest` by hand without them.
 */
export default async function setup(): Promise<void> {
  for (const [name, port] of [
    ['PostgreSQL', 5432],
    ['RabbitMQ', 5672],
  ] as const) {
    if (!(await portAccepts(port))) {
      throw new Error(
        `${name} is not listening on 127.0.0.1:${port}. Run \`npm run bootstrap\` to start it.`,
      );
    }
  }
}
