import { readFileSync } from 'node:fs';

/** One build stage of a Dockerfile, reduced to what the checks need. */
export interface Stage {
  name: string;
  /** The FROM image with global build arguments replaced by their defaults. */
  image: string;
  /** The FROM line as written (`${NODE_IMAGE}` when a build argument names the base). */
  from: string;
  workdir: string;
  copies: { from?: string; sources: string[]; dest: string }[];
  runs: string[];
  user?: string;
  entrypoint?: string[];
  cmd?: string[];
}

/** Parses a Dockerfile's stages (line continuations joined, comments dropped). */
export function parseDockerfile(path: string): Stage[] {
  const text = readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => !l.trimStart().startsWith('#'))
    .join('\n')
    .replace(/\\\n/g, ' ');
  const stages: Stage[] = [];
  /** Global ARGs (before the first FROM) and their defaults: what FROM may name. */
  const args = new Map<string, string>();
  for (const line of text
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)) {
    const [instruction = '', ...restWords] = line.split(/\s+/);
    const rest = line.slice(instruction.length).trim();
    const op = instruction.toUpperCase();
    if (op === 'ARG' && stages.length === 0) {
      const [name = '', value = ''] = rest.split('=');
      args.set(name, value);
      continue;
    }
    if (op === 'FROM') {
      const [from = '', as, name] = restWords;
      const image = from.replace(/\$\{?(\w+)\}?/g, (_, arg: string) => args.get(arg) ?? '');
      stages.push({
        name: as?.toUpperCase() === 'AS' && name ? name : String(stages.length),
        image,
        from,
        // A stage built on an earlier one keeps its working directory.
        workdir: stages.find((earlier) => earlier.name === image)?.workdir ?? '/',
        copies: [],
        runs: [],
      });
      continue;
    }
    const stage = stages.at(-1);
    if (!stage) throw new Error(`${path}: ${op} before FROM`);
    if (op === 'WORKDIR') stage.workdir = resolve(stage.workdir, rest);
    if (op === 'RUN') stage.runs.push(rest);
    if (op === 'ARG') continue;
    if (op === 'USER') stage.user = rest;
    if (op === 'ENTRYPOINT') stage.entrypoint = JSON.parse(rest) as string[];
    if (op === 'CMD') stage.cmd = JSON.parse(rest) as string[];
    if (op === 'COPY') {
      const flags = restWords.filter((w) => w.startsWith('--'));
      const paths = restWords.filter((w) => !w.startsWith('--'));
      const from = flags.find((f) => f.startsWith('--from='))?.slice('--from='.length);
      const dest = paths.pop() ?? '';
      stage.copies.push({ from, sources: paths, dest: resolve(stage.workdir, dest) });
    }
  }
  return stages;
}

/** An absolute path inside the image (`dest` relative to the working directory). */
export function resolve(workdir: string, path: string): string {
  const joined = path.startsWith('/') ? path : `${workdir.replace(/\/$/, '')}/${path}`;
  const parts: string[] = [];
  for (const p of joined.split('/')) {
    if (p === '' || p === '.') continue;
    if (p === '..') parts.pop();
    else parts.push(p);
  }
  return `/${parts.join('/')}${path.endsWith('/') ? '/' : ''}`;
}

/** True when `.dockerignore` keeps `path` (relative to the context) out of the build context. */
export function dockerIgnored(patterns: string[], path: string): boolean {
  const toRegex = (p: string) =>
    new RegExp(
      `^${p
        .replace(/[.+^${}()|[\]\\]/g, '\\$&')
        .split('**/')
        .map((part) => part.replace(/\*/g, '[^/]*').replace(/\?/g, '[^/]'))
        .join('(?:.*/)?')}$`,
    );
  const segments = path.split('/');
  const candidates = segments.map((_, i) => segments.slice(0, i + 1).join('/'));
  let ignored = false;
  for (const raw of patterns) {
    const negate = raw.startsWith('!');
    const pattern = (negate ? raw.slice(1) : raw).replace(/^\//, '').replace(/\/$/, '');
    const regex = toRegex(pattern);
    // A pattern excludes a path or any folder above it; an exception re-includes the path.
    if (negate ? regex.test(path) : candidates.some((c) => regex.test(c))) ignored = !negate;
  }
  return ignored;
}

/** The patterns of the repository's .dockerignore. */
export function readDockerignore(path: string): string[] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
}
