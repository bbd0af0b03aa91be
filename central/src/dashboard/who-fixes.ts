import { JOB_ERROR_CODES } from '../worker/job-failure.ts';

/**
 * Who can fix a failure (docs/job-contracts.md#job-error-codes): the dashboard says it next to
 * the error, so a technician is not sent after a ride model only an admin at central can add.
 * - `central_admin`: an admin of the dashboard (ride models file, report period).
 * - `operator`: whoever runs central's deployment (worker disks, versions, timeouts).
 * - `support`: Zamperla support (a bug, or two verifiers that disagree).
 * - `park`: the park (the ride's PLC export); only for drops central refused at upload.
 * - `nobody_yet`: passing faults central retries by itself.
 */
export const FIXERS = ['central_admin', 'operator', 'support', 'park', 'nobody_yet'] as const;
export type Fixer = (typeof FIXERS)[number];

/** The Rust jobs' codes (JOB_ERROR_CODES) and central's own, by who can fix them. */
export const FIXER_BY_CODE: Readonly<Record<string, Fixer>> = {
  // The jobs' codes: every key of JOB_ERROR_CODES (a test keeps the two lists equal).
  unknown_ride_model: 'central_admin',
  ride_models_invalid: 'central_admin',
  input_too_large: 'central_admin',
  input_invalid: 'support',
  invalid_arguments: 'operator',
  input_unreadable: 'operator',
  io_error: 'operator',
  internal: 'support',
  binary_missing: 'operator',
  // Central's own (worker/job-failure.ts, postprocess-job.ts, the stuck-job sweeper).
  timeout: 'operator',
  crashed: 'support',
  internal_error: 'support',
  worker_died: 'operator',
  abandoned: 'nobody_yet',
  content_mismatch: 'support',
  output_missing: 'support',
  result_invalid: 'support',
};

/** The job codes this table must cover; exported for the test that compares them. */
export const JOB_CODES = Object.keys(JOB_ERROR_CODES);

/**
 * Who fixes a drop's failure. A failed drop was accepted at upload, so a drop rejection code
 * from the postprocessor means the two verifiers disagree (support); a quarantined one was
 * refused at upload: the park's export is at fault.
 */
export function fixerOf(state: 'failed' | 'quarantined' | 'report', code: string | null): Fixer {
  if (state === 'quarantined') return 'park';
  if (code && FIXER_BY_CODE[code]) return FIXER_BY_CODE[code];
  // Unknown and drop-rejection codes: a person at Zamperla has to look.
  return 'support';
}
