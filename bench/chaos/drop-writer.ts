import { existsSync } from 'node:fs';
import { mkdir, open, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import AdmZip from 'adm-zip';
import {
  computeContentId,
  iterateDrops,
  sha256Hex,
  writeZip,
  type GeneratedDrop,
} from '@zra/shared';
import type { SeededRandom } from './seeded-random.ts';

/** What the agent does with a ride's gateway file once buffered (one ride per setting). */
export type AfterBufferMode = 'delete' | 'move' | 'keep';

/** A ride of the campaign and the gateway folder its drops land in. */
export interface ChaosRide {
  id: string;
  model: string;
  mode: AfterBufferMode;
  /** Folder under the gateway root. */
  dir: string;
  /** For `move`: the done folder, under the gateway root. */
  doneDir?: string;
}

/** How a file reached the gateway. */
export type WriteKind = 'new' | 'slow' | 'resend' | 'rezip' | 'revision';

/** One file written on the gateway, as the checks need it. */
export interface WrittenFile {
  kind: WriteKind;
  ride: string;
  fileName: string;
  contentId: string;
  sha256: string;
  windowStart: string;
  /** `cycles.json` ids whose start is inside the window (distinct), from the zip itself. */
  cycleIds: string[];
  startedAt: number;
  /** When the last byte was written; null while a slow write is still going. */
  completedAt: number | null;
}

/** Options of {@link DropWriter}. */
export interface DropWriterOptions {
  park: string;
  rides: readonly ChaosRide[];
  gatewayRoot: string;
  seed: number;
  /** Hours of ride data to draw from (planned up front by the generator). */
  hours: number;
  rateHz: number;
  random: SeededRandom;
  /** Longest pause between two pieces of a slow write; below the agent's min age. */
  slowPauseMs: number;
}

/**
 * Writes drops onto the gateway as the run goes: new ones (atomically, by rename), some slowly
 * in place (pieces under the final name, the settle rule must wait for the last), re-sends of
 * the same bytes after the agent removed them, re-zipped copies (same content, other bytes)
 * and revisions (other content for a window already sent, higher sequence: a PLC re-export).
 */
export class DropWriter {
  readonly written: WrittenFile[] = [];
  private readonly source: Iterator<GeneratedDrop>;
  private readonly revisions: Iterator<GeneratedDrop>;
  private readonly inFlight = new Set<Promise<void>>();
  private readonly sent: { drop: GeneratedDrop; file: WrittenFile }[] = [];
  private revisionPool: GeneratedDrop[] = [];
  private primed: GeneratedDrop | null = null;

  constructor(private readonly o: DropWriterOptions) {
    const first = Date.parse('2026-01-05T00:00:00Z');
    // Windows in the future are refused (window_in_future): the data must end before today.
    if (first + (o.hours + 48) * 3_600_000 > Date.now()) {
      throw new Error(
        `${o.hours} hours of ride data from 2026-01-05 reach into the future: run fewer minutes or write fewer drops per minute`,
      );
    }
    const base = {
      park: o.park,
      rides: o.rides.map((r) => ({ id: r.id, model: r.model })),
      from: '2026-01-05',
      fromHour: 0,
      hours: o.hours,
      rateHz: o.rateHz,
      rareEvents: false,
    };
    // One generator for the whole run, so each ride's cycle counter (and so its cycle ids)
    // keeps rising as a PLC's does.
    this.source = iterateDrops({ ...base, seed: o.seed })[Symbol.iterator]();
    // The same windows with other content and a later sequence: what a PLC sends when it
    // exports a window again.
    this.revisions = iterateDrops({ ...base, seed: o.seed + 1, sequenceStart: 100_000 })[
      Symbol.iterator
    ]();
  }

  /**
   * Creates the ride folders and draws the first drop: the generator plans all its hours on
   * the first draw, which must not stall the proxies this process runs once faults begin.
   */
  async init(): Promise<void> {
    this.primed = this.nextDrop();
    for (const r of this.o.rides) {
      await mkdir(path.join(this.o.gatewayRoot, r.dir), { recursive: true });
      if (r.doneDir) await mkdir(path.join(this.o.gatewayRoot, r.doneDir), { recursive: true });
    }
  }

  /** Writes one thing, chosen by weight; slow writes go on in the background. */
  async step(weights: Record<WriteKind, number>): Promise<WriteKind> {
    const kind = this.o.random.weighted(Object.entries(weights) as [WriteKind, number][]);
    switch (kind) {
      case 'new':
        await this.writeNew(false);
        return kind;
      case 'slow':
        await this.writeNew(true);
        return kind;
      case 'resend':
        return (await this.resend(false)) ? kind : this.step({ ...weights, resend: 0 });
      case 'rezip':
        return (await this.resend(true)) ? kind : this.step({ ...weights, rezip: 0 });
      case 'revision':
        return (await this.revise()) ? kind : this.step({ ...weights, revision: 0 });
    }
  }

  /** Waits for the slow writes still going. */
  async settle(): Promise<void> {
    await Promise.all([...this.inFlight]);
  }

  private nextDrop(): GeneratedDrop {
    if (this.primed) {
      const first = this.primed;
      this.primed = null;
      return first;
    }
    const next = this.source.next();
    const rev = this.revisions.next();
    if (next.done || rev.done) {
      throw new Error('the drop generator ran out of hours: give the writer more hours');
    }
    // Revisions of windows not sent yet are useless: keep the last few sent windows' ones.
    this.revisionPool.push(rev.value);
    if (this.revisionPool.length > 12) this.revisionPool.shift();
    return next.value;
  }

  private ride(id: string): ChaosRide {
    const ride = this.o.rides.find((r) => r.id === id);
    if (!ride) throw new Error(`no chaos ride ${id}`);
    return ride;
  }

  private async writeNew(slow: boolean): Promise<void> {
    const drop = this.nextDrop();
    const file = this.record('new', drop, drop.zip);
    this.sent.push({ drop, file });
    if (slow) {
      file.kind = 'slow';
      this.track(this.writeSlowly(drop.ride, drop.fileName, drop.zip, file));
    } else {
      await this.writeAtomically(drop.ride, drop.fileName, drop.zip, file);
    }
  }

  /** The same content again once the agent removed the file (or, for `keep`, over it). */
  private async resend(rezip: boolean): Promise<boolean> {
    const gone = this.sent.filter(({ drop, file }) => {
      const ride = this.ride(drop.ride);
      if (file.completedAt === null) return false;
      return ride.mode === 'keep' || !existsSync(this.pathOf(ride, drop.fileName));
    });
    if (gone.length === 0) return false;
    const { drop } = this.o.random.pick(gone);
    const bytes = rezip ? rezipped(drop.zip, this.o.random.int(0, 9)) : drop.zip;
    const file = this.record(rezip ? 'rezip' : 'resend', drop, bytes);
    await this.writeAtomically(drop.ride, drop.fileName, bytes, file);
    return true;
  }

  private async revise(): Promise<boolean> {
    const sentWindows = new Set(
      this.sent.map(({ drop }) => `${drop.ride}/${drop.manifest.window.start}`),
    );
    const candidates = this.revisionPool.filter((d) =>
      sentWindows.has(`${d.ride}/${d.manifest.window.start}`),
    );
    if (candidates.length === 0) return false;
    const drop = this.o.random.pick(candidates);
    this.revisionPool = this.revisionPool.filter((d) => d !== drop);
    const file = this.record('revision', drop, drop.zip);
    this.sent.push({ drop, file });
    await this.writeAtomically(drop.ride, drop.fileName, drop.zip, file);
    return true;
  }

  private record(kind: WriteKind, drop: GeneratedDrop, bytes: Buffer): WrittenFile {
    const file: WrittenFile = {
      kind,
      ride: drop.ride,
      fileName: drop.fileName,
      contentId: contentIdOf(drop.zip),
      sha256: sha256Hex(bytes),
      windowStart: drop.manifest.window.start,
      cycleIds: cycleIdsInWindow(drop),
      startedAt: Date.now(),
      completedAt: null,
    };
    this.written.push(file);
    return file;
  }

  private pathOf(ride: ChaosRide, fileName: string): string {
    return path.join(this.o.gatewayRoot, ride.dir, fileName);
  }

  private async writeAtomically(
    rideId: string,
    fileName: string,
    bytes: Buffer,
    file: WrittenFile,
  ): Promise<void> {
    const target = this.pathOf(this.ride(rideId), fileName);
    // Not a .zip name until the rename: the agent never lists it half-written.
    await writeFile(`${target}.part`, bytes);
    await rename(`${target}.part`, target);
    file.completedAt = Date.now();
  }

  /** Pieces under the final name, each pause shorter than the agent's min file age. */
  private async writeSlowly(
    rideId: string,
    fileName: string,
    bytes: Buffer,
    file: WrittenFile,
  ): Promise<void> {
    const handle = await open(this.pathOf(this.ride(rideId), fileName), 'w');
    try {
      const pieces = this.o.random.int(3, 8);
      const size = Math.ceil(bytes.length / pieces);
      for (let offset = 0; offset < bytes.length; offset += size) {
        await handle.write(bytes, offset, Math.min(size, bytes.length - offset), offset);
        await handle.sync();
        await new Promise((r) => setTimeout(r, this.o.random.between(50, this.o.slowPauseMs)));
      }
    } finally {
      await handle.close();
    }
    file.completedAt = Date.now();
  }

  private track(p: Promise<void>): void {
    const tracked = p.finally(() => this.inFlight.delete(tracked));
    this.inFlight.add(tracked);
  }
}

/** The drop's identity from its own entries (shared's rule), not from any part under test. */
function contentIdOf(zip: Buffer): string {
  return computeContentId(
    new AdmZip(zip)
      .getEntries()
      .map((e) => ({ path: e.entryName, sha256: sha256Hex(e.getData()) })),
  );
}

/** Distinct cycle ids of `cycles.json` that started inside the drop's window. */
function cycleIdsInWindow(drop: GeneratedDrop): string[] {
  const entry = new AdmZip(drop.zip).getEntry('cycles.json');
  if (!entry) return [];
  const cycles = JSON.parse(entry.getData().toString('utf8')) as { id: string; start: string }[];
  const from = Date.parse(drop.manifest.window.start);
  const to = Date.parse(drop.manifest.window.end);
  return [
    ...new Set(
      cycles
        .filter((c) => Date.parse(c.start) >= from && Date.parse(c.start) < to)
        .map((c) => c.id),
    ),
  ];
}

/** The same entries in another order at another zlib level: other bytes, same content. */
function rezipped(zip: Buffer, level: number): Buffer {
  const entries = new AdmZip(zip)
    .getEntries()
    .map((e) => ({ path: e.entryName, content: e.getData() }))
    .reverse();
  return writeZip(entries, { time: new Date('2026-01-01T00:00:00Z'), level });
}
