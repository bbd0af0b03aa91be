import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  dockerIgnored,
  parseDockerfile,
  readDockerignore,
  resolve,
} from '../test-support/dockerfile.ts';
import { containers } from '../test-support/pod-specs.ts';
import { REPO_ROOT, render } from '../test-support/render.ts';

// Checks on the Dockerfiles themselves, fast and offline: a COPY of a missing file, a command
// that points at something the build never produces, an unpinned base image, root at run time,
// a workspace npm ci would miss. The images are also built and run for real
// (k8s/containers/containers.test.ts, through scripts/images/build-images.mjs).
const DOCKERFILES = {
  'zamperla/central': 'docker/central.Dockerfile',
  'zamperla/central-jobs': 'docker/jobs.Dockerfile',
} as const;
const ignore = readDockerignore(`${REPO_ROOT}.dockerignore`);
const cli = readFileSync(`${REPO_ROOT}central/src/cli.ts`, 'utf8');

/** Cargo packages of the Rust workspace that build a binary (src/main.rs). */
function rustBinaries(): Set<string> {
  const names = new Set<string>();
  for (const crate of ['postprocessor', 'reporter', 'drop-format', 'job-io', 'bench']) {
    const manifest = `${REPO_ROOT}rust/crates/${crate}/Cargo.toml`;
    if (!existsSync(manifest)) continue;
    const name = /^name\s*=\s*"([^"]+)"/m.exec(readFileSync(manifest, 'utf8'))?.[1];
    if (name && existsSync(`${REPO_ROOT}rust/crates/${crate}/src/main.rs`)) names.add(name);
  }
  return names;
}

describe.each(Object.entries(DOCKERFILES))('%s (%s)', (image, file) => {
  const stages = parseDockerfile(`${REPO_ROOT}${file}`);
  const final = stages.at(-1);

  it('is multi-stage, every base an official image pinned by version and digest, named by a build argument', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    for (const [i, s] of stages.entries()) {
      // A stage built on an earlier stage inherits its pin.
      if (stages.slice(0, i).some((earlier) => earlier.name === s.image)) continue;
      // A build argument, so a build without registry access can pass a stand-in.
      expect(s.from, s.name).toMatch(/^\$\{[A-Z_]+\}$/);
      const m = /^(?:[a-z0-9.-]+\/)*[a-z0-9._-]+:([^/:@]+)@sha256:[0-9a-f]{64}$/.exec(s.image);
      expect(m, `${s.name}: ${s.image}`).not.toBeNull();
      expect(m?.[1]).toMatch(/^\d+\.\d+\.\d+/);
    }
  });

  it('runs npm ci with the manifest of every workspace the root names', () => {
    const root = JSON.parse(readFileSync(`${REPO_ROOT}package.json`, 'utf8')) as {
      workspaces: string[];
    };
    for (const [i, s] of stages.entries()) {
      if (!s.runs.some((r) => /\bnpm ci\b/.test(r))) continue;
      // What this stage and the stages it is built on copied.
      const chain = [s];
      for (let base = s; ; ) {
        const parent = stages.slice(0, i).find((earlier) => earlier.name === base.image);
        if (!parent) break;
        chain.push(parent);
        base = parent;
      }
      const copied = chain.flatMap((st) =>
        st.copies.filter((c) => !c.from).flatMap((c) => c.sources),
      );
      for (const ws of root.workspaces) {
        expect(copied, `${s.name}: ${ws}/package.json`).toContain(`${ws}/package.json`);
      }
    }
  });

  it('runs as a non-root user', () => {
    expect(final?.user).toBeDefined();
    expect(final?.user?.split(':')[0]).not.toMatch(/^(0|root)$/);
  });

  it('copies only files that exist in the repository and are not excluded by .dockerignore', () => {
    const problems: string[] = [];
    for (const s of stages) {
      for (const copy of s.copies.filter((c) => !c.from)) {
        for (const source of copy.sources) {
          if (!existsSync(`${REPO_ROOT}${source}`)) problems.push(`${source} does not exist`);
          else if (dockerIgnored(ignore, source)) problems.push(`${source} is in .dockerignore`);
        }
      }
    }
    expect(problems).toEqual([]);
  });

  it('copies from earlier stages only what those stages build', () => {
    const binaries = rustBinaries();
    const problems: string[] = [];
    for (const [i, s] of stages.entries()) {
      for (const copy of s.copies.filter((c) => c.from)) {
        const from = stages.slice(0, i).find((x) => x.name === copy.from);
        if (!from) {
          problems.push(`--from=${copy.from}: no earlier stage of that name`);
          continue;
        }
        for (const source of copy.sources) {
          const at = resolve(from.workdir, source);
          const npmCi = from.runs.some((r) => /\bnpm ci\b/.test(r));
          const binary = /^(.*)\/([^/]+)$/.exec(at);
          if (at === `${from.workdir}/node_modules` && npmCi) continue;
          // A Vite build writes its bundle to the config's folder's dist/.
          const vite = /^(.*)\/dist$/.exec(at);
          if (
            vite?.[1]?.startsWith(`${from.workdir}/`) &&
            from.runs.some(
              (r) =>
                r.includes(`vite build`) &&
                r.includes(`--config ${vite[1]?.slice(from.workdir.length + 1)}/vite.config.ts`),
            ) &&
            existsSync(`${REPO_ROOT}${vite[1]?.slice(from.workdir.length + 1)}/vite.config.ts`)
          ) {
            continue;
          }
          // A Rust binary the stage builds, then copies out of its (cache-mounted) target
          // folder into the folder COPY reads.
          if (
            binary?.[1] &&
            binary[2] &&
            binaries.has(binary[2]) &&
            from.runs.some(
              (r) =>
                /cargo build --release/.test(r) &&
                r.includes(`-p ${binary[2]}`) &&
                r.includes(`target/release/${binary[2]}`) &&
                r.includes(`${binary[1]}/`),
            )
          ) {
            continue;
          }
          problems.push(`${copy.from}:${at} is not built by that stage`);
        }
      }
    }
    expect(problems).toEqual([]);
  });

  it('starts central through node with tsx as a loader, on a source file the image holds', () => {
    const entry = final?.entrypoint ?? [];
    expect(entry.slice(0, 3)).toEqual(['node', '--import', 'tsx']);
    const script = entry[3] ?? '';
    expect(existsSync(`${REPO_ROOT}${script}`)).toBe(true);
    const inImage = resolve(final?.workdir ?? '/', script);
    expect(final?.copies.some((c) => inImage.startsWith(c.dest.replace(/\/?$/, '/')))).toBe(true);
    // tsx comes from the root manifest that `npm ci` installs into node_modules.
    const root = JSON.parse(readFileSync(`${REPO_ROOT}package.json`, 'utf8')) as {
      devDependencies: Record<string, string>;
    };
    expect(root.devDependencies.tsx).toBeDefined();
    expect(final?.copies.some((c) => c.dest === `${final.workdir}/node_modules`)).toBe(true);
    // The default command is one of central's commands.
    const command = final?.cmd?.[0] ?? '';
    expect(cli).toContain(`case '${command}':`);
  });

  it('is the image the manifests run, with the commands they pass', async () => {
    const objects = await render('overlays/dev');
    const uses = containers(objects).filter(({ container }) =>
      (container.image as string).startsWith(`${image}:`),
    );
    expect(uses.length).toBeGreaterThan(0);
    for (const { container } of uses) {
      // The image's ENTRYPOINT and WORKDIR (tsx resolves from /app) must stay in force.
      expect(container.command).toBeUndefined();
      expect(container.workingDir).toBeUndefined();
      const command = (container.args as string[])[0] ?? '';
      expect(cli).toContain(`case '${command}':`);
      expect(readFileSync(`${REPO_ROOT}${file}`, 'utf8')).toContain(
        `-t ${container.image as string} .`,
      );
    }
  });
});

