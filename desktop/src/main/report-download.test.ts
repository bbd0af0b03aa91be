import { describe, expect, it } from 'vitest';
import { handleReportDownload, type ReportDownload } from './report-download.ts';

const ID = '0b983889-5fbd-4fba-9b43-71feeb685386';

/** A download as Electron hands it over, recording what the handler did with it. */
function download(fileName: string, mime: string) {
  const seen: { savePath: string; cancelled: boolean; done: (state: string) => void } = {
    savePath: '',
    cancelled: false,
    done: () => undefined,
  };
  const item: ReportDownload = {
    getFilename: () => fileName,
    getMimeType: () => mime,
    setSavePath: (p) => (seen.savePath = p),
    once: (_event, listener) => (seen.done = (state) => listener({}, state)),
    cancel: () => (seen.cancelled = true),
  };
  return { item, seen };
}

function deps(openAnswer = '') {
  const calls = { opened: [] as string[], errors: [] as string[] };
  return {
    calls,
    deps: {
      dir: '/tmp/zra-reports',
      open: async (file: string) => {
        calls.opened.push(file);
        return openAnswer;
      },
      onError: (message: string) => calls.errors.push(message),
    },
  };
}

describe('report downloads in the Electron window', () => {
  it('saves a report PDF without asking and opens it once it is complete', async () => {
    const { item, seen } = download('lago_thunder-loop_2026-12-02.pdf', 'application/pdf');
    const { calls, deps: d } = deps();
    handleReportDownload(item, d);
    expect(seen.savePath).toBe('/tmp/zra-reports/lago_thunder-loop_2026-12-02.pdf');
    expect(calls.opened).toEqual([]);
    seen.done('completed');
    await Promise.resolve();
    expect(calls.opened).toEqual(['/tmp/zra-reports/lago_thunder-loop_2026-12-02.pdf']);
    for (const name of ['lago_whole-park_2026-11-01_to_2026-11-30.pdf', `lago_report-${ID}.pdf`]) {
      const other = download(name, 'application/pdf');
      handleReportDownload(other.item, deps().deps);
      expect(other.seen.cancelled).toBe(false);
    }
    expect(calls.errors).toEqual([]);
  });

  it('refuses any other download, and a name that tries to leave the folder', () => {
    for (const [name, mime] of [
      ['setup.exe', 'application/octet-stream'],
      [`lago_report-${ID}.pdf`, 'text/html'],
      ['lago_thunder-loop_2026-12-02.pdf.exe', 'application/pdf'],
      ['../../.bashrc', 'application/pdf'],
    ] as const) {
      const { item, seen } = download(name, mime);
      const { calls, deps: d } = deps();
      handleReportDownload(item, d);
      expect(seen.cancelled).toBe(true);
      expect(seen.savePath).toBe('');
      expect(calls.errors[0]).toContain('not a report PDF');
    }
  });

  it('says where the file is when the system cannot open it, and when saving failed', async () => {
    const { item, seen } = download(`lago_report-${ID}.pdf`, 'application/pdf');
    const { calls, deps: d } = deps('no application is registered for PDF files');
    handleReportDownload(item, d);
    seen.done('completed');
    await new Promise((r) => setTimeout(r, 0));
    expect(calls.errors).toEqual([
      `the report PDF is saved at /tmp/zra-reports/lago_report-${ID}.pdf but did not open: no application is registered for PDF files`,
    ]);

    const failed = download(`lago_report-${ID}.pdf`, 'application/pdf');
    const second = deps();
    handleReportDownload(failed.item, second.deps);
    failed.seen.done('interrupted');
    expect(second.calls.errors[0]).toContain('could not be saved (interrupted)');
    expect(second.calls.opened).toEqual([]);
  });
});
