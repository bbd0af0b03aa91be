// `npm run demo`: bootstraps a fresh clone, then runs the whole path for one park
// (see scripts/demo/main.ts). Plain Node here because node_modules may not exist yet.
import { bootstrap } from './bootstrap.mjs';
import { mustRun, repoRoot, say } from './lib.mjs';

say('preparing: system packages, PostgreSQL, RabbitMQ, npm packages, Rust binaries');
await bootstrap();
await mustRun(
  `${repoRoot}/node_modules/.bin/tsx`,
  [`${repoRoot}/scripts/demo/main.ts`, ...process.argv.slice(2)],
  'the demo',
);
