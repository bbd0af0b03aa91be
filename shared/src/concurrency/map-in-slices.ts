import { setImmediate as nextTurn } from 'node:timers/promises';

/**
 * `items.map(f)`, letting the event loop through after every `every` items: a server's work
 * over a whole fleet (a thousand parks) in blocks of a few milliseconds, so the requests
 * that arrive meanwhile (a park's put) are answered between them instead of after all of it.
 */
export async function mapInSlices<T, U>(
  items: readonly T[],
  f: (item: T, index: number) => U,
  every = 50,
): Promise<U[]> {
  const out: U[] = [];
  for (const [i, item] of items.entries()) {
    if (i > 0 && i % every === 0) await nextTurn();
    out.push(f(item, i));
  }
  return out;
}
