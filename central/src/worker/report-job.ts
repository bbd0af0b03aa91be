import { mkdir, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { loadRideModels } from '@zra/shared';
import { reportMessageSchema, type ReportMessage } from '../queue/messages.ts';
import { buildReportInput } from '../reports/report-input.ts';
import type { JobKind } from './job-kind.ts';
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

/** Builds one requested report with the Rust `reporter` into BLOB_DIR/reports/<id>/. */
export const reportJob: JobKind<ReportMessage> = {
  queue: 'report',
  message: reportMessageSchema,
  subject: (m) => m.reportId,

  async run({ pool, config, blobs, log }, { reportId }) {
    const r = await pool.query<ReportRow>(
      'SELECT park_id, ride_id, period_start, period_end, language FROM reports WHERE id = $1',
      [reportId],
    );
    const report = r.rows[0];
    if (!report) throw new PermanentJobError(`report ${reportId} does not exist`);
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
      );
      const paths = {
        pdf: join(outDir, FILES.pdf),
        html: join(outDir, FILES.html),
        summary: join(outDir, FILES.summary),
      };
      for (const p of Object.values(paths)) {
        await stat(p).catch(() => {
          throw new Error(`reporter exited 0 but did not write ${p}`);
        });
      }
      await pool.query(
        `UPDATE reports SET state = 'ready', pdf_path = $2, html_path = $3, summary_path = $4,
                error = NULL, finished_at = now() WHERE id = $1`,
        [reportId, paths.pdf, paths.html, paths.summary],
      );
      log.info({ reportId, hours: input.hourly.length }, 'report ready');
    } finally {
      await rm(inputPath, { force: true });
    }
  },

  async onRetry({ pool }, { reportId }, error) {
    await pool.query(
      "UPDATE reports SET state = 'queued', error = $2 WHERE id = $1 AND state <> 'ready'",
      [reportId, error],
    );
  },

  async onGiveUp({ pool }, { reportId }, error) {
    await pool.query(
      `UPDATE reports SET state = 'failed', error = $2, finished_at = now()
        WHERE id = $1 AND state <> 'ready'`,
      [reportId, error],
    );
  },

  async onDeadLettered({ pool }, { reportId }) {
    await pool.query(
      `UPDATE reports SET state = 'failed', finished_at = now(),
              error = 'gave up: every delivery ended without an answer (worker crashed or was killed); ' || coalesce(error, '')
        WHERE id = $1 AND state IN ('queued', 'running')`,
      [reportId],
    );
  },
};
