// Helpers for the plain-Node scripts that run before `npm ci` (no dependencies allowed here).
import { spawn, spawnSync } from 'node:child_process';
import net from 'node:net';
import { existsSync } from 'node:fs';

export const repoRoot = new URL('..', import.meta.url).pathname.replace(/\/$/, '');

/** Prints one plain-words progress line. */
export function say(message) {
  console.log(`» ${message}`);
}

/** Runs a command with inherited output; resolves with its exit code. */
export function run(cmd, args, opts = {}) {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { stdio: 'inherit', cwd: repoRoot, ...opts });
    child.on('error', (err) => {
      console.error(`could not start ${cmd}: ${err.message}`);
      resolve(127);
    });
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 128 : 1)));
  });
}

/** Runs a command and fails the script with a readable message if it fails. */
export async function mustRun(cmd, args, what, opts = {}) {
  const code = await run(cmd, args, opts);
  if (code !== 0) {
    console.error(
      `\n✗ ${what} failed (${cmd} ${args.join(' ')} exited ${code}). See the output above.`,
    );
    process.exit(code || 1);
  }
}

export function commandExists(path) {
  return existsSync(path) || spawnSync('sh', ['-c', `command -v ${path}`]).status === 0;
}

/** True when something accepts TCP connections on 127.0.0.1:port. */
export function portOpen(port, host = '127.0.0.1') {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    socket.setTimeout(1000);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(false));
  });
}

export async function waitForPort(port, seconds) {
  for (let i = 0; i < seconds * 4; i++) {
    if (await portOpen(port)) return true;
    await new Promise((r) => setTimeout(r, 250));
  }
  return false;
}
