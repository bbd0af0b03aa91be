import { readFile } from 'node:fs/promises';
import path from 'node:path';
import {
  afterBufferSchema,
  connectionDraftSchema,
  connectionSchema,
  type AfterBuffer,
  type ConnectionConfig,
  type HttpConnectionConfig,
  type SftpConnectionConfig,
} from '@zra/gateway';
import { isCronExpression, isIanaTimeZone, slugSchema } from '@zra/shared';
import { z } from 'zod';

// The gateway connection and remote-file settings are the gateway package's (one definition
// for every client of a gateway); the config file embeds them as they are.
export {
  afterBufferSchema,
  connectionDraftSchema,
  connectionSchema,
  hostKeyFingerprintSchema,
  httpConnectionSchema,
  sftpConnectionSchema,
} from '@zra/gateway';
export type { AfterBuffer, ConnectionConfig, HttpConnectionConfig, SftpConnectionConfig };

/** Fields of a connection that are credentials: kept only sealed by the secret store. */
export const CREDENTIAL_FIELDS = ['password', 'privateKey'] as const;
export type CredentialField = (typeof CREDENTIAL_FIELDS)[number];

function rideShape<C extends z.ZodType>(connection: C) {
  return z.strictObject({
    id: slugSchema,
    connection,
    /** Directory on the gateway holding this ride's drops; relative to the login directory. */
    remoteDir: z.string().min(1).default('.'),
    afterBuffer: afterBufferSchema.default('keep'),
    /** When to pull: node-cron rules in the park's time zone; any of them firing pulls. */
    schedule: z
      .array(
        z.string().refine(isCronExpression, {
          error: (issue) =>
            `${JSON.stringify(issue.input)} is not a cron rule; write "minute hour day month weekday", e.g. "*/15 7-23 * * *" (every 15 minutes from 7:00 to 23:45)`,
        }),
      )
      .min(1, 'give at least one rule, e.g. ["*/15 * * * *"]')
      // Filled in by the agent schema: the default depends on the deprecated `pollSeconds`.
      .optional(),
  });
}

/** A ride as the UI's form sends it: credentials may be left out of an edit. */
export const rideDraftSchema = rideShape(connectionDraftSchema);
export type RideDraft = z.input<typeof rideDraftSchema>;

export const rideConfigSchema = rideShape(connectionSchema).refine(
  (r) => r.connection.type !== 'http' || typeof r.afterBuffer === 'string',
  {
    error: 'an HTTP gateway cannot move files: use afterBuffer "keep" or "delete"',
    path: ['afterBuffer'],
  },
);

/** Pull rule of a ride that gives none. */
export const DEFAULT_PULL_SCHEDULE: readonly string[] = ['*/15 * * * *'];

/**
 * The cron rule closest to "every `seconds` seconds", for configs written before rules
 * existed (`pollSeconds`). Steps restart at each minute or hour, so odd values are rounded.
 */
export function ruleForPollSeconds(seconds: number): string {
  if (seconds < 60) return `*/${Math.max(1, Math.round(seconds))} * * * * *`;
  if (seconds < 3600) return `*/${Math.min(59, Math.round(seconds / 60))} * * * *`;
  return `0 */${Math.min(23, Math.round(seconds / 3600))} * * *`;
}

/** The machine's time zone: the park's until central has said which that is. */
export const MACHINE_TIME_ZONE = Intl.DateTimeFormat().resolvedOptions().timeZone;

/** The buffer's disk budget. */
export const bufferConfigSchema = z.strictObject({
  /** Blob bytes at which pulling pauses; drops central has not acknowledged are never deleted. */
  maxBytes: z
    .number()
    .int()
    .positive('give the cap in bytes, e.g. 2147483648 for 2 GiB')
    .default(2 * 1024 ** 3),
  /** How long an acknowledged drop's blob stays on disk (its record stays for good). */
  retainAcknowledgedHours: z.number().nonnegative().default(168),
});

/** The upload loop: how often it looks for work, and how it backs off while central is away. */
export const uploadConfigSchema = z
  .strictObject({
    /** Between upload rounds while central answers. */
    intervalSeconds: z.number().positive().default(60),
    /** First retry delay ceiling after a failed round; doubles per failure (full jitter). */
    retryBaseSeconds: z.number().positive().default(5),
    /** Largest retry delay ceiling. */
    retryMaxSeconds: z.number().positive().default(900),
    /** Bad-input refusals (4xx other than auth/conflict) after which a drop is `rejected`. */
    maxRejections: z.number().int().min(1).default(3),
    /** Upload bandwidth limit in bytes per second; none when absent. */
    bytesPerSecond: z.number().int().min(1024, 'give at least 1024 bytes per second').optional(),
  })
  .refine((u) => u.retryMaxSeconds >= u.retryBaseSeconds, {
    message: 'retryMaxSeconds must be at least retryBaseSeconds',
    path: ['retryMaxSeconds'],
  });

