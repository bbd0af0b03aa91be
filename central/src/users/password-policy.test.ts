import { describe, expect, it } from 'vitest';
import { passwordProblem } from './password-policy.ts';

describe('password policy', () => {
  it('refuses the first guesses of any attacker, even at 12 characters or more', () => {
    for (const weak of [
      'password1234',
      'Password123!',
      'P4ssw0rd2026',
      'qwertyuiop12',
      '123456789012',
      '0987654321ab',
      'abcdefghijkl',
      'aaaaaaaaaaaa',
      'abababababab',
      'zamperla2026!',
      'iloveyou1234',
      '!!!letmein!!!',
    ]) {
      expect(passwordProblem(weak), weak).not.toBeNull();
    }
  });

  it('refuses a password that is mostly the username', () => {
    expect(passwordProblem('alice2026!!!', 'alice')).toContain('mostly the username');
    expect(passwordProblem('Gardaland.Tech', 'gardaland.tech')).toContain('username');
    // With a password's worth besides the name, it is the rest that counts.
    expect(passwordProblem('alice rides the tall coaster', 'alice')).toBeNull();
  });

  it('accepts passphrases and random strings', () => {
    for (const good of [
      'correct horse battery staple',
      'viewer password 123',
      'tV9#qL2!mZ7@',
      'una giostra molto veloce',
    ]) {
      expect(passwordProblem(good, 'someone'), good).toBeNull();
    }
  });

  it('says what to do instead', () => {
    expect(passwordProblem('password1234')).toMatch(/choose .* four unrelated words/);
  });
});
