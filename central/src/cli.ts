/**
 * `npx tsx central/src/cli.ts <command>`: migrate, serve, worker, park create, report
 * request, report status, report rule add / list, batch retry. Results go to stdout (for scripts); logs go to stderr as JSON.
 */
import { userInfo } from 'node:os';
import { parseArgs } from 'node:util';
import { ZodError, z } from 'zod';
import { BatchRetryError, retryBatch } from './batches/batch-retry.ts';
import { startCentral } from './central.ts';
import { ConfigError, loadConfig, loadDatabaseConfig } from './config.ts';
import { runMigrations } from './db/migrate.ts';
import { createPool } from './db/pool.ts';
import { DomainError } from './domain-error.ts';
import { infrastructureFault } from './infra/infrastructure-fault.ts';
import { StoppedWaitingError } from './infra/until-available.ts';
import { createLogger } from './logger.ts';
import { createPark, ParkExistsError } from './parks/park-store.ts';
import { reportStatus, requestReport, ReportRequestError } from './reports/report-store.ts';
import { addReportRule, listReportRules, setReportRuleEnabled } from './scheduler/report-rules.ts';
import { listAudit, recordAudit } from './users/audit-log.ts';
import { endSessions, resetPassword } from './users/user-access.ts';
import {
  createUser,
  deleteUser,
  listUsers,
  setUserDisabled,
  setUserRole,
  UserError,
} from './users/user-store.ts';
import { PULL_USAGE, pullCommand } from './pull/pull-cli.ts';
import { QUEUES } from './queue/queue-names.ts';
import { setHeapGrowth } from './server/heap-growth.ts';
import { startWorker } from './worker/worker.ts';

const USAGE = `usage: cli.ts <command>
  migrate                                   apply database migrations
  serve                                     run the API (migrates first) and the outbox publisher
  worker [--drain] [--queue Q]...           run jobs; --drain exits when the queues are empty;
                                            --queue postprocess|report|download takes only that queue
  park create --id ID --name NAME --timezone TZ [--language en|it] [--open HH:MM --close HH:MM]
                                            create a park; prints its upload token once
  report request --park P [--ride R] --from ISO --to ISO [--language en|it]
                                            queue a report; prints its id
  report status ID                          print a report's state and files as JSON
  report rule add --park P [--ride R] --cron EXPR --period day|week|month [--language en|it] [--disabled]
                                            schedule a report (cron in the park's time zone)
  report rule list                          print the report rules as JSON
  report rule enable|disable ID             turn a rule on or off (schedulers reload in 30 s)
  batch retry ID                            post-process a failed batch again
  user add --username NAME (--admin | --role admin|viewer)
                                            create a dashboard user; the password is read
                                            from stdin (e.g. printf '%s' "$PW" | cli.ts user add …)
  user role --username NAME --role admin|viewer
                                            change a user's role
  user list                                 print the users as JSON
  user disable|enable --username NAME       a disabled user cannot sign in (sessions end at once)
  user delete --username NAME               delete a user for good (disable keeps the name)
  user reset-password --username NAME       set a new password (read from stdin); ends the
                                            user's sessions
  user end-sessions --username NAME         sign a user out everywhere
  audit list [--limit N]                    print the newest admin actions as JSON (who, what, when)
${PULL_USAGE}
environment: DATABASE_URL (all); AMQP_URL, BLOB_DIR (serve, worker); see docs/central.md`;

type Pool = ReturnType<typeof createPool>;

/** A mistake in how the command was called; answered with the usage. */
class UsageError extends Error {}

const out = (text: string) => process.stdout.write(`${text}\n`);

