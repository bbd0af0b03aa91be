// `npm test`: every check the project has, in one command, on a fresh clone.
// Bootstraps first (packages, services, npm ci, Rust build), then runs format, lint,
// type-check, the Rust checks and tests, and the TypeScript tests against real services; the
// tests against Garage last, once bootstrap's background build of it is done.
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { bootstrap, garageBuildPid, garagePaths } from './bootstrap.mjs';
import { repoRoot, say } from './lib.mjs';

const rustManifest = `${repoRoot}/rust/Cargo.toml`;
const bin = (name) => `${repoRoot}/node_modules/.bin/${name}`;
/** Tests that run against Garage (scripts/harness/garage.ts), in a step of their own. */
const GARAGE_TESTS = '**/*.garage.test.ts';

/** Each step: a name a person understands and the command behind it. */
const steps = [
  ['format (prettier)', bin('prettier'), ['--check', '--log-level', 'warn', '.']],
  ['lint (eslint)', bin('eslint'), ['--max-warnings', '0', '.']],
  ['type-check (tsc -b)', bin('tsc'), ['-b']],
  [
    'Rust format (cargo fmt)',
    'cargo',
    ['fmt', '--manifest-path', rustManifest, '--all', '--check'],
  ],
  [
    'Rust lint (cargo clippy)',
    'cargo',
    [
      'clippy',
      '--manifest-path',
      rustManifest,
      '--workspace',
      '--all-targets',
      '--release',
      '--quiet',
      '--',
      '-D',
      'warnings',
    ],
  ],
  [
    'Rust tests (cargo test)',
    'cargo',
    ['test', '--manifest-path', rustManifest, '--workspace', '--release'],
  ],
  [
    'TypeScript tests (vitest, against PostgreSQL, RabbitMQ and OpenSSH)',
    bin('vitest'),
    [
      'run',
      '--reporter=default',
      '--reporter=json',
      '--outputFile.json=.tsbuild/vitest-report.json',
      // They need Garage, which bootstrap builds in the background meanwhile: the next step.
      `--exclude=${GARAGE_TESTS}`,
    ],
  ],
  [
    'TypeScript tests against the Garage object store (vitest, *.garage.test.ts)',
    bin('vitest'),
    [
      'run',
      '--reporter=default',
      '--reporter=json',
      '--outputFile.json=.tsbuild/vitest-garage-report.json',
      '.garage.test.ts',
    ],
    { before: waitForGarageBuild },
  ],
];

await bootstrap({ quiet: true });
mkdirSync(`${repoRoot}/.tsbuild`, { recursive: true });

let passed = 0;
let failed = 0;
const failedSteps = [];
for (const [name, cmd, args, options] of steps) {
  say(name);
  await options?.before?.();
  const { code, output } = await runCapturing(cmd, args);
  for (const m of output.matchAll(/test result: \w+\. (\d+) passed; (\d+) failed/g)) {
    passed += Number(m[1]);
    failed += Number(m[2]);
  }
  if (name.startsWith('TypeScript tests')) {
    const counts = vitestCounts(args.find((a) => a.startsWith('--outputFile.json=')));
    passed += counts.passed;
    failed += counts.failed;
  }
  if (code !== 0) failedSteps.push(name);
}

console.log('');
if (failedSteps.length > 0) {
  console.log(`✗ failed: ${failedSteps.join('; ')} — scroll up to the first error of each.`);
} else {
  console.log('✓ every check passed');
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(failedSteps.length > 0 ? 1 : 0);

/** Runs a step, showing its output live and keeping a copy to count Rust test results. */
function runCapturing(cmd, args) {
  return new Promise((resolve) => {
    let output = '';
    const child = spawn(cmd, args, { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.on('data', (d) => {
      output += d;
      process.stdout.write(d);
    });
    child.stderr.on('data', (d) => process.stderr.write(d));
    child.on('error', (err) => resolve({ code: 127, output: String(err) }));
    child.on('exit', (code) => resolve({ code: code ?? 1, output }));
  });
}

function vitestCounts(outputArg) {
  try {
    const file = outputArg.slice('--outputFile.json='.length);
    const report = JSON.parse(readFileSync(`${repoRoot}/${file}`, 'utf8'));
    return {
      passed: report.numPassedTests ?? 0,
      failed: (report.numFailedTests ?? 0) + (report.numTodoTests ?? 0),
    };
  } catch {
    return { passed: 0, failed: 1 };
  }
}

/**
 * Waits for bootstrap's background build of Garage, saying so once a minute. A failed or
 * missing build is left for the tests to report (they name the log and the fix).
 */
async function waitForGarageBuild() {
  const { binary, log } = garagePaths();
  const began = Date.now();
  let saidAt = 0;
  for (let pid = garageBuildPid(); pid && !existsSync(binary); pid = garageBuildPid()) {
    if (Date.now() - saidAt >= 60_000) {
      const min = Math.round((Date.now() - began) / 60_000);
      say(`waiting for the Garage build to finish (pid ${pid}, ${min} min so far; log: ${log})`);
      saidAt = Date.now();
    }
    await new Promise((r) => setTimeout(r, 2000));
  }
  if (Date.now() - began > 5000) {
    say(`the Garage build finished after ${Math.round((Date.now() - began) / 1000)} s of waiting`);
  }
}
