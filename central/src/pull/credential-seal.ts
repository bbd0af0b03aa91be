import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { z } from 'zod';

/**
 * A gateway credential as an admin gives it: a password, or a private key (PEM / OpenSSH text).
 * Stored only sealed; no answer of the API ever carries it back.
 */
export const gatewayCredentialSchema = z.union([
  z.strictObject({ password: z.string().min(1, 'give the password').max(1024) }),
  z.strictObject({
    privateKey: z
      .string()
      .max(16_384)
      .refine((k) => /-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(k), {
        message: 'expected a private key in PEM or OpenSSH format (-----BEGIN … PRIVATE KEY-----)',
      }),
  }),
]);
export type GatewayCredential = z.infer<typeof gatewayCredentialSchema>;

/** Format version of a sealed credential (the first byte), so the format can change later. */
const VERSION = 1;
const IV_BYTES = 12;
const TAG_BYTES = 16;

/** Central pull is configured without GATEWAY_CREDENTIALS_KEY, or with another key than sealed. */
export class CredentialsKeyError extends Error {
  override readonly name = 'CredentialsKeyError';
}

/** The sentence for a missing key, wherever central pull would need it. */
export const MISSING_KEY_TEXT =
  'central pull needs GATEWAY_CREDENTIALS_KEY (32 random bytes, base64, from the Kubernetes Secret central-gateway-credentials) to seal and read the gateway credentials, and it is not set: set it on the API and the download jobs, then try again';

/**
 * Seals a credential with AES-256-GCM under `key` (a random 96-bit IV per seal). The ride is
 * the additional authenticated data: a sealed credential copied onto another ride's row does
 * not open there.
 */
export function sealCredential(
  key: Buffer | undefined,
  ride: { park: string; ride: string },
  credential: GatewayCredential,
): Buffer {
  if (!key) throw new CredentialsKeyError(MISSING_KEY_TEXT);
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(aad(ride));
  const body = Buffer.concat([cipher.update(JSON.stringify(credential), 'utf8'), cipher.final()]);
  return Buffer.concat([Buffer.from([VERSION]), iv, cipher.getAuthTag(), body]);
}

/** Opens a sealed credential; a wrong key (or a tampered row) is said in words. */
export function unsealCredential(
  key: Buffer | undefined,
  ride: { park: string; ride: string },
  sealed: Buffer,
): GatewayCredential {
  if (!key) throw new CredentialsKeyError(MISSING_KEY_TEXT);
  if (sealed[0] !== VERSION || sealed.length < 1 + IV_BYTES + TAG_BYTES) {
    throw new CredentialsKeyError(
      `the stored gateway credential of ${ride.park}/${ride.ride} is not in a format this central knows: enter the credential again`,
    );
  }
  const iv = sealed.subarray(1, 1 + IV_BYTES);
  const tag = sealed.subarray(1 + IV_BYTES, 1 + IV_BYTES + TAG_BYTES);
  const body = sealed.subarray(1 + IV_BYTES + TAG_BYTES);
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, iv);
    decipher.setAAD(aad(ride));
    decipher.setAuthTag(tag);
    const text = Buffer.concat([decipher.update(body), decipher.final()]).toString('utf8');
    return gatewayCredentialSchema.parse(JSON.parse(text));
  } catch {
    throw new CredentialsKeyError(
      `the stored gateway credential of ${ride.park}/${ride.ride} does not open with this GATEWAY_CREDENTIALS_KEY (the key was changed, or the row was altered): set the key it was sealed with, or enter the credential again`,
    );
  }
}

function aad(ride: { park: string; ride: string }): Buffer {
  return Buffer.from(`zra-gateway-credential/${ride.park}/${ride.ride}`, 'utf8');
}
