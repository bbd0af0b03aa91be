import { describe, expect, it } from 'vitest';
import { routeLabel } from './route-label.ts';

describe('route label', () => {
  it('names a procedure, and a batch by its distinct procedures in one order', () => {
    expect(routeLabel('/trpc/ingest.chunk')).toBe('ingest.chunk');
    expect(routeLabel('/trpc/ingest.commit,ingest.begin,ingest.begin')).toBe(
      'ingest.begin,ingest.commit',
    );
  });

  it('collapses anything a caller invents into one value per kind', () => {
    expect(routeLabel('/trpc/ingest.begin,evil')).toBe('trpc:unknown');
    expect(routeLabel('/wp-admin.php')).toBe('other');
    expect(routeLabel('/readyz')).toBe('/readyz');
  });
});
