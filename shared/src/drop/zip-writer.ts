import { promisify } from 'node:util';
import { crc32, deflateRaw, deflateRawSync } from 'node:zlib';

const deflateRawAsync = promisify(deflateRaw);

/** One file to put into a zip. */
export interface ZipInputEntry {
  path: string;
  content: Buffer;
}

/** How {@link writeZip} stores entries. */
export interface ZipWriteOptions {
  /** Modification time written for every entry; fixed so the same input gives the same bytes. */
  time: Date;
  /** 0 stores entries uncompressed; 1–9 deflates at that zlib level. Default 6. */
  level?: number;
}

const UTF8_NAMES = 0x0800;

/** MS-DOS date/time from the UTC fields, so the bytes do not depend on the machine's zone. */
function dosDateTime(t: Date): { date: number; time: number } {
  const year = Math.max(1980, t.getUTCFullYear());
  return {
    date: ((year - 1980) << 9) | ((t.getUTCMonth() + 1) << 5) | t.getUTCDate(),
    time: (t.getUTCHours() << 11) | (t.getUTCMinutes() << 5) | (t.getUTCSeconds() >> 1),
  };
}

/** An entry compressed and checksummed, ready to be laid out in the archive. */
interface PreparedEntry {
  name: Buffer;
  data: Buffer;
  crc: number;
  method: number;
  size: number;
}

function prepare(e: ZipInputEntry, data: Buffer, stored: boolean): PreparedEntry {
  return {
    name: Buffer.from(e.path, 'utf8'),
    data,
    crc: crc32(e.content) >>> 0,
    method: stored ? 0 : 8,
    size: e.content.length,
  };
}

/**
 * Writes a plain zip (no zip64, no extra fields, UTF-8 names) in the given entry order.
 * Deterministic: the same entries and options always give the same bytes. Used by the drop
 * generator and by tests that need hand-made or re-zipped archives.
 */
export function writeZip(entries: readonly ZipInputEntry[], opts: ZipWriteOptions): Buffer {
  const level = opts.level ?? 6;
  const prepared = entries.map((e) =>
    level === 0
      ? prepare(e, e.content, true)
      : prepare(e, deflateRawSync(e.content, { level }), false),
  );
  return assemble(prepared, opts.time);
}

/**
 * {@link writeZip} with compression on libuv's thread pool, so a caller can do other work (e.g.
 * render the next drop) meanwhile. Gives exactly the same bytes as `writeZip`.
 */
export async function writeZipAsync(
  entries: readonly ZipInputEntry[],
  opts: ZipWriteOptions,
): Promise<Buffer> {
  const level = opts.level ?? 6;
  const prepared = await Promise.all(
    entries.map(async (e) =>
      level === 0
        ? prepare(e, e.content, true)
        : prepare(e, await deflateRawAsync(e.content, { level }), false),
    ),
  );
  return assemble(prepared, opts.time);
}

function assemble(entries: readonly PreparedEntry[], modified: Date): Buffer {
  const { date, time } = dosDateTime(modified);
  const parts: Buffer[] = [];
  const central: Buffer[] = [];
  let offset = 0;
  for (const { name, data, crc, method, size } of entries) {
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4); // version needed: 2.0 (deflate)
    local.writeUInt16LE(UTF8_NAMES, 6);
    local.writeUInt16LE(method, 8);
    local.writeUInt16LE(time, 10);
    local.writeUInt16LE(date, 12);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(data.length, 18);
    local.writeUInt32LE(size, 22);
    local.writeUInt16LE(name.length, 26);
    local.writeUInt16LE(0, 28);

    const head = Buffer.alloc(46);
    head.writeUInt32LE(0x02014b50, 0);
    head.writeUInt16LE(0x0314, 4); // made by: Unix, 2.0
    head.writeUInt16LE(20, 6);
    head.writeUInt16LE(UTF8_NAMES, 8);
    head.writeUInt16LE(method, 10);
    head.writeUInt16LE(time, 12);
    head.writeUInt16LE(date, 14);
    head.writeUInt32LE(crc, 16);
    head.writeUInt32LE(data.length, 20);
    head.writeUInt32LE(size, 24);
    head.writeUInt16LE(name.length, 28);
    // extra length, comment length, disk number, internal attributes: all 0
    head.writeUInt32LE((0o100644 << 16) >>> 0, 38); // regular file, rw-r--r--
    head.writeUInt32LE(offset, 42);

    parts.push(local, name, data);
    central.push(head, name);
    offset += local.length + name.length + data.length;
  }
  const centralSize = central.reduce((n, b) => n + b.length, 0);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(centralSize, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...parts, ...central, end]);
}