async function main(argv: string[]): Promise<number> {
  const [command, sub, ...rest] = argv;
  switch (command) {
    case 'help':
    case '--help':
    case '-h':
      out(USAGE);
      return 0;
    case 'migrate': {
      const config = loadDatabaseConfig();
      // Waits for PostgreSQL and for a migration another process is running; SIGTERM ends it.
      const stop = abortOnSignal();
      const applied = await runMigrations(config.databaseUrl, createLogger(config.logLevel), {
        timeouts: config.timeouts,
        signal: stop.signal,
      });
      out(applied.length ? `applied: ${applied.join(', ')}` : 'database is up to date');
      return 0;
    }
    case 'serve': {
      const config = loadConfig();
      // Files this process and its children write (blobs, uploads, reports) are never
      // readable by other users of the machine.
      process.umask(0o007);
      setHeapGrowth();
      const log = createLogger(config.logLevel);
      // Listen before starting: a SIGTERM during start-up (the API may already be listening,
      // or still be waiting for PostgreSQL) must still shut down in order.
      const signalled = untilSignal();
      const stop = new AbortController();
      void signalled.then(() => stop.abort());
      const central = await startCentral(config, { log, signal: stop.signal });
      const signal = await signalled;
      log.info({ signal }, 'shutting down: finishing in-flight requests');
      await central.close();
      return 0;
    }
    case 'worker': {
      const { values } = parseArgs({
        args: [sub, ...rest].filter((a): a is string => a !== undefined),
        options: {
          drain: { type: 'boolean', default: false },
          queue: { type: 'string', multiple: true },
        },
        strict: true,
      });
      const queues = values.queue?.map((q) => {
        const known = QUEUES.find((name) => name === q);
        if (!known) {
          throw new UsageError(`unknown queue "${q}": use one of ${QUEUES.join(', ')}`);
        }
        return known;
      });
      const config = loadConfig();
      // Reports and scratch files of the Rust jobs (they inherit it): not for other users.
      process.umask(0o007);
      const log = createLogger(config.logLevel, 'worker');
      // Listen before starting, for the same reason as `serve`.
      const signalled = untilSignal();
      const worker = await startWorker(config, { drain: values.drain, log, queues });
      // Drain mode ends by itself, but a pod can still be told to stop before the queues empty.
      const stopped = signalled.then(async (signal) => {
        log.info({ signal }, 'shutting down: stopping the job in hand (its message goes back)');
        await worker.stop();
      });
      await Promise.race([worker.done, stopped]);
      await worker.done;
      return 0;
    }
    case 'park':
      if (sub !== 'create') throw new UsageError(`unknown park command: ${sub ?? '(none)'}`);
      return parkCreate(rest);
    case 'batch': {
      const [id] = rest;
      if (sub !== 'retry' || !id || rest.length > 1) {
        throw new UsageError('usage: batch retry ID');
      }
      return withPool(async (pool) => {
        await retryBatch(pool, id);
        await recordAudit(pool, {
          actor: cliActor(),
          action: 'batch retry',
          target: `batchId ${id}`,
        });
        out(`batch ${id} queued again`);
        return 0;
      });
    }
    case 'user':
      return userCommand(sub, rest);
    case 'audit':
      return auditCommand(sub, rest);
    case 'pull':
      return pullCommand(sub, rest, {
        withPool,
        actor: cliActor(),
        out,
        usage: (message) => new UsageError(message),
        stdin: readStdin,
      });
    case 'report':
      if (sub === 'request') return reportRequest(rest);
      if (sub === 'status') return reportStatusCommand(rest);
      if (sub === 'rule') return reportRuleCommand(rest);
      throw new UsageError(`unknown report command: ${sub ?? '(none)'}`);
    default:
      throw new UsageError(command ? `unknown command: ${command}` : 'no command given');
  }
}

async function parkCreate(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      id: { type: 'string' },
      name: { type: 'string' },
      timezone: { type: 'string' },
      language: { type: 'string' },
      open: { type: 'string' },
      close: { type: 'string' },
    },
    strict: true,
  });
  if (!values.id || !values.name || !values.timezone) {
    throw new UsageError('park create needs --id, --name and --timezone');
  }
  if ((values.open === undefined) !== (values.close === undefined)) {
    throw new UsageError('park create needs both --open and --close, or neither (09:00-19:00)');
  }
  return withPool(async (pool) => {
    const { token } = await createPark(pool, {
      id: values.id as string,
      name: values.name as string,
      timezone: values.timezone as string,
      language: values.language as 'en' | 'it' | undefined,
      ...(values.open !== undefined && values.close !== undefined
        ? { openingHours: { open: values.open, close: values.close } }
        : {}),
    });
    await recordAudit(pool, {
      actor: cliActor(),
      action: 'park create',
      target: `park ${values.id as string}`,
      details: { name: values.name, timezone: values.timezone },
    });
    // Only the hash is stored: this is the one time anyone sees the token.
    out(token);
    return 0;
  });
}

async function reportRequest(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      park: { type: 'string' },
      ride: { type: 'string' },
      from: { type: 'string' },
      to: { type: 'string' },
      language: { type: 'string' },
    },
    strict: true,
  });
  if (!values.park || !values.from || !values.to) {
    throw new UsageError('report request needs --park, --from and --to');
  }
  return withPool(async (pool) => {
    const id = await requestReport(pool, {
      park: values.park as string,
      ride: values.ride,
      from: values.from as string,
      to: values.to as string,
      language: values.language as 'en' | 'it' | undefined,
    });
    await recordAudit(pool, {
      actor: cliActor(),
      action: 'report request',
      target: `park ${values.park as string}`,
      details: { ride: values.ride ?? null, from: values.from, to: values.to, reportId: id },
    });
    out(id);
    return 0;
  });
}

