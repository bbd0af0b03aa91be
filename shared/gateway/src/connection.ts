import { z } from 'zod';

/** `SHA256:` + unpadded base64, exactly as `ssh-keygen -lf key.pub -E sha256` prints it. */
export const hostKeyFingerprintSchema = z
  .string()
  .regex(
    /^SHA256:[A-Za-z0-9+/]{43}$/,
    'expected the fingerprint as `ssh-keygen -lf <host key>.pub -E sha256` prints it, e.g. SHA256:abc…',
  );

/**
 * An SFTP gateway. Exactly one credential: a private key file (`privateKeyPath`), a private
 * key given inline (`privateKey`, PEM/OpenSSH text, as the UI sends it) or a `password`.
 * `hostKeySha256` pins the gateway's host key; without it the first contact records the key
 * the gateway presents and the ride waits until a person accepts it (`acceptHostKey`).
 */
export const sftpConnectionFields = z.strictObject({
  type: z.literal('sftp'),
  // A DNS name is at most 253 characters; spaces or slashes mean something else was pasted.
  host: z
    .string()
    .min(1, 'give the gateway host name or IP address')
    .max(253, 'a host name is at most 253 characters: give the gateway’s name or IP address')
    .regex(
      /^[^\s/]+$/,
      'give the gateway’s host name or IP address alone: no spaces, slashes or path',
    ),
  port: z
    .number('give the port as a number, 1 to 65535 (SSH: 22)')
    .int('give the port as a whole number, 1 to 65535 (SSH: 22)')
    .min(1, 'give the port as a number, 1 to 65535 (SSH: 22)')
    .max(65535, 'give the port as a number, 1 to 65535 (SSH: 22)')
    .default(22),
  username: z
    .string()
    .min(1, 'give the user name the gateway expects')
    .max(256, 'a user name is at most 256 characters'),
  privateKeyPath: z.string().min(1, 'give the path of the private key file').optional(),
  privateKey: z.string().min(1).optional(),
  password: z.string().min(1).optional(),
  hostKeySha256: hostKeyFingerprintSchema.optional(),
});

export const sftpConnectionSchema = sftpConnectionFields.refine(
  (c) => [c.privateKeyPath, c.privateKey, c.password].filter((v) => v !== undefined).length === 1,
  { error: 'give exactly one of privateKeyPath, privateKey or password' },
);

/**
 * An HTTP(S) gateway (docs/agent.md, "HTTP listing contract"): `GET {url}/{remoteDir}/`
 * answers a JSON list of files, `GET {url}/{remoteDir}/{name}` the file, `DELETE` the same
 * URL removes it (only for `afterBuffer: "delete"`). Basic auth when `username` is given.
 */
export const httpConnectionFields = z.strictObject({
  type: z.literal('http'),
  url: z
    .url({
      protocol: /^https?$/,
      error: 'expected the gateway base URL, e.g. https://10.20.0.5:8443/drops',
    })
    .max(2048, 'a gateway URL is at most 2048 characters'),
  username: z.string().min(1).optional(),
  password: z.string().min(1).optional(),
  /** Per request; a download that stalls longer than this fails and is retried next pull. */
  timeoutSeconds: z.number().positive().default(60),
  /**
   * PEM certificate(s) to trust for an `https://` gateway with its own (self-signed or
   * private-CA) certificate, instead of the system's CAs. The name must still match.
   */
  caCertificate: z
    .string()
    .includes('-----BEGIN CERTIFICATE-----', { error: 'expected a PEM certificate' })
    .optional(),
});

export const httpConnectionSchema = httpConnectionFields.refine(
  (c) => (c.username === undefined) === (c.password === undefined),
  {
    error: 'give both username and password for basic auth, or neither',
  },
);

/**
 * How the agent reaches one ride's gateway. A discriminated union on `type`; each member
 * has one `GatewayClient` implementation (`connect-gateway.ts`).
 */
export const connectionSchema = z.discriminatedUnion(
  'type',
  [sftpConnectionSchema, httpConnectionSchema],
  {
    error: (issue) =>
      issue.code === 'invalid_union' ? 'connection.type must be "sftp" or "http"' : undefined,
  },
);

/**
 * A connection as a form sends it: the credentials may be left out of an edit (the stored
 * ones are kept), so only the fields are checked here; `connectionSchema` checks the whole.
 */
export const connectionDraftSchema = z.discriminatedUnion('type', [
  sftpConnectionFields,
  httpConnectionFields,
]);

export type ConnectionConfig = z.output<typeof connectionSchema>;
export type SftpConnectionConfig = z.output<typeof sftpConnectionSchema>;
export type HttpConnectionConfig = z.output<typeof httpConnectionSchema>;
