import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

/** A generated drop as a bench sends it: its zip and what the agent knows before uploading. */
export interface CachedDrop {
  zip: Buffer;
  fileName: string;
  sha256: string;
  contentId: string;
}

const repoRoot = new URL('../..', import.meta.url).pathname;

/** The generator and the drop format: any change to them makes new drops. */
const SOURCES = ['shared/src/generator', 'shared/src/drop'];

let sourcesHash: string | undefined;

function hashOfSources(): string {
  if (sourcesHash) return sourcesHash;
  const hash = createHash('sha256');
  for (const dir of SOURCES) {
    const files = readdirSync(join(repoRoot, dir), { recursive: true, encoding: 'utf8' })
      .filter((name) => name.endsWith('.ts') || name.endsWith('.json'))
      .sort();
    for (const name of files) {
      hash.update(`${dir}/${name}\0`);
      hash.update(readFileSync(join(repoRoot, dir, name)));
    }
  }
  sourcesHash = hash.digest('hex').slice(0, 16);
  return sourcesHash;
}

/**
 * The drops `make` generates for `key`, kept on disk (`~/.cache/zra/bench-drops/`) so that a
 * long bench does not spend minutes generating the same drops again each run. The key names
 * everything the drops depend on besides the generator's own code, whose hash is part of it.
 * Set ZRA_BENCH_DROP_CACHE=0 to generate afresh.
 */
export function cachedDrops(key: string, make: () => CachedDrop[]): CachedDrop[] {
  if (process.env.ZRA_BENCH_DROP_CACHE === '0') return make();
  const root = join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'zra', 'bench-drops');
  const dir = join(root, `${key}-${hashOfSources()}`);
  try {
    const index = JSON.parse(readFileSync(join(dir, 'index.json'), 'utf8')) as Omit<
      CachedDrop,
      'zip'
    >[];
    return index.map((drop, i) => {
      const zip = readFileSync(join(dir, `${i}.zip`));
      // A damaged cache file must not pass as the drop it names.
      if (createHash('sha256').update(zip).digest('hex') !== drop.sha256) {
        throw new Error(`cached drop ${dir}/${i}.zip does not match its SHA-256`);
      }
      return { ...drop, zip };
    });
  } catch {
    // Not cached yet (or damaged): generate, then keep, written whole before it is named.
  }
  const drops = make();
  const temp = `${dir}.${process.pid}.tmp`;
  rmSync(temp, { recursive: true, force: true });
  mkdirSync(temp, { recursive: true });
  drops.forEach((drop, i) => writeFileSync(join(temp, `${i}.zip`), drop.zip));
  writeFileSync(
    join(temp, 'index.json'),
    JSON.stringify(
      drops.map(({ fileName, sha256, contentId }) => ({ fileName, sha256, contentId })),
    ),
  );
  rmSync(dir, { recursive: true, force: true });
  renameSync(temp, dir);
  return drops;
}
