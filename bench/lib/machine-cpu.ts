import { readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';

// /proc/stat counts in USER_HZ, 100 per second on every Linux build that matters here.
const TICKS_PER_SECOND = 100;

/** CPU time the whole machine spent busy and idle since boot, in seconds (Linux). */
export interface MachineCpu {
  busy: number;
  idle: number;
}

/**
 * Reads the machine's CPU counters, to tell a run that waited from one that ran out of CPU;
 * with `cpu`, that one CPU's (a bench that pins its server to one).
 */
export function machineCpu(cpu?: number): MachineCpu {
  const prefix = cpu === undefined ? 'cpu ' : `cpu${cpu} `;
  const line = readFileSync('/proc/stat', 'utf8')
    .split('\n')
    .find((l) => l.startsWith(prefix));
  const fields = (line ?? '').trim().split(/\s+/).slice(1).map(Number);
  // idle + iowait count as idle; everything else (user, nice, system, irq, softirq, steal) as busy.
  const idle = (fields[3] ?? 0) + (fields[4] ?? 0);
  const total = fields.reduce((a, b) => a + b, 0);
  return { busy: (total - idle) / TICKS_PER_SECOND, idle: idle / TICKS_PER_SECOND };
}

/** "busy 3.1 of 4.0 CPU-s" between two readings: how much of the machine a round used. */
export function describeCpuUse(before: MachineCpu, after: MachineCpu): string {
  const busy = after.busy - before.busy;
  const all = busy + after.idle - before.idle;
  return `machine busy ${busy.toFixed(1)} of ${all.toFixed(1)} CPU-s (${os.cpus().length} cores)`;
}

/** CPU seconds (user + system) a process has used, from /proc (Linux); 0 when it is gone. */
export function processCpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name may hold spaces and parentheses: fields resume after the last ")".
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
  } catch {
    return 0;
  }
}

/** CPU seconds used by every process whose command name is `name` (e.g. `postgres`). */
export function commandCpuSeconds(name: string): number {
  let total = 0;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      if (comm === name) total += processCpuSeconds(Number(entry));
    } catch {
      // Gone meanwhile.
    }
  }
  return total;
}

/**
 * Waits until the processes have settled after starting: a half-second in which they used
 * together under a twentieth of a core, or `timeoutMs`. A process that just listens is not done
 * starting: its worker threads may still be loading and compiling their modules for seconds,
 * which a measurement begun at once would charge to the first requests.
 */
export async function untilQuiet(pids: number[], timeoutMs = 30_000): Promise<void> {
  const start = Date.now();
  const used = () => pids.reduce((sum, pid) => sum + processCpuSeconds(pid), 0);
  let before = used();
  while (Date.now() - start < timeoutMs) {
    await new Promise((resolve) => setTimeout(resolve, 500));
    const now = used();
    if (now - before < 0.025) break;
    before = now;
  }
}
