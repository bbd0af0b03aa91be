import { describe, expect, it } from 'vitest';
import { describePullRule } from './describe-pull-rule.ts';

describe('pull rule in words', () => {
  it.each([
    ['*/15 * * * *', 'every 15 minutes, every day'],
    ['*/15 7-23 * * *', 'every 15 minutes from 07:00 to 23:59, every day'],
    ['0 6 * * 1-5', 'at 06:00, Monday to Friday'],
    ['30 8,12,18 * * *', 'at 08:30, 12:30, 18:30, every day'],
    ['5 * * * 0,6', 'every hour at minute 5, on Sunday, Saturday'],
    ['0 */10 9-20 * * *', 'every 10 minutes from 09:00 to 20:59, every day'],
  ])('puts %s into words', (rule, words) => {
    expect(describePullRule(rule)).toBe(words);
  });

  it.each(['0 0 1 * *', '*/5 * * * * *', '0-30/5 * * * *', '* * * * MON'])(
    'shows %s as written rather than guessing',
    (rule) => {
      expect(describePullRule(rule)).toBe(`cron rule "${rule}"`);
    },
  );
});