export const agentConfigSchema = z
  .strictObject({
    park: slugSchema,
    /** Where the SQLite buffer and blobs live; relative paths resolve from the config file. */
    dataDir: z.string().min(1),
    central: z.strictObject({
      url: z.url({
        protocol: /^https?$/,
        error: 'expected the central API URL, e.g. https://…/trpc',
      }),
      token: z.string().min(16, 'the park token from Zamperla is at least 16 characters'),
      /**
       * The longest central may take to answer one request (uploads get more for the bytes
       * they carry); a connection that stays open without an answer then fails and is retried.
       */
      timeoutSeconds: z.number().positive().max(600).default(30),
    }),
    /** Rides of the file; rides added or edited through the status API live in SQLite. */
    rides: z.array(rideConfigSchema).default([]),
    /**
     * The park's IANA time zone; the rides' rules are read in it. Without it the agent takes
     * the zone central has for the park once central answers (the machine's until then).
     */
    timezone: z
      .string()
      .refine(isIanaTimeZone, 'expected an IANA time zone, e.g. "Europe/Rome"')
      .optional(),
    /** Deprecated: rides without `schedule` are pulled about this often. Use `schedule`. */
    pollSeconds: z.number().positive().optional(),
    /** Rides pulled at the same time, at most. */
    maxConcurrentPulls: z.number().int().min(1).max(16).default(2),
    /** A remote file younger than this may still be written by the gateway; left for later. */
    minAgeSeconds: z.number().nonnegative().default(2),
    /** Upload chunk size; central accepts at most 8 MiB. */
    chunkBytes: z
      .number()
      .int()
      .min(64 * 1024)
      .max(8 * 1024 * 1024)
      .default(4 * 1024 * 1024),
    upload: uploadConfigSchema.prefault({}),
    /** Between heartbeats to central (version, buffer, backlog, offline since). */
    heartbeatSeconds: z.number().positive().default(60),
    /** Between fetches of the park's global view from central (drops, reports, standing). */
    globalViewSeconds: z.number().positive().default(60),
    buffer: bufferConfigSchema.prefault({}),
  })
  .superRefine((cfg, ctx) => {
    const seen = new Set<string>();
    cfg.rides.forEach((ride, i) => {
      if (seen.has(ride.id)) {
        ctx.addIssue({
          code: 'custom',
          path: ['rides', i, 'id'],
          message: `ride "${ride.id}" is configured twice; give each ride its own id`,
        });
      }
      seen.add(ride.id);
    });
  })
  .transform(({ pollSeconds, ...cfg }) => ({
    ...cfg,
    rides: cfg.rides.map((ride) => ({
      ...ride,
      schedule:
        ride.schedule ??
        (pollSeconds === undefined
          ? [...DEFAULT_PULL_SCHEDULE]
          : [ruleForPollSeconds(pollSeconds)]),
    })),
  }));

export type AgentConfig = z.output<typeof agentConfigSchema>;
export type AgentConfigInput = z.input<typeof agentConfigSchema>;
export type RideConfig = AgentConfig['rides'][number];

/** A config file that cannot be used; the message names each bad field and its fix. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/**
 * Validates a parsed config object. Relative `dataDir` and `privateKeyPath` resolve from
 * `baseDir` (the config file's folder), so a config keeps working when the agent's working
 * directory changes.
 */
export function parseAgentConfig(raw: unknown, baseDir: string = process.cwd()): AgentConfig {
  const parsed = agentConfigSchema.safeParse(raw, {
    // zod's default for an absent field ("expected string, received undefined") hides the fix.
    error: (issue) => (issue.input === undefined ? 'missing: add this field' : undefined),
  });
  if (!parsed.success) {
    const lines = parsed.error.issues.map(
      (issue) => `  ${issue.path.length ? formatPath(issue.path) : '(file)'}: ${issue.message}`,
    );
    throw new ConfigError(`the agent config is not valid:\n${lines.join('\n')}`);
  }
  const cfg = parsed.data;
  return {
    ...cfg,
    dataDir: path.resolve(baseDir, cfg.dataDir),
    rides: cfg.rides.map((ride) => resolveKeyPath(ride, baseDir)),
  };
}

/** A relative `privateKeyPath` resolves from `baseDir`. */
export function resolveKeyPath(ride: RideConfig, baseDir: string): RideConfig {
  const conn = ride.connection;
  if (conn.type !== 'sftp' || conn.privateKeyPath === undefined) return ride;
  return {
    ...ride,
    connection: { ...conn, privateKeyPath: path.resolve(baseDir, conn.privateKeyPath) },
  };
}

/** Reads and validates a JSON config file. */
export async function loadAgentConfig(file: string): Promise<AgentConfig> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new ConfigError(`cannot read the config file ${file}: ${(err as Error).message}`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new ConfigError(`the config file ${file} is not valid JSON: ${(err as Error).message}`);
  }
  return parseAgentConfig(raw, path.dirname(path.resolve(file)));
}

function formatPath(p: readonly PropertyKey[]): string {
  return p
    .map((seg, i) => (typeof seg === 'number' ? `[${seg}]` : `${i ? '.' : ''}${String(seg)}`))
    .join('');
}
