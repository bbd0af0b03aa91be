import { crc32, deflateRawSync } from 'node:zlib';

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

/**
 * Writes a plain zip (no zip64, no extra fields, UTF-8 names) in the given entry order.
 * Deterministic: the same entries and options always give the same bytes. Used by the drop
 * generator and by tests that need hand-made or re-zipped archives.
 */
export function writeZip(entries: readonly ZipInputEntry[], opts: ZipWriteOptions): Buffer {
  const level = opts.level ?? 6;
  const { date, time } = dosDateTime(opts.time);
  const parts: Buffer[] = [];
  const central: Buffer[] = [];
  let offset = 0;
  for (const e of entries) {
    const name = Buffer.from(e.path, 'utf8');
    const stored = level === 0;
    const data = stored ? e.content : deflateRawSync(e.content, { level });
    const crc = crc32(e.content) >>> 0;
    const method = stored ? 0 : 8;

    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4); // version needed: 2.0 (deflate)
    local.writeUInt16LE(UTF8_NAMES, 6);
    local.writeUInt16LE(method, 8);
    local.writeUInt16LE(time, 10);
    local.writeUInt16LE(date, 12);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(data.length, 18);
    local.writeUInt32LE(e.content.length, 22);
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
    head.writeUInt32LE(e.content.length, 24);
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
