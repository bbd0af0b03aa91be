import { z } from 'zod';

/** `postprocess` queue body: which batch to post-process. */
export const postprocessMessageSchema = z.strictObject({ batchId: z.uuid() });

/** `report` queue body: which report to build. */
export const reportMessageSchema = z.strictObject({ reportId: z.uuid() });

/** `download` queue body: which download request (one ride's pull) to run. */
export const downloadMessageSchema = z.strictObject({ requestId: z.uuid() });

export type PostprocessMessage = z.infer<typeof postprocessMessageSchema>;
export type ReportMessage = z.infer<typeof reportMessageSchema>;
export type DownloadMessage = z.infer<typeof downloadMessageSchema>;

/** Message body by queue, so `enqueue` cannot put a report message on `postprocess`. */
export interface QueueMessages {
  postprocess: PostprocessMessage;
  report: ReportMessage;
  download: DownloadMessage;
}
