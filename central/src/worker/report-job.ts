import { mkdir, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { loadRideModels } from '@zra/shared';
import { reportMessageSchema, type ReportMessage } from '../queue/messages.ts';
import { enqueue } from '../queue/outbox.ts';
import { buildReportInput } from '../reports/report-input.ts';
import { JobFailureError } from './job-failure.ts';
import type { JobKind, SubjectState } from './job-kind.ts';
import { PermanentJobError } from './job-kind.ts';
import { runJobBinary } from './run-job-binary.ts';

interface ReportRow {
  park_id: string;
  ride_id: string | null;
  period_start: Date;
  period_end: Date;
  language: 'en' | 'it';
}

const FILES = { pdf: 'report.pdf', html: 'report.html', summary: 'summary.json' } as const;

const STATES: Record<string, SubjectState> = {
  queued: 'pending',
  running: 'pending',
  ready: 'done',
  failed: 'failed',
};

/** Builds one requested report with the Rust `reporter` into BLOB_DIR/reports/<id>/. */
export const reportJob: JobKind<ReportMessage> = {
  queue: 'report',
  message: reportMessageSchema,
  subject: (m) => m.reportId,

  async state(db, { reportId }) {
    const r = await db.query<{ state: string }>('SELECT state FROM reports WHERE id = $1', [
      reportId,
    ]);
    const state = r.rows[0]?.state;
    return state === undefined ? 'missing' : (STATES[state] ?? 'pending');
  },

  async run({ pool, config, blobs, log, stop }, { reportId }) {
    const r = await pool.query<ReportRow>(
      'SELECT park_id, ride_id, period_start, period_end, language FROM reports WHERE id = $1',
      [reportId],
    );
    const report = r.rows[0];
    if (!report) {
      throw new PermanentJobError(
        'report_missing',
        `report ${reportId} no longer exists`,
        'nothing: the report was removed from central',
      );
    }
    await pool.query(
      "UPDATE reports SET state = 'running', started_at = now(), error = NULL WHERE id = $1",
      [reportId],
    );
    const input = await buildReportInput(
      pool,
      {
        parkId: report.park_id,
        rideId: report.ride_id,
        start: report.period_start,
        end: report.period_end,
        language: report.language,
      },
      loadRideModels(config.rideModelsPath),
    );
    const inputPath = blobs.tmpPath('.report-input.json');
    const outDir = blobs.reportDir(reportId);
    try {
      await writeFile(inputPath, JSON.stringify(input));
      // A previous attempt may have left half its files; start from an empty folder.
      await rm(outDir, { recursive: true, force: true });
      await mkdir(outDir, { recursive: true });
      await runJobBinary(
        join(config.rustBinDir, 'reporter'),
        ['--input', inputPath, '--out-dir', outDir],
        config.jobTimeoutMs,
        stop,
      );
      const paths = {
        pdf: join(outDir, FILES.pdf),
        html: join(outDir, FILES.html),
        summary: join(outDir, FILES.summary),
      };
      for (const [kind, p] of Object.entries(paths)) {
        await stat(p).catch((err: unknown) => {
          if ((err as { code?: string }).code !== 'ENOENT') throw err;
          throw new JobFailureError({
            code: 'output_missing',
            what: `the reporter ended without an error but wrote no ${kind} file`,
            todo: 'send the report id to Zamperla support with the worker log of that time',
            permanent: false,
          });
        });
      }
      // Into the blob store (the object store's copies replace the local files); the row
      // keeps their references.
      const stored = await blobs.storeReport(reportId, paths);
      await pool.query(
        `UPDATE reports SET state = 'ready', pdf_path = $2, html_path = $3, summary_path = $4,
                error = NULL, error_code = NULL, finished_at = now() WHERE id = $1`,
        [reportId, stored.pdf, stored.html, stored.summary],
      );
      log.info({ reportId, hours: input.hourly.length }, 'report ready');
    } finally {
      await rm(inputPath, { force: true });
    }
  },

  async onRetry(db, { reportId }, error) {
    await db.query(
      `UPDATE reports SET state = 'queued', error = $2, error_code = $3
        WHERE id = $1 AND state <> 'ready'`,
      [reportId, error.text, error.code],
    );
  },

  async onGiveUp(db, { reportId }, error) {
    await db.query(
      `UPDATE reports SET state = 'failed', error = $2, error_code = $3, finished_at = now()
        WHERE id = $1 AND state <> 'ready'`,
      [reportId, error.text, error.code],
    );
  },

  async requeue(db, { reportId }) {
    await db.query(
      "UPDATE reports SET state = 'queued' WHERE id = $1 AND state IN ('queued', 'running')",
      [reportId],
    );
    await enqueue(db, 'report', { reportId }, reportId);
  },
};
