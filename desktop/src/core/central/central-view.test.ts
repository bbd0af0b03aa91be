import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createAgent } from '../agent.ts';
import { parseAgentConfig } from '../settings/config.ts';
import { silentLogger } from '../logger.ts';
import { createStatusRouter } from '../status/status-router.ts';
import { putOnGateway, rideOnGateway } from '../testing/gateway-files.ts';
import { startTestCentral, type TestCentral } from '../testing/test-central.ts';
import { tempDir } from '../testing/temp-dir.ts';
import { buildTestDrop } from '../testing/test-drop.ts';
import { startSftpGateway, type SftpGateway } from '../../../../scripts/harness/sftp-gateway.ts';

let gw: SftpGateway;
let central: TestCentral;
const cleanups: (() => Promise<void> | void)[] = [];
beforeAll(async () => {
  [gw, central] = await Promise.all([
    startSftpGateway(),
    startTestCentral('agent_view', 'gardaland'),
  ]);
});
afterAll(async () => {
  await Promise.all([gw?.stop(), central?.close()]);
});
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe("the park's global view, fetched from a real central", () => {
  it('shows what central did with each uploaded drop, and keeps the last view while central is away', async () => {
    const drop = buildTestDrop({ sequence: 4 });
    await putOnGateway(gw, 'view', drop.fileName, drop.zip);
    const data = await tempDir('view');
    cleanups.push(data.remove);
    const agent = await createAgent(
      parseAgentConfig({
        park: 'gardaland',
        dataDir: data.dir,
        central: { url: central.url, token: central.token },
        rides: [rideOnGateway(gw, 'r1', 'view')],
        minAgeSeconds: 0,
      }),
      { log: silentLogger() },
    );
    cleanups.push(() => agent.close());
    const api = createStatusRouter(agent).createCaller({ authorized: true });
    expect(agent.status().global).toMatchObject({ fetchedAt: null, drops: [], standing: null });

    await agent.runOnce();
    const view = await api.globalView.refresh();

    expect(view.error).toBeNull();
    expect(view.drops.map((d) => [d.sha256, d.fileName, d.state])).toEqual([
      [drop.sha256, drop.fileName, 'stored'],
    ]);
    expect(view.standing?.today.byState.stored).toBe(1);
    expect(view.reports).toEqual([]);
    expect(agent.status().global).toEqual(view);

    // Central away: the view says so and keeps what it knew.
    // (A new address needs the park token entered with it.)
    await api.settings.update({ centralUrl: 'http://127.0.0.1:9', parkToken: central.token });
    const away = await api.globalView.refresh();
    expect(away.error).toMatch(/cannot fetch the park's view from central/);
    expect(away.drops).toEqual(view.drops);
    expect(away.fetchedAt).toBe(view.fetchedAt);
  });
});
