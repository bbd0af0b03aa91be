import { TRPCClientError } from '@trpc/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCentral, type RunningCentral } from '../central.ts';
import { captureLog, type CapturedLog } from '../testing/log-capture.ts';
import {
  createParkClient,
  createTestEnvironment,
  createTestPark,
  type TestEnvironment,
} from '../testing/test-central.ts';
import { startTcpProxy, throughProxy, type TcpProxy } from '../../../scripts/harness/tcp-proxy.ts';
import { tearDownFaultTest } from './fault-teardown.ts';

let env: TestEnvironment;
let central: RunningCentral;
let proxy: TcpProxy;
let token: string;
let apiLog: CapturedLog;

beforeAll(async () => {
  env = await createTestEnvironment('fault-api-db-cut');
  proxy = await startTcpProxy(env.config.databaseUrl);
  apiLog = captureLog('info');
  central = await startCentral(
    { ...env.config, databaseUrl: throughProxy(env.config.databaseUrl, proxy.port) },
    { scheduler: false, stuckJobSweeper: false, uploadSweeper: false, log: apiLog.log },
  );
  token = await createTestPark(env.pool);
});

afterAll(() => tearDownFaultTest({ env, central, proxy }));

describe("the API's database link cut under a request", () => {
  it('answers 503 with a sentence that says what to do, never the driver text or an address', async () => {
    const client = createParkClient(central.url, token);
    expect((await client.park.standing.query()).today.timezone).toBe('Europe/Rome');
    proxy.cut();
    const err = await client.park.standing.query().then(
      () => null,
      (e: unknown) => e,
    );
    proxy.restore();
    if (!(err instanceof TRPCClientError))
      throw new Error(`expected a tRPC error, got ${String(err)}`);
    const data = err.data as { code?: string; httpStatus?: number } | undefined;
    expect(data?.code).toBe('SERVICE_UNAVAILABLE');
    expect(data?.httpStatus).toBe(503);
    expect(err.message).toMatch(
      /^central cannot reach PostgreSQL right now \(.+\): try again in a minute/,
    );
    expect(err.message).not.toMatch(/ECONN|terminated|127\.0\.0\.1|:\d{4,5}|\/\w+\//);
    // The raw error is in the log, for the operator.
    expect(
      apiLog.lines.some(
        (l) => l.msg === 'request failed: a dependency is unavailable' && l.err !== undefined,
      ),
    ).toBe(true);
    // The link is back: the same call works again.
    expect((await client.park.standing.query()).today.timezone).toBe('Europe/Rome');
  });
});
