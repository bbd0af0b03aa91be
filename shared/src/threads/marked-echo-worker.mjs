// A worker thread for thread-pool.test.ts: appends a line to the file named by
// ZRA_THREAD_MARKER when it starts (so the test sees when threads start), then echoes tasks.
// Plain JavaScript that registers tsx itself, as the pools' real workers do.
import { appendFileSync } from 'node:fs';
import { register } from 'tsx/esm/api';

register();
const { serveThreadTasks } = await import('./serve-thread-tasks.ts');

const marker = process.env.ZRA_THREAD_MARKER;
if (marker) appendFileSync(marker, 'started\n');
serveThreadTasks(async (input) => ({ echoed: input }));
