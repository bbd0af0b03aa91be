/**
 * The smoke test of docs/operations.md: uploads one generated drop (yesterday, 15:00 UTC, one
 * ride of model discovery-revolution, 1 Hz) to a central as a park agent does, and prints the
 * batch id. Then watch a job pod take it (`kubectl -n zamperla get jobs -w`) and the drop end
 * `processed` on the dashboard. From a clone of the repository (npm ci done):
 *   npx tsx k8s/tools/smoke-upload.ts http://zamperla.local PARK_ID PARK_TOKEN
 */
import { generateSmallDrop } from '@zra/shared';
import { createParkClient, uploadDrop } from '@zra/central/testing';

const [baseUrl, park, token] = process.argv.slice(2);
if (!baseUrl || !park || !token) {
  process.stderr.write(
    'usage: npx tsx k8s/tools/smoke-upload.ts CENTRAL_URL PARK_ID PARK_TOKEN (the URL without /trpc)\n',
  );
  process.exit(2);
}
const yesterday = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
const drop = generateSmallDrop({ park, date: yesterday, hour: 15, seed: Date.now() % 100_000 });
try {
  const result = await uploadDrop(
    createParkClient(baseUrl.replace(/\/+$/, ''), token),
    drop.zip,
    drop.fileName,
  );
  process.stdout.write(`${drop.fileName}: ${JSON.stringify(result)}\n`);
} catch (err) {
  process.stderr.write(
    `upload failed: ${err instanceof Error ? err.message : String(err)}. Check the URL (the Gateway's address in your hosts file), the park id and its token.\n`,
  );
  process.exit(1);
}