async function reportStatusCommand(args: string[]): Promise<number> {
  const [id] = args;
  if (!id || args.length > 1) throw new UsageError('report status needs exactly one report id');
  return withPool(async (pool) => {
    const status = await reportStatus(pool, id);
    if (!status) {
      process.stderr.write(`no report with id ${id}\n`);
      return 1;
    }
    out(JSON.stringify(status, null, 2));
    return 0;
  });
}

async function reportRuleCommand(args: string[]): Promise<number> {
  const [action, ...rest] = args;
  if (action === 'list') {
    if (rest.length > 0) throw new UsageError('report rule list takes no arguments');
    return withPool(async (pool) => {
      out(JSON.stringify(await listReportRules(pool), null, 2));
      return 0;
    });
  }
  if (action === 'enable' || action === 'disable') {
    const [id] = rest;
    if (!id || rest.length > 1) throw new UsageError(`report rule ${action} needs one rule id`);
    return withPool(async (pool) => {
      await setReportRuleEnabled(pool, id, action === 'enable');
      await recordAudit(pool, {
        actor: cliActor(),
        action: `report rule ${action}`,
        target: `ruleId ${id}`,
      });
      out(`report rule ${id} ${action}d`);
      return 0;
    });
  }
  if (action !== 'add') throw new UsageError(`unknown report rule command: ${action ?? '(none)'}`);
  const { values } = parseArgs({
    args: rest,
    options: {
      park: { type: 'string' },
      ride: { type: 'string' },
      cron: { type: 'string' },
      period: { type: 'string' },
      language: { type: 'string' },
      disabled: { type: 'boolean', default: false },
    },
    strict: true,
  });
  if (!values.park || !values.cron || !values.period) {
    throw new UsageError('report rule add needs --park, --cron and --period');
  }
  return withPool(async (pool) => {
    const rule = await addReportRule(pool, {
      park: values.park as string,
      ride: values.ride,
      cron: values.cron as string,
      period: values.period as 'day' | 'week' | 'month',
      language: values.language as 'en' | 'it' | undefined,
      enabled: !values.disabled,
    });
    await recordAudit(pool, {
      actor: cliActor(),
      action: 'report rule add',
      target: `ruleId ${rule.id}`,
      details: {
        park: values.park,
        ride: values.ride ?? null,
        cron: values.cron,
        period: values.period,
      },
    });
    out(rule.id);
    return 0;
  });
}

async function userCommand(sub: string | undefined, args: string[]): Promise<number> {
  if (sub === 'list') {
    if (args.length > 0) throw new UsageError('user list takes no arguments');
    return withPool(async (pool) => {
      out(JSON.stringify(await listUsers(pool), null, 2));
      return 0;
    });
  }
  const { values } = parseArgs({
    args,
    options: {
      username: { type: 'string' },
      role: { type: 'string' },
      admin: { type: 'boolean', default: false },
    },
    strict: true,
  });
  const username = values.username;
  if (!username) throw new UsageError(`user ${sub ?? ''} needs --username`);
  const audit = (pool: Pool, details: Record<string, unknown> = {}) =>
    recordAudit(pool, {
      actor: cliActor(),
      action: `user ${sub ?? ''}`,
      target: `username ${username}`,
      details,
    });
  switch (sub) {
    case 'disable':
    case 'enable':
      return withPool(async (pool) => {
        // The CLI is the operator's: no "yourself" to protect (`by` names no user).
        const user = await setUserDisabled(pool, username, sub === 'disable', '');
        await audit(pool);
        out(`${user.username} is ${sub}d${sub === 'disable' ? ' and signed out everywhere' : ''}`);
        return 0;
      });
    case 'delete':
      return withPool(async (pool) => {
        await deleteUser(pool, username, '');
        await audit(pool);
        out(`${username} is deleted`);
        return 0;
      });
    case 'end-sessions':
      return withPool(async (pool) => {
        const done = await endSessions(pool, username);
        await audit(pool, { sessionsEnded: done.sessionsEnded });
        out(`${done.username}: ${done.sessionsEnded} session(s) ended`);
        return 0;
      });
    case 'reset-password': {
      const newPassword = await passwordFromStdin('user reset-password');
      return withPool(async (pool) => {
        const done = await resetPassword(pool, { username, newPassword });
        await audit(pool, { sessionsEnded: done.sessionsEnded });
        out(`${done.username}: password set, ${done.sessionsEnded} session(s) ended`);
        return 0;
      });
    }
    case 'role':
    case 'add':
      break;
    default:
      throw new UsageError(`unknown user command: ${sub ?? '(none)'}`);
  }
  const role = values.admin ? 'admin' : values.role;
  if (role !== 'admin' && role !== 'viewer') {
    throw new UsageError('give --admin, or --role admin or --role viewer');
  }
  if (sub === 'role') {
    return withPool(async (pool) => {
      const user = await setUserRole(pool, username, role);
      await audit(pool, { role });
      out(`${user.username} is now ${user.role}`);
      return 0;
    });
  }
  const password = await passwordFromStdin('user add');
  return withPool(async (pool) => {
    const user = await createUser(pool, { username, password, role });
    await audit(pool, { role });
    out(`created ${user.role} ${user.username} (id ${user.id})`);
    return 0;
  });
}

