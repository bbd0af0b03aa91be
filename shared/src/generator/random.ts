import { xoroshiro128plus, type RandomGenerator } from 'pure-rand';

/** A seeded source of random numbers; the same seed and stream ids give the same sequence. */
export interface Random {
  /** Uniform in [0, 1). */
  float(): number;
  /** Uniform integer in [min, max]. */
  int(min: number, max: number): number;
  /** Uniform in [min, max). */
  between(min: number, max: number): number;
  /** True with probability p. */
  chance(p: number): boolean;
  /** Roughly normal (sum of three uniforms), mean 0, standard deviation 1; cheap and bounded. */
  normal(): number;
  /** One element of a non-empty list. */
  pick<T>(items: readonly T[]): T;
}

/** FNV-1a over a string, so streams can be keyed by ride ids rather than positions. */
export function hashString(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

function mix(a: number, b: number): number {
  let h = Math.imul(a ^ 0x9e3779b9, 0x85ebca6b) ^ b;
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) | 0;
}

const TWO_POW_32 = 0x100000000;

/**
 * Creates an independent stream for `seed` and the given stream keys (e.g. a ride's hash and a
 * window index). Independent streams keep one ride's data stable when another ride is added.
 */
export function createRandom(seed: number, ...keys: number[]): Random {
  let s = mix(seed | 0, 0x2545f491);
  for (const k of keys) s = mix(s, k | 0);
  const rng: RandomGenerator = xoroshiro128plus(s);
  const float = (): number => (rng.unsafeNext() >>> 0) / TWO_POW_32;
  return {
    float,
    int: (min, max) => min + Math.floor(float() * (max - min + 1)),
    between: (min, max) => min + float() * (max - min),
    chance: (p) => float() < p,
    normal: () => (float() + float() + float() - 1.5) * 2,
    pick: <T>(items: readonly T[]): T => {
      const item = items[Math.floor(float() * items.length)];
      if (item === undefined) throw new Error('pick() needs a non-empty list');
      return item;
    },
  };
}
