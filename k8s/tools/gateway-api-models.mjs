// Gateway API models (GatewayClass, Gateway, HTTPRoute) for validating the rendered manifests
// offline, as kubernetes-models does for the core kinds. The npm package
// @kubernetes-models/gateway-api is generated from the Gateway API's Go types; it is fetched
// with `npm pack` (not installed: nothing else in the repository uses it), checked against its
// registry integrity and unpacked under node_modules/.cache, where its imports of
// kubernetes-models and @kubernetes-models/* (root devDependencies) resolve. Plain Node.
//   node k8s/tools/gateway-api-models.mjs     # prints the folder, fetching on first use
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const PACKAGE = '@kubernetes-models/gateway-api@2.0.0';
const INTEGRITY =
  'sha512-e7SY7EkCGRHy5wHkaGhP32v7V1L+gBalfoqZDFDWn5k9Q7+IW6uz9jNWgOZ9R/Hv5NWyAFYaA01ET2qsysVt5A==';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const cacheRoot = join(repoRoot, 'node_modules', '.cache', 'zra-gateway-api');
/** Where the package is unpacked (a node_modules folder, so its own imports resolve upwards). */
export const gatewayApiModelsDir = join(
  cacheRoot,
  'node_modules',
  '@kubernetes-models',
  'gateway-api',
);

/** Returns the folder of the verified package, fetching it through npm on first use. */
export function ensureGatewayApiModels() {
  if (existsSync(join(gatewayApiModelsDir, 'package.json'))) return gatewayApiModelsDir;
  const work = mkdtempSync(join(tmpdir(), 'zra-gateway-api-'));
  try {
    const packed = execFileSync('npm', ['pack', PACKAGE, '--pack-destination', work, '--silent'], {
      cwd: work,
      encoding: 'utf8',
    }).trim();
    const tarball = join(work, packed.split('\n').pop() ?? '');
    const actual = `sha512-${createHash('sha512').update(readFileSync(tarball)).digest('base64')}`;
    if (actual !== INTEGRITY) {
      throw new Error(
        `${PACKAGE} has integrity ${actual}, expected ${INTEGRITY}; if the package was deliberately upgraded, update INTEGRITY in k8s/tools/gateway-api-models.mjs`,
      );
    }
    execFileSync('tar', ['-xzf', tarball, '-C', work]);
    mkdirSync(join(gatewayApiModelsDir, '..'), { recursive: true });
    // Unpacked beside, then renamed: a concurrent test run never sees half a package.
    const partial = `${gatewayApiModelsDir}.${process.pid}.partial`;
    renameSync(join(work, 'package'), partial);
    if (existsSync(join(gatewayApiModelsDir, 'package.json')))
      rmSync(partial, { recursive: true, force: true });
    else renameSync(partial, gatewayApiModelsDir);
    return gatewayApiModelsDir;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  process.stdout.write(`${ensureGatewayApiModels()}\n`);
}
