/** A service central depends on: an outage of one is never a job's fault. */
export type Dependency = 'postgres' | 'rabbitmq' | 'blob-store';

/** What went wrong with a dependency, for logs, metrics and the people reading them. */
export interface InfrastructureFault {
  dependency: Dependency;
  /** True when the dependency did not answer in time (a silent link), not a refusal. */
  timeout: boolean;
  /** One sentence: what happened, without the raw driver text. */
  summary: string;
}

const NAMES: Record<Dependency, string> = {
  postgres: 'PostgreSQL',
  rabbitmq: 'RabbitMQ',
  'blob-store': 'the blob store',
};

/** The person-facing name of a dependency. */
export function dependencyName(dependency: Dependency): string {
  return NAMES[dependency];
}

// node-postgres reports these without a SQLSTATE; each means the connection is unusable.
const PG_TIMEOUT_MESSAGES = [
  /^Query read timeout/,
  /^timeout exceeded when trying to connect/,
  /^Connection terminated due to connection timeout/,
  /^timeout expired/,
];
const PG_LOST_MESSAGES = [
  /^Connection terminated/,
  /^Client has encountered a connection error/,
  /^Client was closed and is not queryable/,
  /^The server does not support SSL/,
];

// amqplib's words for a connection or channel that closed under a call.
const AMQP_LOST_MESSAGES = [
  /^[Cc]hannel closed/,
  /^Channel ended, no reply will be forthcoming/,
  /^Connection closed/,
  /^Unexpected close/,
  /^Socket closed abruptly/,
];

// Errors of a socket, whichever dependency it led to.
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
  'EAI_AGAIN',
  'ENOTFOUND',
]);

// File-system errors that say the storage is unwell, not that the job's input is wrong.
const STORAGE_CODES = new Set([
  'EIO',
  'ENOSPC',
  'EDQUOT',
  'EROFS',
  'ESTALE',
  'ENOTCONN',
  'EACCES',
  'EPERM',
  'EMFILE',
  'ENFILE',
  'EBUSY',
  'EAGAIN',
  'ETIMEDOUT',
]);

/**
 * Says whether `err` comes from a dependency (PostgreSQL, RabbitMQ, the blob store) being
 * unreachable, slow or unwell, as opposed to the work itself failing. `hint` names the
 * dependency a bare socket error belongs to (the caller knows whom it was talking to).
 * Such a failure is retried in place and never counted against a job's attempts.
 */
export function infrastructureFault(
  err: unknown,
  hint: Dependency = 'postgres',
): InfrastructureFault | null {
  if (!err || typeof err !== 'object') return null;
  const e = err as { code?: unknown; message?: unknown; syscall?: unknown; name?: unknown };
  const code = typeof e.code === 'string' ? e.code : '';
  const message = typeof e.message === 'string' ? e.message : '';
  if (err instanceof DependencyTimeoutError) {
    return { dependency: err.dependency, timeout: true, summary: err.message };
  }
  if (err instanceof DependencyDownError) {
    return { dependency: err.dependency, timeout: false, summary: err.message };
  }
  // PostgreSQL's own answers (SQLSTATE): 08 connection exception, 53 out of resources
  // (disk full, too many connections), 57P01-03 shutting down / starting up, 57014 statement
  // cancelled by statement_timeout, 25P03 idle-in-transaction timeout, 40001/40P01 retry the
  // transaction, 55P03 lock not available in time.
  if (/^(08|53)/.test(code) || ['57P01', '57P02', '57P03', '40001', '40P01'].includes(code)) {
    return { dependency: 'postgres', timeout: false, summary: pgSummary(code) };
  }
  if (['57014', '25P03', '55P03'].includes(code)) {
    return {
      dependency: 'postgres',
      timeout: true,
      summary: 'PostgreSQL cancelled a statement that ran longer than DB_STATEMENT_TIMEOUT_S',
    };
  }
  if (PG_TIMEOUT_MESSAGES.some((re) => re.test(message))) {
    return {
      dependency: 'postgres',
      timeout: true,
      summary: 'PostgreSQL did not answer in time (the link is silent or the server is stalled)',
    };
  }
  if (PG_LOST_MESSAGES.some((re) => re.test(message))) {
    return {
      dependency: 'postgres',
      timeout: false,
      summary: 'the connection to PostgreSQL was lost',
    };
  }
  if (AMQP_LOST_MESSAGES.some((re) => re.test(message)) || e.name === 'IllegalOperationError') {
    return {
      dependency: 'rabbitmq',
      timeout: false,
      summary: 'the connection to RabbitMQ was lost',
    };
  }
  if (message === 'Heartbeat timeout') {
    return {
      dependency: 'rabbitmq',
      timeout: true,
      summary: 'RabbitMQ missed two heartbeats (the link is silent)',
    };
  }
  // File-system errors name a path; socket errors name an address instead.
  const isFs =
    typeof e.syscall === 'string' &&
    !e.syscall.startsWith('spawn') &&
    typeof (err as { path?: unknown }).path === 'string';
  if (isFs && STORAGE_CODES.has(code)) {
    return {
      dependency: 'blob-store',
      timeout: code === 'ETIMEDOUT',
      summary: `the blob store failed a file operation (${code})`,
    };
  }
  if (NETWORK_CODES.has(code) || message === 'connect ETIMEDOUT') {
    const timeout = code === 'ETIMEDOUT' || message === 'connect ETIMEDOUT';
    return {
      dependency: hint,
      timeout,
      summary: timeout
        ? `${NAMES[hint]} did not answer in time`
        : `${NAMES[hint]} is unreachable (${code || 'connection failed'})`,
    };
  }
  return null;
}

function pgSummary(code: string): string {
  if (code.startsWith('08')) return 'the connection to PostgreSQL failed';
  if (code === '53100') return 'PostgreSQL is out of disk space';
  if (code === '53300') return 'PostgreSQL has no free connection slots';
  if (code.startsWith('53')) return 'PostgreSQL is out of resources';
  if (code === '40001' || code === '40P01') return 'PostgreSQL asked to retry the transaction';
  return 'PostgreSQL is restarting or shutting down';
}

/** A call to a dependency that central stopped waiting for (its own timer, not the driver's). */
export class DependencyTimeoutError extends Error {
  override name = 'DependencyTimeoutError';
  constructor(
    readonly dependency: Dependency,
    message: string,
  ) {
    super(message);
  }
}

/**
 * A dependency refused or failed a call for reasons of its own (an object store answering 503,
 * refusing the connection or the credentials): what a client library reports in its own terms,
 * named for the people who read it.
 */
export class DependencyDownError extends Error {
  override name = 'DependencyDownError';
  constructor(
    readonly dependency: Dependency,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Rejects with a DependencyTimeoutError when `work` takes longer than `ms`. */
export async function withDeadline<T>(
  work: Promise<T>,
  ms: number,
  dependency: Dependency,
  what: string,
): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new DependencyTimeoutError(
            dependency,
            `${NAMES[dependency]} did not ${what} within ${Math.round(ms / 100) / 10} s`,
          ),
        ),
      ms,
    );
  });
  try {
    return await Promise.race([work, deadline]);
  } finally {
    clearTimeout(timer);
  }
}
