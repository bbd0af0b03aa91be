import { existsSync } from 'node:fs';
import path from 'node:path';
import { verifyDrop } from '@zra/shared';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createAgent } from '../agent.ts';
import { parseAgentConfig } from '../settings/config.ts';
import { silentLogger } from '../logger.ts';
import type { DropVerifier } from '@zra/gateway';
import { createStatusRouter } from '../status/status-router.ts';
import { putOnGateway, rideOnGateway } from '../testing/gateway-files.ts';
import { tempDir } from '../testing/temp-dir.ts';
import { buildTestDrop, corruptZip } from '../testing/test-drop.ts';
import { startSftpGateway, type SftpGateway } from '../../../../scripts/harness/sftp-gateway.ts';

let gw: SftpGateway;
const cleanups: (() => Promise<void> | void)[] = [];
beforeAll(async () => {
  gw = await startSftpGateway();
});
afterAll(async () => {
  await gw?.stop();
});
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** A verifier with a bug: it refuses drops of sequence 7 although they are valid. */
const buggyVerify: DropVerifier = (zip, options) => {
  const verdict = verifyDrop(zip, options);
  return verdict.ok && verdict.manifest.sequence === 7
    ? {
        ok: false as const,
        code: 'manifest_invalid' as const,
        reason: 'validator bug: sequence 7 refused',
      }
    : verdict;
};

async function open(dataDir: string, remoteDir: string, verify: DropVerifier) {
  const agent = await createAgent(
    parseAgentConfig({
      park: 'gardaland',
      dataDir,
      central: { url: 'http://127.0.0.1:9', token: 'park-token-0123456789' },
      rides: [rideOnGateway(gw, 'r1', remoteDir)],
      minAgeSeconds: 0,
    }),
    { log: silentLogger(), verify },
  );
  cleanups.push(() => agent.close());
  return { agent, api: createStatusRouter(agent).createCaller({ authorized: true }) };
}

describe('quarantine, as a person handles it through the status API', () => {
  it('lists quarantined drops with their reason; a re-check after a validator fix buffers the drop', async () => {
    const drop = buildTestDrop({ sequence: 7 });
    const broken = buildTestDrop({ sequence: 8 });
    await putOnGateway(gw, 'q-recheck', drop.fileName, drop.zip);
    await putOnGateway(gw, 'q-recheck', broken.fileName, corruptZip(broken));
    const data = await tempDir('quarantine');
    cleanups.push(data.remove);
    const first = await open(data.dir, 'q-recheck', buggyVerify);
    await first.api.pullNow({ ride: 'r1' });
    const listed = await first.api.quarantine.list();
    expect(listed.map((d) => [d.fileName, d.reason])).toEqual([
      [drop.fileName, 'validator bug: sequence 7 refused'],
      [broken.fileName, expect.any(String)],
    ]);
    expect(first.agent.status().quarantined).toEqual(listed);
    await first.agent.close();

    // The updated agent (fixed validator) checks both again.
    const second = await open(data.dir, 'q-recheck', verifyDrop);
    const [fixable, broken2] = listed;
    if (!fixable || !broken2) throw new Error('two drops should be quarantined');
    expect(fixable.sha256).toBe(drop.sha256);
    expect(await second.api.quarantine.recheck({ id: fixable.id })).toEqual({
      outcome: 'buffered',
      reason: null,
    });
    const stillBad = await second.api.quarantine.recheck({ id: broken2.id });
    expect(stillBad.outcome).toBe('quarantined');
    expect(second.agent.status().drops).toMatchObject({ buffered: 1, quarantined: 1 });
    expect(second.agent.status().backlog.drops).toBe(1);
    await expect(second.api.quarantine.recheck({ id: fixable.id })).rejects.toThrow(
      /no quarantined drop/,
    );
  });

  it('deletes a quarantined drop and its kept copy; the same gateway file is not pulled again', async () => {
    const broken = buildTestDrop({ sequence: 9 });
    const file = await putOnGateway(gw, 'q-delete', broken.fileName, corruptZip(broken));
    const data = await tempDir('quarantine');
    cleanups.push(data.remove);
    const { agent, api } = await open(data.dir, 'q-delete', verifyDrop);
    await api.pullNow({ ride: 'r1' });
    const [kept] = await api.quarantine.list();
    if (!kept) throw new Error('the broken drop was not quarantined');
    const blob = path.join(data.dir, 'blobs', kept.sha256.slice(0, 2), `${kept.sha256}.zip`);
    expect(existsSync(blob)).toBe(true);

    await api.quarantine.delete({ id: kept.id });

    expect(await api.quarantine.list()).toEqual([]);
    expect(existsSync(blob)).toBe(false);
    const [again] = await api.pullNow({ ride: 'r1' });
    expect(again?.result).toMatchObject({ known: 1, quarantined: 0 });
    expect(agent.status().drops.quarantined).toBe(0);
    // The gateway keeps its file (quarantined files are never removed there).
    expect(existsSync(file)).toBe(true);
    await expect(api.quarantine.delete({ id: kept.id })).rejects.toThrow(
      /no quarantined or rejected drop/,
    );
  });

  it('fetches a kept file again from the gateway: the new copy is pulled at once and judged anew', async () => {
    const broken = buildTestDrop({ sequence: 10 });
    const file = await putOnGateway(gw, 'q-refetch', broken.fileName, corruptZip(broken));
    const data = await tempDir('quarantine');
    cleanups.push(data.remove);
    const { api } = await open(data.dir, 'q-refetch', buggyVerify);
    await api.pullNow({ ride: 'r1' });
    const [kept] = await api.quarantine.list();
    if (!kept) throw new Error('the broken drop was not quarantined');

    // Still broken on the gateway: fetched, checked, kept aside again (a new record).
    const still = await api.quarantine.refetch({ id: kept.id });
    expect(still).toMatchObject({ fileName: broken.fileName, state: 'quarantined', error: null });
    expect(still.reason).toBeTruthy();
    const [again] = await api.quarantine.list();
    expect(again?.id).not.toBe(kept.id);
    expect(existsSync(file)).toBe(true);

    // The PLC wrote the file anew with the same name, size and time, now valid: "check again"
    // looks at the old copy, "fetch again" at the gateway's.
    const fixed = buildTestDrop({ sequence: 10 });
    await putOnGateway(gw, 'q-refetch', broken.fileName, fixed.zip);
    if (!again) throw new Error('not quarantined again');
    expect(await api.quarantine.refetch({ id: again.id })).toMatchObject({
      state: 'buffered',
      reason: null,
    });
    expect(await api.quarantine.list()).toEqual([]);
  });
});
