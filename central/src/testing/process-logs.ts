import type { ChildProcess } from 'node:child_process';

/** The JSON log lines of a process, and a way to wait for one that matches. */
export function watchLogs(proc: ChildProcess) {
  const lines: Record<string, unknown>[] = [];
  const waiters: {
    match: (l: Record<string, unknown>) => boolean;
    resolve: () => void;
    reject: (err: Error) => void;
  }[] = [];
  // A process that dies early fails the test with its last words instead of a timeout.
  proc.once('exit', (code) => {
    const tail = lines.slice(-5).map((l) => JSON.stringify(l));
    for (const w of waiters)
      w.reject(new Error(`process exited (${code}) early:\n${tail.join('\n')}`));
  });
  let buffered = '';
  proc.stderr?.setEncoding('utf8');
  proc.stderr?.on('data', (text: string) => {
    buffered += text;
    const parts = buffered.split('\n');
    buffered = parts.pop() ?? '';
    for (const part of parts) {
      let line: Record<string, unknown>;
      try {
        line = JSON.parse(part) as Record<string, unknown>;
      } catch {
        line = { msg: part };
      }
      lines.push(line);
      for (const w of waiters.filter((x) => x.match(line))) w.resolve();
    }
  });
  return {
    lines,
    waitFor(match: (l: Record<string, unknown>) => boolean): Promise<Record<string, unknown>> {
      const found = lines.find(match);
      if (found) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        waiters.push({ match, resolve: () => resolve(lines.find(match) ?? {}), reject });
      });
    },
  };
}
