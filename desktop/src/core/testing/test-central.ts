/**
 * A real central API for the agent's upload tests: its own PostgreSQL database, blob folder
 * and queue prefix, from central's own test helper.
 */
import { createPark, startCentral } from '@zra/central';
import { createTestEnvironment } from '@zra/central/testing';

export interface TestCentral {
  /** Base URL, as the agent config's `central.url`. */
  url: string;
  /** A valid token of `park`. */
  token: string;
  /** Rows of a table of central's database, for assertions. */
  query<T extends Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
  close(): Promise<void>;
}

/**
 * Starts central on a free port with `park` created. The outbox publisher stays off.
 * `ingestRateLimit` overrides central's per-token limit (to make it refuse on purpose).
 */
export async function startTestCentral(
  label: string,
  park: string,
  options: { ingestRateLimit?: { perSecond: number; burst: number } } = {},
): Promise<TestCentral> {
  const env = await createTestEnvironment(label);
  const config = options.ingestRateLimit
    ? { ...env.config, ingestRateLimit: options.ingestRateLimit }
    : env.config;
  const central = await startCentral(config, { publisher: false });
  const { token } = await createPark(env.pool, {
    id: park,
    name: `Test ${park}`,
    timezone: 'Europe/Rome',
  });
  return {
    url: central.url,
    token,
    query: async (sql, params) => (await env.pool.query(sql, params)).rows,
    async close() {
      await central.close();
      await env.cleanup();
    },
  };
}
