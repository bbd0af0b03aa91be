import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ConfigError, credentialsKeyBytes, loadConfig } from '../config.ts';
import { CredentialsKeyError, sealCredential, unsealCredential } from './credential-seal.ts';

const ride = { park: 'gardaland', ride: 'ride-1' };

describe('gateway credentials at rest', () => {
  it('opens with the key and ride it was sealed for, and holds no readable trace of the secret', () => {
    const key = randomBytes(32);
    const sealed = sealCredential(key, ride, { password: 'correct horse battery' });
    expect(sealed.includes(Buffer.from('correct horse'))).toBe(false);
    expect(unsealCredential(key, ride, sealed)).toEqual({ password: 'correct horse battery' });
    // A fresh IV every time: the same password never seals to the same bytes.
    expect(sealCredential(key, ride, { password: 'correct horse battery' }).equals(sealed)).toBe(
      false,
    );
  });

  it('refuses another key, another ride and a tampered row with a sentence, never the plain text', () => {
    const key = randomBytes(32);
    const sealed = sealCredential(key, ride, {
      privateKey: '-----BEGIN OPENSSH PRIVATE KEY-----\nx\n',
    });
    const tampered = Buffer.from(sealed);
    tampered[tampered.length - 1] = (tampered[tampered.length - 1] ?? 0) ^ 1;
    for (const [k, r, s] of [
      [randomBytes(32), ride, sealed],
      [key, { park: 'gardaland', ride: 'ride-2' }, sealed],
      [key, ride, tampered],
    ] as const) {
      expect(() => unsealCredential(k, r, s)).toThrow(CredentialsKeyError);
      expect(() => unsealCredential(k, r, s)).toThrow(
        /does not open with this GATEWAY_CREDENTIALS_KEY/,
      );
    }
  });

  it('says what to set when the key is missing', () => {
    expect(() => sealCredential(undefined, ride, { password: 'x' })).toThrow(
      /needs GATEWAY_CREDENTIALS_KEY .* and it is not set/,
    );
  });

  it('reads the key as 32 bytes of base64 or hex, and nothing else', () => {
    const key = randomBytes(32);
    expect(credentialsKeyBytes(key.toString('base64'))?.equals(key)).toBe(true);
    expect(credentialsKeyBytes(key.toString('hex'))?.equals(key)).toBe(true);
    expect(credentialsKeyBytes(randomBytes(16).toString('base64'))).toBeNull();
    expect(credentialsKeyBytes('not a key')).toBeNull();
  });

  it('refuses a malformed GATEWAY_CREDENTIALS_KEY at start-up without writing its value anywhere', () => {
    const secret = 'too-short-but-secret';
    const env = {
      DATABASE_URL: 'postgres://u@127.0.0.1/db',
      AMQP_URL: 'amqp://g:g@127.0.0.1',
      BLOB_DIR: '/tmp/zra-blobs',
      GATEWAY_CREDENTIALS_KEY: secret,
    };
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(
      /GATEWAY_CREDENTIALS_KEY: expected 32 bytes.*value hidden/,
    );
    try {
      loadConfig(env);
    } catch (err) {
      expect((err as Error).message).not.toContain(secret);
    }
    const key = randomBytes(32);
    expect(
      loadConfig({ ...env, GATEWAY_CREDENTIALS_KEY: key.toString('base64') }).gatewayCredentialsKey,
    ).toEqual(key);
  });
});
