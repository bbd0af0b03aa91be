// podman as this machine kind runs it (docs/operations.md, "Images built without a registry"):
// as root, with the runc runtime (crun fails on these hosts' hybrid cgroups), the cgroupfs
// manager, and a containers.conf that leaves resource limits alone. Plain Node, no
// dependencies: scripts/images/build-images.mjs and the container test both use it.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const conf = fileURLToPath(new URL('containers.conf', import.meta.url));

/** Flags every podman call needs here, before the subcommand. */
export const PODMAN_GLOBAL_FLAGS = ['--runtime', 'runc', '--cgroup-manager=cgroupfs'];

/** The environment for podman: CONTAINERS_CONF points at this folder's containers.conf. */
export function podmanEnv() {
  return { ...process.env, CONTAINERS_CONF: conf };
}

/**
 * Runs `podman <args>`; resolves with its exit code and output (never rejects on a non-zero
 * exit: callers decide what a failure means). `inherit` shows the output live instead.
 */
export function podman(args, { inherit = false, timeoutMs } = {}) {
  return new Promise((resolve) => {
    const child = spawn('podman', [...PODMAN_GLOBAL_FLAGS, ...args], {
      env: podmanEnv(),
      stdio: inherit ? ['ignore', 'inherit', 'inherit'] : ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (d) => (stdout += d));
    child.stderr?.on('data', (d) => (stderr += d));
    const timer = timeoutMs ? setTimeout(() => child.kill('SIGKILL'), timeoutMs) : undefined;
    child.on('error', (err) => {
      clearTimeout(timer);
      resolve({ code: 127, stdout, stderr: `${stderr}${err.message}` });
    });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ code: code ?? (signal ? 128 : 1), stdout, stderr });
    });
  });
}

/** Like {@link podman}, but a non-zero exit throws with what podman said. */
export async function mustPodman(args, what, options = {}) {
  const result = await podman(args, options);
  if (result.code !== 0) {
    const said = `${result.stderr}\n${result.stdout}`.trim().slice(-4000);
    throw new Error(`${what} failed (podman ${args[0]} exited ${result.code}):\n${said}`);
  }
  return result.stdout;
}
