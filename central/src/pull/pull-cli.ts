import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { hostKeyFingerprintSchema } from '@zra/gateway';
import { localToUtc } from '@zra/shared';
import type pg from 'pg';
import { credentialsKeyBytes } from '../config.ts';
import { DomainError } from '../domain-error.ts';
import { recordAudit } from '../users/audit-log.ts';
import type { GatewayCredential } from './credential-seal.ts';
import { requestDownload } from './download-requests.ts';
import type { SetRideSourceInput } from './ride-source-schemas.ts';
import { getRideSource, listRideSources, setRideSource } from './ride-sources.ts';

export const PULL_USAGE = `  pull source --park P --ride R --sftp HOST[:PORT] --user U (--key-file F | --password-stdin)
              --dir DIR --cron EXPR [--after keep|delete|move:DIR] [--min-age S] [--host-key SHA256:…]
                                            central pulls the ride from its gateway (cron in the
                                            park's time zone); --host-key pins a key compared
                                            out of band, else an admin accepts it on first contact
  pull app --park P --ride R                the park app feeds the ride (gateway settings kept)
  pull now --park P --ride R                download the ride now; prints the download id
  pull backfill --park P --ride R --from YYYY-MM-DD
                                            pull the ride's files from that park-local day on,
                                            also those pulled before
  pull status [--park P]                    every ride's path, last pull, waiting files, last error (JSON)`;

/** What the command line gives the pull commands (cli.ts owns the pool, the audit actor, output). */
export interface PullCliDeps {
  withPool<T>(fn: (pool: pg.Pool) => Promise<T>): Promise<T>;
  actor: string;
  out(text: string): void;
  /** A mistake in how the command was called (answered with the usage, exit 64). */
  usage(message: string): Error;
  /** The whole of stdin (a password is never read from argv). */
  stdin(): Promise<string>;
}

/** `cli.ts pull …`: central pull from the command line (docs/central.md, "Central pull"). */
export async function pullCommand(
  sub: string | undefined,
  args: string[],
  deps: PullCliDeps,
): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      park: { type: 'string' },
      ride: { type: 'string' },
      from: { type: 'string' },
      sftp: { type: 'string' },
      user: { type: 'string' },
      'key-file': { type: 'string' },
      'password-stdin': { type: 'boolean', default: false },
      dir: { type: 'string' },
      cron: { type: 'string' },
      after: { type: 'string' },
      'min-age': { type: 'string' },
      'host-key': { type: 'string' },
    },
    strict: true,
  });
  if (sub === 'status') {
    return deps.withPool(async (pool) => {
      deps.out(JSON.stringify(await listRideSources(pool, values.park), null, 2));
      return 0;
    });
  }
  const { park, ride } = values;
  if (!park || !ride) throw deps.usage(`pull ${sub ?? ''} needs --park and --ride`);
  const audit = (pool: pg.Pool, details: Record<string, unknown> = {}) =>
    recordAudit(pool, {
      actor: deps.actor,
      action: `pull ${sub ?? ''}`,
      target: `park ${park}`,
      details: { ride, ...details },
    });
  switch (sub) {
    case 'now':
      return deps.withPool(async (pool) => {
        const queued = await requestDownload(pool, {
          park,
          ride,
          reason: 'now',
          requestedBy: deps.actor,
        });
        await audit(pool, { requestId: queued.requestId });
        deps.out(queued.requestId);
        return 0;
      });
    case 'backfill': {
      const day = /^(\d{4})-(\d{2})-(\d{2})$/.exec(values.from ?? '');
      if (!day) throw deps.usage('pull backfill needs --from YYYY-MM-DD (a park-local day)');
      return deps.withPool(async (pool) => {
        const source = await getRideSource(pool, park, ride);
        const since = new Date(
          localToUtc(source.timezone, Number(day[1]), Number(day[2]), Number(day[3])),
        );
        const queued = await requestDownload(pool, {
          park,
          ride,
          reason: 'backfill',
          since,
          requestedBy: deps.actor,
        });
        await audit(pool, { from: values.from, requestId: queued.requestId });
        deps.out(queued.requestId);
        return 0;
      });
    }
    case 'app':
      return deps.withPool(async (pool) => {
        await setRideSource(pool, { park, ride, mode: 'app' }, undefined);
        await audit(pool);
        deps.out(`${park}/${ride} is fed by the park app`);
        return 0;
      });
    case 'source':
      return pullSource(park, ride, values, deps, audit);
    default:
      throw deps.usage(`unknown pull command: ${sub ?? '(none)'}`);
  }
}

async function pullSource(
  park: string,
  ride: string,
  values: Record<string, string | boolean | undefined>,
  deps: PullCliDeps,
  audit: (pool: pg.Pool, details?: Record<string, unknown>) => Promise<void>,
): Promise<number> {
  const str = (name: string) => (typeof values[name] === 'string' ? values[name] : undefined);
  const target = str('sftp');
  const user = str('user');
  const dir = str('dir');
  const cron = str('cron');
  if (!target || !user || !dir || !cron) {
    throw deps.usage('pull source needs --sftp, --user, --dir and --cron');
  }
  const [host, portText] = target.split(':');
  const keyFile = str('key-file');
  if ((keyFile === undefined) === (values['password-stdin'] !== true)) {
    throw deps.usage('pull source needs exactly one of --key-file F and --password-stdin');
  }
  const credential: GatewayCredential = keyFile
    ? { privateKey: await readFile(keyFile, 'utf8') }
    : { password: (await deps.stdin()).replace(/\r?\n$/, '') };
  const after = str('after') ?? 'keep';
  const afterDownload =
    after === 'keep' || after === 'delete'
      ? after
      : after.startsWith('move:')
        ? { moveTo: after.slice('move:'.length) }
        : null;
  if (afterDownload === null) throw deps.usage('--after takes keep, delete or move:DIR');
  const hostKey = str('host-key');
  if (hostKey !== undefined && !hostKeyFingerprintSchema.safeParse(hostKey).success) {
    throw deps.usage(
      '--host-key takes the fingerprint as `ssh-keygen -lf KEY.pub -E sha256` prints it (SHA256:…)',
    );
  }
  const key = credentialsKeyBytes(process.env.GATEWAY_CREDENTIALS_KEY ?? '') ?? undefined;
  if (!key) {
    throw new DomainError(
      'precondition_failed',
      'pull source seals the gateway credential with GATEWAY_CREDENTIALS_KEY (32 bytes, base64), which is not set in this shell: export it from the Kubernetes Secret central-gateway-credentials, then run the command again',
    );
  }
  const input: SetRideSourceInput = {
    park,
    ride,
    mode: 'central',
    gateway: {
      type: 'sftp',
      host: host ?? '',
      ...(portText ? { port: Number(portText) } : {}),
      username: user,
    },
    credential,
    remoteDir: dir,
    cron,
    afterDownload,
    ...(str('min-age') !== undefined ? { minAgeSeconds: Number(str('min-age')) } : {}),
  };
  return deps.withPool(async (pool) => {
    await setRideSource(pool, input, key);
    if (hostKey) {
      // The operator compared this key with the gateway's out of band: pinned as accepted.
      await pool.query(
        `UPDATE ride_sources SET host_key_pinned = $3, updated_at = now()
          WHERE park_id = $1 AND ride_id = $2`,
        [park, ride, hostKey],
      );
    }
    await audit(pool, {
      sftp: target,
      user,
      dir,
      cron,
      after,
      hostKey: hostKey ?? null,
    });
    deps.out(`${park}/${ride} is pulled by central from ${user}@${target} (${dir}) on "${cron}"`);
    return 0;
  });
}
