import { describe, expect, it } from 'vitest';
import { describeInput } from './audit-log.ts';

describe('audit entry of an input', () => {
  it('names the target and hides every secret, however deep', () => {
    const { target, details } = describeInput({
      park: 'gardaland',
      ride: 'r1',
      gateway: {
        host: 'gw.example',
        credential: { kind: 'key', privateKey: 'KEY', passphrase: 'P' },
      },
      password: 'pw',
      newPassword: 'pw2',
      token: 'tok',
      tokenId: '12',
    });
    expect(target).toBe('park gardaland');
    expect(details).toEqual({
      park: 'gardaland',
      ride: 'r1',
      gateway: { host: 'gw.example', credential: '(hidden)' },
      password: '(hidden)',
      newPassword: '(hidden)',
      token: '(hidden)',
      tokenId: '12',
    });
    expect(JSON.stringify(details)).not.toMatch(/KEY|"P"|pw|tok"/);
  });

  it('keeps entries small: long text cut, deep objects summarised', () => {
    const { details } = describeInput({ name: 'x'.repeat(500), a: { b: { c: { d: 1 } } } });
    expect(String(details.name)).toHaveLength(201);
    expect(details.a).toEqual({ b: { c: '(…)' } });
  });
});
