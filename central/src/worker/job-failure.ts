import type { QueueName } from '../queue/queue-names.ts';
import { PermanentJobError } from './job-kind.ts';
import { JobBinaryError } from './run-job-binary.ts';

/** Why an attempt failed, in the terms people and the retry policy need. */
export interface JobFailure {
  /** Stable snake_case code: the job's own (`unknown_ride_model`) or central's (`timeout`). */
  code: string;
  /** What happened, in one sentence, without server paths or driver texts. */
  what: string;
  /** What to do about it, and who. */
  todo: string;
  /** Another attempt can only fail the same way: fail at once. */
  permanent: boolean;
}

interface CodeRule {
  permanent: boolean;
  /** What to do about it, and who; `{job}` is the binary's name. */
  todo: string;
}

const SUPPORT = 'send the id to Zamperla support';
const MISMATCH =
  'the worker and the job binaries come from different versions: deploy matching versions, then retry it from the dashboard';

/**
 * The Rust jobs' error codes (rust/crates/job-io, docs/job-contracts.md) and what central does
 * with each: permanent ones fail at once, transient ones are retried. A code not listed here
 * is retried (it may be new) and the message says it is unknown. Exit code 2 (invalid drop)
 * is always permanent.
 */
export const JOB_ERROR_CODES: Readonly<Record<string, CodeRule>> = {
  unknown_ride_model: {
    permanent: true,
    todo: 'an admin at central must add this ride model to the ride models file (RIDE_MODELS_PATH) and deploy it, then retry the drop from the dashboard',
  },
  ride_models_invalid: {
    permanent: true,
    todo: 'an admin at central must correct the ride models file (RIDE_MODELS_PATH), then retry it from the dashboard',
  },
  input_invalid: {
    permanent: true,
    todo: `central built an input {job} refuses, which is a bug in central: ${SUPPORT}`,
  },
  invalid_arguments: { permanent: true, todo: MISMATCH },
  input_too_large: {
    permanent: true,
    todo: `for a report, request a shorter period or a single ride; otherwise ${SUPPORT}`,
  },
  input_unreadable: {
    permanent: false,
    todo: 'check the blob store volume (BLOB_DIR) of the workers',
  },
  io_error: {
    permanent: false,
    todo: 'check free space and permissions of BLOB_DIR on the workers',
  },
  internal: { permanent: false, todo: SUPPORT },
  binary_missing: {
    permanent: false,
    todo: 'deploy the job binaries with the worker (RUST_BIN_DIR)',
  },
};

/** The drop rejection codes (docs/job-contracts.md): the postprocessor found the drop invalid. */
const DROP_INVALID_TODO =
  'central accepted this drop at upload, so its verifier and the postprocessor disagree: send the batch id to Zamperla support; the park may also send a corrected drop';

const JOB_NAMES: Record<QueueName, string> = {
  postprocess: 'the postprocessor',
  report: 'the reporter',
  download: 'the gateway download',
};

/** Central's own failures of a job, besides the binaries' codes. */
export class JobFailureError extends Error {
  override name = 'JobFailureError';
  constructor(
    readonly failure: JobFailure,
    options?: { cause?: unknown },
  ) {
    super(failure.what, options);
  }
}

/**
 * Words any error a job threw for the people who see it (job runs, batch and report errors)
 * and decides whether another attempt can help. Nothing of the raw text that could carry a
 * server path, a stack or a driver message is passed on unless it is known to be the job's own
 * sentence, and even then paths are removed.
 */
export function describeJobFailure(
  queue: QueueName,
  err: unknown,
  settings: { jobTimeoutMs: number },
): JobFailure {
  const job = JOB_NAMES[queue];
  if (err instanceof JobFailureError) return err.failure;
  if (err instanceof PermanentJobError) {
    return { code: err.code, what: withoutPaths(err.message), todo: err.todo, permanent: true };
  }
  if (!(err instanceof JobBinaryError)) {
    return {
      code: 'internal_error',
      what: "central's worker hit an unexpected error (a bug)",
      todo: `${SUPPORT} with the worker log of that time`,
      permanent: false,
    };
  }
  if (err.code === 'timeout') {
    return {
      code: 'timeout',
      what: `${job} ran longer than JOB_TIMEOUT_S (${Math.round(settings.jobTimeoutMs / 1000)} s) and was stopped`,
      todo: `raise JOB_TIMEOUT_S, or ${SUPPORT}`,
      permanent: false,
    };
  }
  if (err.code === 'crashed') {
    const how = err.signal ? `killed by signal ${err.signal}` : `exit code ${err.exitCode ?? '?'}`;
    return {
      code: 'crashed',
      what: `${job} stopped without saying why (${how})`,
      todo: `${SUPPORT} with the worker log of that time`,
      permanent: false,
    };
  }
  const said = withoutPaths(err.message);
  if (err.exitCode === 2 && queue === 'report') {
    return {
      code: err.code,
      what: `${job} refused its input (${err.code}): ${said}`,
      todo: `central built an input the reporter refuses, which is a bug in central: ${SUPPORT}`,
      permanent: true,
    };
  }
  if (err.exitCode === 2) {
    return {
      code: err.code,
      what: `${job} found the stored drop invalid (${err.code}): ${said}`,
      todo: DROP_INVALID_TODO,
      permanent: true,
    };
  }
  const rule = JOB_ERROR_CODES[err.code];
  if (!rule) {
    return {
      code: err.code,
      what: `${job} failed with an error code this version of central does not know (${err.code}): ${said}`,
      todo: `${SUPPORT} (central retries unknown codes, taking them for passing faults)`,
      permanent: false,
    };
  }
  return {
    code: err.code,
    what: `${job} failed (${err.code}): ${said}`,
    todo: rule.todo.replaceAll('{job}', job),
    permanent: rule.permanent,
  };
}

// An absolute path: a slash not preceded by a word character (so "m/s" and "1/2" stay),
// followed by path characters, possibly several segments.
const ABSOLUTE_PATH = /(?<![\w.])\/(?:[\w.@%+=,~-]+\/)*[\w.@%+=,~-]+/g;

/** Replaces absolute file paths (server layout, temp files) with a neutral phrase. */
export function withoutPaths(text: string): string {
  return text.replace(ABSOLUTE_PATH, '(a file on the worker)');
}

/** Where a failed attempt leaves the job. */
export interface AttemptPosition {
  attempt: number;
  limit: number;
  /** No further attempt follows. */
  giveUp: boolean;
}

/** The sentence stored with a failed attempt (job run, batch or report error). */
export function failureText(failure: JobFailure, at: AttemptPosition): string {
  if (!at.giveUp) {
    return `${failure.what}; trying again (attempt ${at.attempt + 1} of ${at.limit}). If it keeps happening: ${failure.todo}.`;
  }
  if (failure.permanent) {
    return `${failure.what}. Not retried: it would fail the same way. What to do: ${failure.todo}.`;
  }
  return `${failure.what}; gave up after ${at.attempt} attempts. What to do: ${failure.todo}.`;
}