describe('the central image', () => {
  it('holds the built dashboard where serve looks for it', () => {
    const final = parseDockerfile(`${REPO_ROOT}docker/central.Dockerfile`).at(-1);
    const copy = final?.copies.find((c) => c.sources.some((s) => s.endsWith('/dashboard/dist')));
    expect(copy?.from).toBe('dashboard');
    expect(resolve(final?.workdir ?? '/', copy?.dest ?? '')).toBe(
      `${final?.workdir}/central/dashboard/dist`,
    );
  });
});

describe('the job image', () => {
  it('holds both Rust binaries where RUST_BIN_DIR points', async () => {
    const final = parseDockerfile(`${REPO_ROOT}docker/jobs.Dockerfile`).at(-1);
    const objects = await render('overlays/dev');
    const config = objects.find(
      (o) => o.kind === 'ConfigMap' && o.metadata.name === 'central-config',
    );
    const binDir = String(config?.data.RUST_BIN_DIR).replace(/\/$/, '');
    const copy = final?.copies.find((c) => c.sources.some((s) => s.endsWith('/postprocessor')));
    expect(copy?.dest.replace(/\/$/, '')).toBe(binDir);
    expect(copy?.sources.map((s) => s.split('/').pop()).sort()).toEqual([
      'postprocessor',
      'reporter',
    ]);
  });
});

describe('.dockerignore matching (as Docker reads it)', () => {
  it('excludes folders anywhere, files by glob, and honours exceptions', () => {
    const patterns = [
      '**/node_modules',
      '**/*.test.ts',
      'desktop/*',
      '!desktop/package.json',
      'rust/target',
    ];
    expect(dockerIgnored(patterns, 'central/node_modules/pg/index.js')).toBe(true);
    expect(dockerIgnored(patterns, 'central/src/cli.test.ts')).toBe(true);
    expect(dockerIgnored(patterns, 'central/src/cli.ts')).toBe(false);
    expect(dockerIgnored(patterns, 'desktop/src/main.ts')).toBe(true);
    expect(dockerIgnored(patterns, 'desktop/package.json')).toBe(false);
    expect(dockerIgnored(patterns, 'rust/target/release/reporter')).toBe(true);
    expect(dockerIgnored(patterns, 'rust/crates')).toBe(false);
  });
});

describe('the Node the tests run on', () => {
  it('is the major version the images run (scripts/bootstrap.mjs puts it first on PATH)', () => {
    const dockerfile = readFileSync(`${REPO_ROOT}docker/central.Dockerfile`, 'utf8');
    const images = /^ARG NODE_IMAGE=node:(\d+)\./m.exec(dockerfile)?.[1];
    expect(images).toBeDefined();
    expect(process.versions.node.split('.')[0]).toBe(images);
  });
});
