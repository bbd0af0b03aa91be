import { describe, expect, it } from 'vitest';
import { findDuplicateKey } from './duplicate-key.ts';

describe('findDuplicateKey', () => {
  it('finds a key repeated in one object, at any depth', () => {
    expect(findDuplicateKey('{"a":1,"b":2,"a":3}')).toBe('a');
    expect(findDuplicateKey('[{"x":1},{"id":"c","riders":3, "riders" :4}]')).toBe('riders');
    expect(findDuplicateKey('{"o":{"k":[1,{"z":1,"z":2}]}}')).toBe('z');
  });

  it('treats escaped and plain spellings as the same key', () => {
    expect(findDuplicateKey('{"unit":"A","\\u0075nit":"B"}')).toBe('unit');
  });

  it('accepts the same key in different objects and keys inside string values', () => {
    expect(findDuplicateKey('[{"a":1},{"a":2}]')).toBeNull();
    expect(findDuplicateKey('{"a":{"a":1}}')).toBeNull();
    expect(findDuplicateKey('{"t":"x\\",\\"t\\":1 {[","u":"\\\\","v":["t","t"]}')).toBeNull();
    expect(findDuplicateKey('{"values":[1,2.5,null,-3e2],"unit":"A"}')).toBeNull();
    expect(findDuplicateKey('"plain"')).toBeNull();
  });

  it('crosses a large telemetry file quickly enough to run on every drop', () => {
    const values = Array.from({ length: 500_000 }, (_, i) => (i % 97 === 0 ? null : i / 7));
    const text = JSON.stringify({ channel: 'a.b', unit: 'A', values, channel2: 1 });
    expect(findDuplicateKey(text)).toBeNull();
    expect(findDuplicateKey(text.replace('"channel2"', '"unit"'))).toBe('unit');
  });
});
