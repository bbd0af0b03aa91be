import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createAgent } from '../agent.ts';
import type { AfterBuffer } from '../settings/config.ts';
import { parseAgentConfig } from '../settings/config.ts';
import { silentLogger } from '../logger.ts';
import { createStatusRouter } from '../status/status-router.ts';
import { putOnGateway, rideOnGateway } from '../testing/gateway-files.ts';
import { tempDir } from '../testing/temp-dir.ts';
import { buildTestDrop } from '../testing/test-drop.ts';
import { startSftpGateway, type SftpGateway } from '../../../../scripts/harness/sftp-gateway.ts';

// Rule R1 (issue 14.1): a verdict belongs to a (file name, content) pair. A copy of a valid
// drop's bytes under a name the verifier refuses is quarantined on its own; it never shadows
// the valid file, and deleting it touches that one gateway file only.

let gw: SftpGateway;
let folders = 0;
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

async function openAgent(afterBuffer: AfterBuffer = 'keep') {
  const data = await tempDir('verdict');
  cleanups.push(data.remove);
  const remoteDir = `verdict-${++folders}`;
  const agent = await createAgent(
    parseAgentConfig({
      park: 'gardaland',
      dataDir: data.dir,
      // Nothing is uploaded here: what waits for central is the buffer's upload queue.
      central: { url: 'http://127.0.0.1:9', token: 'park-token-0123456789' },
      rides: [rideOnGateway(gw, 'r1', remoteDir, afterBuffer)],
      minAgeSeconds: 0,
    }),
    { log: silentLogger() },
  );
  cleanups.push(() => agent.close());
  const api = createStatusRouter(agent).createCaller({ authorized: true });
  return {
    agent,
    api,
    dataDir: data.dir,
    put: (name: string, zip: Buffer, ageSeconds?: number) =>
      putOnGateway(gw, remoteDir, name, zip, ageSeconds),
    pull: async () => {
      const [r] = await api.pullNow({ ride: 'r1' });
      if (!r?.result) throw new Error(`the pull failed: ${r?.error ?? 'no result'}`);
      return r.result;
    },
    /** The file names waiting for central, in upload order. */
    waiting: async () =>
      (await api.drops.list({ state: 'buffered' })).drops.map((d) => d.fileName).reverse(),
  };
}

describe('a valid drop whose bytes were first seen under a bad file name', () => {
  it('is buffered under its canonical name in the same pull; the misnamed copy is quarantined alone', async () => {
    const { api, put, pull, waiting } = await openAgent();
    const drop = buildTestDrop();
    // The copy is older: it is listed, downloaded and judged first.
    await put('gardaland_r1_copy.zip', drop.zip, 120);
    await put(drop.fileName, drop.zip, 60);

    const result = await pull();

    expect(result).toMatchObject({ buffered: 1, quarantined: 1, duplicates: 0 });
    expect(await waiting()).toEqual([drop.fileName]);
    const kept = await api.quarantine.list();
    expect(kept).toEqual([
      expect.objectContaining({
        fileName: 'gardaland_r1_copy.zip',
        sha256: drop.sha256,
        reasonCode: 'name_mismatch',
        // The verifier's sentence, naming the name the manifest expects.
        reason: expect.stringContaining(`"${drop.fileName}"`),
      }),
    ]);
  });

  it('is buffered when it arrives in a later pull than the misnamed copy', async () => {
    const { put, pull, waiting } = await openAgent();
    const drop = buildTestDrop();
    await put('gardaland_r1_copy.zip', drop.zip, 120);
    expect(await pull()).toMatchObject({ buffered: 0, quarantined: 1 });

    await put(drop.fileName, drop.zip, 60);
    expect(await pull()).toMatchObject({ buffered: 1, duplicates: 0, known: 1 });

    expect(await waiting()).toEqual([drop.fileName]);
  });

  it('stays buffered, with its blob, when a person deletes the misnamed copy; only that file is dismissed', async () => {
    const { agent, api, dataDir, put, pull, waiting } = await openAgent();
    const drop = buildTestDrop();
    await put('gardaland_r1_copy.zip', drop.zip, 120);
    await put(drop.fileName, drop.zip, 60);
    await pull();
    const [copy] = await api.quarantine.list();
    if (!copy) throw new Error('the misnamed copy was not quarantined');

    await api.quarantine.delete({ id: copy.id });

    expect(await api.quarantine.list()).toEqual([]);
    expect(await waiting()).toEqual([drop.fileName]);
    // The valid drop still needs the blob both files share.
    const blob = path.join(dataDir, 'blobs', drop.sha256.slice(0, 2), `${drop.sha256}.zip`);
    expect(existsSync(blob)).toBe(true);
    // Both files are known now: the copy as dismissed, the drop as recorded.
    expect(await pull()).toMatchObject({ known: 2, buffered: 0, quarantined: 0 });
    expect(agent.status().drops).toMatchObject({ buffered: 1, quarantined: 0 });
  });

  it('a misnamed copy arriving after the valid drop is quarantined too (its own verdict), never a duplicate', async () => {
    const { api, put, pull, waiting } = await openAgent({ moveTo: 'done' });
    const drop = buildTestDrop();
    await put(drop.fileName, drop.zip, 120);
    await pull();
    await put('gardaland_r1_copy.zip', drop.zip, 60);

    expect(await pull()).toMatchObject({ quarantined: 1, duplicates: 0, cleanedUp: 0 });

    expect(await waiting()).toEqual([drop.fileName]);
    expect((await api.quarantine.list()).map((d) => d.fileName)).toEqual(['gardaland_r1_copy.zip']);
  });
});

describe('duplicates among valid drops', () => {
  it('a re-zipped copy (same content, other bytes) and an exact re-send are duplicates of the valid drop', async () => {
    const { agent, put, pull, waiting } = await openAgent('delete');
    const drop = buildTestDrop();
    const rezipped = buildTestDrop({ stored: true });
    expect(rezipped.sha256).not.toBe(drop.sha256);
    await put(drop.fileName, drop.zip, 120);
    expect(await pull()).toMatchObject({ buffered: 1, cleanedUp: 1 });

    // The PLC exports the same window again (zipped anew) after the agent deleted the file.
    await put(drop.fileName, rezipped.zip, 90);
    expect(await pull()).toMatchObject({ buffered: 0, duplicates: 1, quarantined: 0 });
    // And then sends the very same bytes once more.
    await put(drop.fileName, drop.zip, 30);
    expect(await pull()).toMatchObject({ buffered: 0, duplicates: 1, quarantined: 0 });
    expect(await waiting()).toEqual([drop.fileName]);
    expect(agent.status().drops).toMatchObject({ buffered: 1, quarantined: 0 });
  });

  it('a valid drop is not a duplicate of a quarantined drop with the same content under a bad name', async () => {
    const { put, pull, waiting } = await openAgent();
    const drop = buildTestDrop();
    const rezipped = buildTestDrop({ stored: true });
    await put('gardaland_r1_copy.zip', rezipped.zip, 120);
    await put(drop.fileName, drop.zip, 60);

    expect(await pull()).toMatchObject({ buffered: 1, quarantined: 1, duplicates: 0 });
    expect(await waiting()).toEqual([drop.fileName]);
  });
});
