import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { HostKeyMismatchError, hostKeyFingerprint } from './host-key.ts';

describe('host key pin', () => {
  it('computes the fingerprint exactly as ssh-keygen -lf prints it', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'zra-hostkey-'));
    try {
      const key = path.join(dir, 'k');
      execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', key]);
      const printed = execFileSync('ssh-keygen', ['-l', '-E', 'sha256', '-f', `${key}.pub`])
        .toString()
        .split(' ')[1];
      const blob = Buffer.from(readFileSync(`${key}.pub`, 'utf8').split(' ')[1] ?? '', 'base64');
      expect(hostKeyFingerprint(blob)).toBe(printed);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('tells the technician what changed and that the ride is stopped', () => {
    expect(new HostKeyMismatchError('SHA256:old', 'SHA256:new').message).toBe(
      "the gateway's host key changed (expected SHA256:old, got SHA256:new): " +
        'the ride is stopped until a technician confirms the new key',
    );
  });
});
