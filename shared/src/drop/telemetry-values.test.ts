import { describe, expect, it } from 'vitest';
import { numberArrayEnd, withoutNumberValues } from './telemetry-values.ts';

/**
 * What the in-place check must agree with: JSON.parse, then "only finite numbers and nulls",
 * leaving to the full parse every number with over 20 integer or 2 exponent digits (the only
 * ones that can overflow to Infinity).
 */
function isNumberArray(text: string): boolean {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return false;
  }
  const tooLong = (token: string): boolean =>
    (/^-?(\d+)/.exec(token)?.[1]?.length ?? 0) > 20 ||
    (/[eE][+-]?(\d+)$/.exec(token)?.[1]?.length ?? 0) > 2;
  return (
    Array.isArray(value) &&
    value.every((v) => v === null || (typeof v === 'number' && Number.isFinite(v))) &&
    !text.split(/[\s,[\]]+/).some(tooLong)
  );
}

const CASES = [
  '[]',
  '[ ]',
  '[1,2]',
  '[-0]',
  '[01]',
  '[1.]',
  '[.5]',
  '[1e5]',
  '[1E+5]',
  '[1e-5]',
  '[1e]',
  '[-]',
  '[null]',
  '[nul]',
  '[nullnull]',
  '[NaN]',
  '[Infinity]',
  '[1,]',
  '[,1]',
  '[1 2]',
  '["1"]',
  '[true]',
  '[[1]]',
  '[ 1 , null ,\n2\t]',
  '[1e400]',
  '[1e99]',
  '[1e099]',
  '[-1E+99]',
  '[12345678901234567890]',
  '[123456789012345678901]',
  '[12345678901234567890.5e10]',
  '[0.12345678901234567890123]',
  '[+1]',
  '[0x1]',
  '[1.5e-3]',
  '[-01]',
  '[1.5.5]',
  '[1e5e5]',
  '[--1]',
  '[\u00a01]',
  '[1',
  '[1]]',
  '[1]x',
  '[{}]',
];

describe('numberArrayEnd', () => {
  it('accepts exactly the arrays JSON.parse reads as numbers and nulls', () => {
    for (const text of CASES) {
      expect([text, numberArrayEnd(Buffer.from(text), 0) === text.length]).toEqual([
        text,
        isNumberArray(text),
      ]);
    }
  });

  it('ends exactly at the closing bracket, whatever follows and wherever it starts', () => {
    // The check steps two bytes at a time, so the array must be found closing on either byte.
    for (const text of CASES.filter(isNumberArray)) {
      for (const before of ['', ' ', '{"values":']) {
        const at = before.length;
        for (const after of ['', '}', ',"unit":"A"}', ']]']) {
          expect([
            text,
            before,
            after,
            numberArrayEnd(Buffer.from(before + text + after), at),
          ]).toEqual([text, before, after, at + text.length]);
        }
      }
    }
  });

  it('agrees with JSON.parse on random number-like text', () => {
    const alphabet = ['0', '1', '9', '-', '+', '.', 'e', 'E', ',', ' ', 'null', '\n', ']', '['];
    const longDigits = ['1234567890', '99999999999'];
    let seed = 42;
    const random = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    let accepted = 0;
    for (let k = 0; k < 30_000; k++) {
      let body = '';
      for (let n = random(12); n > 0; n--) {
        body +=
          random(8) === 0
            ? (longDigits[random(2)] ?? '')
            : (alphabet[random(alphabet.length)] ?? '');
      }
      const text = `[${body}]`;
      const ours = numberArrayEnd(Buffer.from(text), 0) === text.length;
      if (ours !== isNumberArray(text)) expect(text).toBe('judged the same as JSON.parse');
      if (ours) accepted++;
    }
    // The sample must exercise both answers to prove anything.
    expect(accepted).toBeGreaterThan(100);
  });
});

describe('withoutNumberValues', () => {
  it('cuts the top-level values array only', () => {
    expect(
      withoutNumberValues(Buffer.from('{"channel":"a","values":[1, null,2.5]}'))?.toString(),
    ).toBe('{"channel":"a","values":[]}');
    expect(withoutNumberValues(Buffer.from('{"values" : [ 1 ] , "unit":"bar"}'))?.toString()).toBe(
      '{"values" : [] , "unit":"bar"}',
    );
  });

  it('leaves everything else to the full parse', () => {
    // Not numbers, nested, inside a string, spelled with an escape, or given twice.
    for (const text of [
      '{"values":[1,"2"]}',
      '{"values":"[1]"}',
      '{"a":{"values":[1]}}',
      '{"unit":"\\"values\\":[1]"}',
      '{"va\\u006cues":[1]}',
      '{"values":[1],"values":[2]}',
      '[{"values":[1]}]',
      '{"values":[1,]}',
    ]) {
      expect([text, withoutNumberValues(Buffer.from(text))?.toString() ?? null]).toEqual([
        text,
        null,
      ]);
    }
    // Broken JSON around the array stays broken, so the caller's parse fails and falls back.
    expect(() =>
      JSON.parse(withoutNumberValues(Buffer.from('{"values":[1]'))?.toString() ?? ''),
    ).toThrow();
  });
});