/** A password from stdin: never on the command line, where other users can read it in `ps`. */
async function passwordFromStdin(command: string): Promise<string> {
  const password = (await readStdin()).replace(/\r?\n$/, '');
  if (!password) {
    throw new UsageError(
      `${command} reads the password from stdin: printf '%s' "$PW" | cli.ts ${command} …`,
    );
  }
  return password;
}

async function auditCommand(sub: string | undefined, args: string[]): Promise<number> {
  if (sub !== 'list') throw new UsageError(`unknown audit command: ${sub ?? '(none)'}`);
  const { values } = parseArgs({ args, options: { limit: { type: 'string' } }, strict: true });
  const limit = values.limit === undefined ? 50 : Number(values.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > 200) {
    throw new UsageError('audit list --limit takes a whole number from 1 to 200');
  }
  return withPool(async (pool) => {
    out(JSON.stringify((await listAudit(pool, { limit })).entries, null, 2));
    return 0;
  });
}

/** Who runs this command, for the audit log: the operating-system user. */
function cliActor(): string {
  let name: string;
  try {
    name = userInfo().username;
  } catch {
    name = process.env.USER ?? 'unknown';
  }
  return `cli:${name}`;
}

async function readStdin(): Promise<string> {
  if (process.stdin.isTTY) return '';
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

async function withPool<T>(fn: (pool: ReturnType<typeof createPool>) => Promise<T>): Promise<T> {
  const config = loadDatabaseConfig();
  const pool = createPool(config.databaseUrl, undefined, 10, { timeouts: config.timeouts });
  try {
    return await fn(pool);
  } finally {
    await pool.end();
  }
}

/** An AbortSignal aborted by the first SIGINT or SIGTERM. */
function abortOnSignal(): AbortController {
  const stop = new AbortController();
  void untilSignal().then(() => stop.abort());
  return stop;
}

/** Resolves with the first SIGINT or SIGTERM; the process then shuts down in order. */
function untilSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
}

/** Turns any failure into one plain sentence on stderr and an exit code. */
function explain(err: unknown): { message: string; code: number } {
  if (err instanceof UsageError) return { message: `${err.message}\n\n${USAGE}`, code: 64 };
  if (err instanceof ConfigError) return { message: err.message, code: 78 };
  if (err instanceof ZodError)
    return { message: `invalid input:\n${z.prettifyError(err)}`, code: 65 };
  if (
    err instanceof DomainError ||
    err instanceof ParkExistsError ||
    err instanceof ReportRequestError ||
    err instanceof BatchRetryError ||
    err instanceof UserError
  ) {
    return { message: err.message, code: 1 };
  }
  if (err instanceof TypeError && 'code' in err && String(err.code).startsWith('ERR_PARSE_ARGS')) {
    return { message: `${err.message}\n\n${USAGE}`, code: 64 };
  }
  if (err instanceof StoppedWaitingError) {
    return { message: `stopped by a signal before start-up finished (${err.message})`, code: 0 };
  }
  const e = err as { code?: string; message?: string };
  // PostgreSQL refused the login or the database: waiting cannot fix DATABASE_URL.
  if (e?.code === '28P01' || e?.code === '28000') {
    return {
      message: `PostgreSQL refused the login (${e.message}): check the user and password in DATABASE_URL`,
      code: 78,
    };
  }
  if (e?.code === '3D000') {
    return {
      message: `${e.message}: create the database or correct its name in DATABASE_URL`,
      code: 78,
    };
  }
  const fault = infrastructureFault(err);
  if (fault) {
    return {
      message: `cannot reach a service: ${fault.summary}; is it running, and are DATABASE_URL/AMQP_URL right?`,
      code: 69,
    };
  }
  return { message: `failed: ${e?.message ?? String(err)}`, code: 1 };
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    const { message, code } = explain(err);
    process.stderr.write(`${message}\n`);
    process.exitCode = code;
  },
);
