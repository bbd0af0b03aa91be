import { describe, expect, it } from 'vitest';
import { appRouter } from './router.ts';
import { routeLabel } from './route-label.ts';

describe('route label', () => {
  it('names a procedure, and a batch that repeats one procedure by it', () => {
    expect(routeLabel('/trpc/ingest.chunk')).toBe('ingest.chunk');
    expect(routeLabel('/trpc/dashboard.fleet,dashboard.fleet')).toBe('dashboard.fleet');
  });

  it('collapses anything a caller invents into one value per kind', () => {
    expect(routeLabel('/trpc/ingest.begin,evil')).toBe('trpc:unknown');
    expect(routeLabel('/trpc/auth.login%2Cauth.login')).toBe('trpc:unknown');
    expect(routeLabel('/wp-admin.php')).toBe('other');
    expect(routeLabel('/readyz')).toBe('/readyz');
  });

  it('gives every batch of several procedures one value, whichever the caller combined', () => {
    // Before: the sorted set of a batch's procedures was the label, so pairs, triples … of the
    // router's ~50 procedures were all distinct series (thousands from an unauthenticated caller).
    const names = Object.keys(appRouter._def.procedures);
    const labels = new Set<string>();
    for (let i = 0; i < names.length; i++) {
      for (let j = i + 1; j < names.length; j++) {
        labels.add(routeLabel(`/trpc/${names[i]},${names[j]}`));
      }
    }
    expect(labels).toEqual(new Set(['trpc:batch']));
  });
});
