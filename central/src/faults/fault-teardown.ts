import type { RunningCentral } from '../central.ts';
import type { TestEnvironment } from '../testing/test-central.ts';
import type { RunningWorker } from '../worker/worker.ts';
import type { TcpProxy } from '../../../scripts/harness/tcp-proxy.ts';
import type { FaultyBinDir } from './job-binaries.ts';

/** What a fault test may have started; a part it did not start (or that failed to) is absent. */
export interface FaultTestParts {
  env?: TestEnvironment;
  central?: RunningCentral;
  worker?: RunningWorker;
  proxy?: TcpProxy;
  bins?: FaultyBinDir;
}

/**
 * Stops a fault test's parts in the one order in which each can end: the link is given back and
 * the held jobs let go first, or the worker would wait on a job that never ends and the API on
 * a statement no one answers; the proxy closes after the processes that talk through it, and
 * the database goes last, once nothing holds a connection to it.
 */
export async function tearDownFaultTest(parts: FaultTestParts): Promise<void> {
  parts.proxy?.restore();
  await parts.bins?.release();
  await parts.worker?.stop();
  await parts.central?.close();
  await parts.proxy?.close();
  await parts.bins?.remove();
  await parts.env?.cleanup();
}
