import path from 'node:path';

/** What the handler needs of Electron's `DownloadItem` (injected, so it is testable). */
export interface ReportDownload {
  getFilename(): string;
  getMimeType(): string;
  setSavePath(savePath: string): void;
  once(event: 'done', listener: (event: unknown, state: string) => void): unknown;
  cancel(): void;
}

/** Where reports go and how they are opened (`app.getPath('temp')`, `shell.openPath`). */
export interface ReportDownloadDeps {
  dir: string;
  open(file: string): Promise<string>;
  onError(message: string): void;
}

/**
 * A report PDF's name as the Reports screen gives it (`common/report-file-name.ts`): park,
 * ride or `whole-park`, and the park-local days (`lago_thunder-loop_2026-12-02.pdf`, `…_2026-11-01_to_2026-11-30.pdf`),
 * or park and report id when the report is not listed (`lago_report-<uuid>.pdf`).
 */
const SLUG = '[a-z0-9][a-z0-9-]*';
const DAY = '\\d{4}-\\d{2}-\\d{2}';
const REPORT_NAME = new RegExp(
  `^${SLUG}_(?:${SLUG}_${DAY}(?:_to_${DAY})?|report-[0-9a-f-]{36})\\.pdf$`,
);

/**
 * The window's only downloads are report PDFs the Reports screen fetched from central through
 * the agent: each is saved to `dir` without asking and opened in the system's PDF viewer.
 * Anything else is refused, so a page can never drop other files on the technician's disk.
 */
export function handleReportDownload(item: ReportDownload, deps: ReportDownloadDeps): void {
  const name = path.basename(item.getFilename());
  if (item.getMimeType() !== 'application/pdf' || !REPORT_NAME.test(name)) {
    item.cancel();
    deps.onError(`a download that is not a report PDF was refused (${name})`);
    return;
  }
  const file = path.join(deps.dir, name);
  item.setSavePath(file);
  item.once('done', (_event, state) => {
    if (state !== 'completed') {
      deps.onError(`the report PDF could not be saved (${state}); open the report again`);
      return;
    }
    void deps.open(file).then((problem) => {
      // shell.openPath answers an empty string on success, else what went wrong.
      if (problem) deps.onError(`the report PDF is saved at ${file} but did not open: ${problem}`);
    });
  });
}
