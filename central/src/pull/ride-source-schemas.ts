import { afterBufferSchema, hostKeyFingerprintSchema } from '@zra/gateway';
import { httpConnectionFields, sftpConnectionFields } from '@zra/gateway';
import { isCronExpression, slugSchema } from '@zra/shared';
import { z } from 'zod';
import { gatewayCredentialSchema } from './credential-seal.ts';

/**
 * The gateway of a central-pull ride without its secrets: the credential is given beside it
 * (and only ever stored sealed), the host key is pinned only when a person accepts it.
 */
export const gatewaySettingsSchema = z.discriminatedUnion('type', [
  sftpConnectionFields.pick({ type: true, host: true, port: true, username: true }),
  httpConnectionFields.pick({
    type: true,
    url: true,
    username: true,
    timeoutSeconds: true,
    caCertificate: true,
  }),
]);
export type GatewaySettings = z.output<typeof gatewaySettingsSchema>;

const cronSchema = z.string().trim().min(1).max(200).refine(isCronExpression, {
  message:
    'not a valid cron expression (e.g. "*/15 10-22 * * *" = every 15 minutes from 10:00 to 22:45, park time)',
});

/** A folder on the gateway, relative to the login directory, or absolute. */
const remoteDirSchema = z
  .string()
  .trim()
  .min(1, 'give the folder on the gateway where the ride drops its files, e.g. "ride-1"')
  .max(1024)
  .refine((d) => !d.split('/').includes('..'), { message: 'the folder may not contain ".."' });

const ride = { park: slugSchema, ride: slugSchema };

/** `centralPull.set`: which path feeds a ride, and for central pull how to reach its gateway. */
export const setRideSourceInputSchema = z.discriminatedUnion('mode', [
  /** The park app feeds the ride; stored gateway settings are kept for "pull now" / backfill. */
  z.strictObject({ ...ride, mode: z.literal('app') }),
  z.strictObject({
    ...ride,
    mode: z.literal('central'),
    gateway: gatewaySettingsSchema,
    /** Left out on an edit: the stored credential is kept. */
    credential: gatewayCredentialSchema.optional(),
    remoteDir: remoteDirSchema,
    /** When central pulls, in the park's time zone. */
    cron: cronSchema,
    afterDownload: afterBufferSchema.default('keep'),
    /** A file younger than this (by its modification time) may still be being written. */
    minAgeSeconds: z.number().int().min(0).max(86_400).default(60),
  }),
]);
export type SetRideSourceInput = z.input<typeof setRideSourceInputSchema>;

export const rideRefSchema = z.strictObject(ride);

export const acceptHostKeyInputSchema = z.strictObject({
  ...ride,
  /** The fingerprint the admin compared: it must be the one the gateway presented. */
  fingerprint: hostKeyFingerprintSchema,
});

export const backfillInputSchema = z.strictObject({
  ...ride,
  /** A park-local day: files whose window starts from its 00:00 (park time) on are pulled. */
  from: z.iso.date({ message: 'expected a day as YYYY-MM-DD' }),
});

export const batchRefSchema = z.strictObject({ batchId: z.uuid() });

export const requestListInputSchema = z.strictObject({
  ...ride,
  limit: z.number().int().min(1).max(100).default(10),
});
