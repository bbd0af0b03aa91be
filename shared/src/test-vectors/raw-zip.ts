import { crc32, deflateRawSync } from 'node:zlib';

// A zip writer for tests that must break the format on purpose: every header field can be set
// by hand (sizes, CRC, flags, method, extra fields, a local name unlike the central one, zip64
// records), which the deterministic writer of drop/zip-writer.ts never does.

/** One entry; anything left out is computed as a correct zip writer would. */
export interface RawZipEntry {
  name: string | Buffer;
  /** The uncompressed bytes. */
  content: Buffer;
  /** 0 stored, 8 deflated (default), anything else to test unknown methods. */
  method?: number;
  /** zlib level when deflating (default 6). */
  level?: number;
  /** The bytes written as the entry's data, instead of compressing `content`. */
  data?: Buffer;
  crc?: number;
  size?: number;
  compressedSize?: number;
  /** General purpose flags (default 0x0800: UTF-8 names). */
  flags?: number;
  centralExtra?: Buffer;
  localExtra?: Buffer;
  /** The name in the local header, when it should differ from the central one. */
  localName?: string | Buffer;
  /** Disk number start (default 0). */
  diskStart?: number;
  /** The local header offset written in the central directory, instead of the real one. */
  localOffset?: number;
}

/** Archive-level choices. */
export interface RawZipOptions {
  /** The archive comment (its length is written in the end record). */
  comment?: Buffer;
  /** Writes a zip64 end record and locator before the end record. */
  zip64EndRecord?: boolean;
  /** Overrides of the end record's fields. */
  end?: Partial<{
    disk: number;
    centralDisk: number;
    diskEntries: number;
    totalEntries: number;
    centralSize: number;
    centralOffset: number;
    commentLength: number;
  }>;
  /** Bytes written before the first entry (as a self-extracting stub would). */
  prefix?: Buffer;
}

const asBuffer = (b: string | Buffer): Buffer => (typeof b === 'string' ? Buffer.from(b) : b);

/** Writes the entries in order; fixed times, so the same input gives the same bytes. */
export function buildRawZip(entries: readonly RawZipEntry[], opts: RawZipOptions = {}): Buffer {
  const parts: Buffer[] = [];
  const central: Buffer[] = [];
  let offset = 0;
  const push = (b: Buffer): void => {
    parts.push(b);
    offset += b.length;
  };
  if (opts.prefix) push(opts.prefix);
  for (const e of entries) {
    const method = e.method ?? 8;
    const data =
      e.data ?? (method === 8 ? deflateRawSync(e.content, { level: e.level ?? 6 }) : e.content);
    const name = asBuffer(e.name);
    const localName = asBuffer(e.localName ?? e.name);
    const localExtra = e.localExtra ?? Buffer.alloc(0);
    const centralExtra = e.centralExtra ?? Buffer.alloc(0);
    const flags = e.flags ?? 0x0800;
    const crc = e.crc ?? crc32(e.content) >>> 0;
    const size = e.size ?? e.content.length;
    const compressedSize = e.compressedSize ?? data.length;
    const localOffset = offset;

    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(flags, 6);
    local.writeUInt16LE(method, 8);
    local.writeUInt32LE(0x5c210000, 10); // 2026-01-01 00:00
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(compressedSize, 18);
    local.writeUInt32LE(size, 22);
    local.writeUInt16LE(localName.length, 26);
    local.writeUInt16LE(localExtra.length, 28);
    push(Buffer.concat([local, localName, localExtra, data]));

    const head = Buffer.alloc(46);
    head.writeUInt32LE(0x02014b50, 0);
    head.writeUInt16LE(0x0314, 4);
    head.writeUInt16LE(20, 6);
    head.writeUInt16LE(flags, 8);
    head.writeUInt16LE(method, 10);
    head.writeUInt32LE(0x5c210000, 12);
    head.writeUInt32LE(crc, 16);
    head.writeUInt32LE(compressedSize, 20);
    head.writeUInt32LE(size, 24);
    head.writeUInt16LE(name.length, 28);
    head.writeUInt16LE(centralExtra.length, 30);
    head.writeUInt16LE(e.diskStart ?? 0, 34);
    head.writeUInt32LE((0o100644 << 16) >>> 0, 38);
    head.writeUInt32LE(e.localOffset ?? localOffset, 42);
    central.push(Buffer.concat([head, name, centralExtra]));
  }
  const centralOffset = offset;
  const centralBytes = Buffer.concat(central);
  push(centralBytes);
  if (opts.zip64EndRecord) {
    const record = Buffer.alloc(56);
    record.writeUInt32LE(0x06064b50, 0);
    record.writeBigUInt64LE(44n, 4);
    record.writeUInt16LE(45, 12);
    record.writeUInt16LE(45, 14);
    record.writeBigUInt64LE(BigInt(entries.length), 24);
    record.writeBigUInt64LE(BigInt(entries.length), 32);
    record.writeBigUInt64LE(BigInt(centralBytes.length), 40);
    record.writeBigUInt64LE(BigInt(centralOffset), 48);
    const locator = Buffer.alloc(20);
    locator.writeUInt32LE(0x07064b50, 0);
    locator.writeBigUInt64LE(BigInt(offset), 8);
    locator.writeUInt32LE(1, 16);
    push(Buffer.concat([record, locator]));
  }
  const comment = opts.comment ?? Buffer.alloc(0);
  const o = opts.end ?? {};
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(o.disk ?? 0, 4);
  end.writeUInt16LE(o.centralDisk ?? 0, 6);
  end.writeUInt16LE(o.diskEntries ?? entries.length, 8);
  end.writeUInt16LE(o.totalEntries ?? entries.length, 10);
  end.writeUInt32LE(o.centralSize ?? centralBytes.length, 12);
  end.writeUInt32LE(o.centralOffset ?? centralOffset, 16);
  end.writeUInt16LE(o.commentLength ?? comment.length, 20);
  push(Buffer.concat([end, comment]));
  return Buffer.concat(parts);
}

/** An empty, non-final stored deflate block (5 bytes): pads compressed data, same output. */
export const EMPTY_STORED_BLOCK = Buffer.from([0x00, 0x00, 0x00, 0xff, 0xff]);

/** The zip64 extended-information extra field with the given sizes. */
export function zip64Extra(size: number, compressedSize: number): Buffer {
  const b = Buffer.alloc(20);
  b.writeUInt16LE(0x0001, 0);
  b.writeUInt16LE(16, 2);
  b.writeBigUInt64LE(BigInt(size), 4);
  b.writeBigUInt64LE(BigInt(compressedSize), 12);
  return b;
}
