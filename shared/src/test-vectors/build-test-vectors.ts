import { generateSmallDrop } from '../generator/generate.ts';
import {
  SAMPLE_DROP_FILE_NAME,
  SAMPLE_DROP_HEADER,
  sampleDropEntries,
} from '../drop/sample-drop.ts';
import type { DropLimits } from '../drop/drop-limits.ts';
import type { DropRejectionCode } from '../drop/verify-result.ts';
import { stableJson, writeDropZip, type DropHeader } from '../drop/write-drop-zip.ts';
import { writeZip, type ZipInputEntry } from '../drop/zip-writer.ts';
import { deflateRawSync } from 'node:zlib';
import { EMPTY_STORED_BLOCK, buildRawZip, zip64Extra, type RawZipEntry } from './raw-zip.ts';

/** One drop with the verdict every implementation of the format must reach. */
export interface TestVector {
  /** File name of the vector inside `shared/test-vectors/drops/`. */
  file: string;
  /** Name to verify the drop under, or null to skip the file-name check. */
  fileName: string | null;
  /** What the vector shows, for people reading the list. */
  about: string;
  zip: Buffer;
  /** The expected rejection code, or null when the drop is valid. */
  code: DropRejectionCode | null;
  /** Limits other than the defaults, to put an edge within reach of a small file. */
  limits?: Partial<DropLimits>;
  /** When the drop was received (ISO), for the `window_in_future` check. */
  receivedAt?: string;
}

const MIB = 1024 * 1024;

/** The entries of a drop as a zip library would write them: manifest first, deflated. */
function rawEntries(manifest: unknown, entries: readonly ZipInputEntry[]): RawZipEntry[] {
  return [{ path: 'manifest.json', content: stableJson(manifest) }, ...entries].map((e) => ({
    name: e.path,
    content: e.content,
  }));
}

/**
 * A brake-pressure telemetry entry of exactly `bytes` bytes (padded with spaces inside the
 * object, which JSON allows), for the size and ratio edges.
 */
function brakeOfSize(bytes: number): ZipInputEntry {
  const values = Array.from({ length: Math.floor((bytes - 200) / 4) }, () => 160);
  const head =
    '{"channel":"brake.pressure","unit":"bar","rateHz":1,"start":"2026-06-01T10:00:00Z","values":';
  const body = `${head}${JSON.stringify(values)}`;
  const pad = bytes - body.length - 1;
  if (pad < 0) throw new Error('brakeOfSize: too small');
  return {
    path: 'telemetry/brake.pressure.json',
    content: Buffer.from(`${body}${' '.repeat(pad)}}`),
  };
}

/**
 * Deflate data for `content` padded with empty stored blocks so that its whole-number ratio
 * (uncompressed / compressed) is exactly `ratio`.
 */
function deflatedAtRatio(content: Buffer, ratio: number): Buffer {
  const base = deflateRawSync(content, { level: 9 });
  for (let blocks = 0; blocks < 10_000; blocks++) {
    const size = base.length + blocks * EMPTY_STORED_BLOCK.length;
    if (Math.floor(content.length / size) === ratio) {
      return Buffer.concat([...Array.from({ length: blocks }, () => EMPTY_STORED_BLOCK), base]);
    }
  }
  throw new Error(`deflatedAtRatio: cannot reach ratio ${ratio}`);
}

const header = SAMPLE_DROP_HEADER;
const TIME = new Date(header.window.start);

function withManifest(manifest: unknown, entries: ZipInputEntry[]): Buffer {
  return writeZip([{ path: 'manifest.json', content: stableJson(manifest) }, ...entries], {
    time: TIME,
  });
}

function renamed(zip: Buffer, from: string, to: string): Buffer {
  // Same length, so offsets stay valid; CRCs cover data, not names.
  if (from.length !== to.length) throw new Error('names must have the same length');
  let out = Buffer.from(zip);
  for (let at = out.indexOf(from); at >= 0; at = out.indexOf(from, at + to.length)) {
    out = Buffer.concat([out.subarray(0, at), Buffer.from(to), out.subarray(at + from.length)]);
  }
  return out;
}

function entry(path: string, value: unknown): ZipInputEntry {
  return { path, content: stableJson(value) };
}

/**
 * The shared test vectors: valid drops (including the same content re-zipped differently) and
 * one bad drop per rule. TypeScript and Rust tests both check them, so the two implementations
 * cannot drift apart. Deterministic: rebuilding gives the same bytes.
 */
export function buildTestVectors(): TestVector[] {
  const entries = sampleDropEntries();
  const good = writeDropZip(header, entries);
  const manifest = good.manifest;
  const manifestEntry = entry('manifest.json', manifest);
  const stored = writeZip([...entries].reverse().concat(manifestEntry), {
    time: new Date('2030-01-01T00:00:00Z'),
    level: 0,
  });
  const small = generateSmallDrop({ seed: 20260601 });
  const crcBroken = writeDropZip(header, entries, { level: 0 }).zip;
  crcBroken[crcBroken.indexOf('"riders": 32') + 11] = '4'.charCodeAt(0);
  const slip = renamed(
    writeDropZip(header, [...entries, { path: 'xx/evil.json', content: Buffer.from('{}') }]).zip,
    'xx/evil.json',
    '../evil.json',
  );
  const duplicate = renamed(
    writeZip([manifestEntry, ...entries, entry('cycles.jsoX', [])], { time: TIME }),
    'cycles.jsoX',
    'cycles.json',
  );
  const badValues: unknown[] = Array.from({ length: 20 }, () => 160);
  badValues[12] = 'high';
  const [cycles, alarms, counters, brake] = entries;
  if (!cycles || !alarms || !counters || !brake) throw new Error('sample drop changed');
  const cycle = { id: 'c-1', mode: 'auto', outcome: 'completed', riders: 3 };
  const alarm = { code: 'W-401', severity: 'warning', cycleId: null };

  const v = (
    file: string,
    about: string,
    zip: Buffer,
    code: DropRejectionCode | null,
    fileName: string | null = null,
    extra: Pick<TestVector, 'limits' | 'receivedAt'> = {},
  ): TestVector => ({ file, about, zip, code, fileName, ...extra });
  const withHeader = (h: Partial<DropHeader>, list: ZipInputEntry[] = entries) =>
    writeDropZip({ ...header, ...h }, list).zip;
  const manifestWith = (text: string): Buffer =>
    writeZip([{ path: 'manifest.json', content: Buffer.from(text) }, ...entries], { time: TIME });
  const manifestText = stableJson(manifest).toString('utf8');
  const BOM = Buffer.from([0xef, 0xbb, 0xbf]);
  const withBom = (e: ZipInputEntry): ZipInputEntry => ({
    path: e.path,
    content: Buffer.concat([BOM, e.content]),
  });
  const sizes = entries.map((e) => e.content.length);
  const largest = Math.max(...sizes, stableJson(manifest).length);
  const total = sizes.reduce((a, b) => a + b, stableJson(manifest).length);
  const manyChannels = Array.from({ length: 63 }, (_, i) => {
    const channel = `sensor_${String(i).padStart(2, '0')}.value`;
    return entry(`telemetry/${channel}.json`, {
      channel,
      unit: 'x',
      rateHz: 1,
      start: header.window.start,
      values: [i],
    });
  });
  const ratioEdge = brakeOfSize(MIB + 1);
  const ratioDrop = (ratio: number): Buffer => {
    const list = [cycles, alarms, counters, ratioEdge];
    const m = writeDropZip(header, list).manifest;
    return buildRawZip(
      rawEntries(m, list).map((e) =>
        e.name === ratioEdge.path ? { ...e, data: deflatedAtRatio(ratioEdge.content, ratio) } : e,
      ),
    );
  };
  const hugeClaim = (size: number): RawZipEntry => ({
    name: 'telemetry/huge.claim.json',
    content: Buffer.from('{}'),
    method: 0,
    size,
    // A ratio within the limit, so the size check is the one that speaks.
    compressedSize: Math.ceil(size / 50),
  });
  const good40 = (sequence: number) => withHeader({ sequence });
  const halfHour = { start: '2026-06-01T10:00:00Z', end: '2026-06-01T10:30:00Z' };

  return [
    v('valid-sample.zip', 'a small valid drop', good.zip, null, SAMPLE_DROP_FILE_NAME),
    v(
      'valid-sample-restored.zip',
      'the same content stored, entries reversed, other timestamps: same contentId',
      stored,
      null,
      SAMPLE_DROP_FILE_NAME,
    ),
    v('valid-generated.zip', 'a generated drop (1 Hz, one hour)', small.zip, null, small.fileName),
    v('not-a-zip.zip', 'text, not a zip', Buffer.from('hello, this is not a zip\n'), 'zip_corrupt'),
    v('truncated.zip', 'the first half of a valid drop', good.zip.subarray(0, 400), 'zip_corrupt'),
    v('crc-mismatch.zip', 'one byte of cycles.json changed', crcBroken, 'zip_corrupt'),
    v('zip-slip.zip', 'an entry named ../evil.json', slip, 'unsafe_entry_name'),
    v(
      'absolute-name.zip',
      'an entry named /etc/passwd',
      writeZip([entry('/etc/passwd', {})], { time: TIME }),
      'unsafe_entry_name',
    ),
    v(
      'backslash-name.zip',
      'an entry name with a backslash',
      writeZip([entry('telemetry\\x.json', {})], { time: TIME }),
      'unsafe_entry_name',
    ),
    v('duplicate-name.zip', 'cycles.json twice', duplicate, 'unsafe_entry_name'),
    v(
      'zip-bomb.zip',
      '2 MiB of spaces deflated to about 2 KiB (ratio over 100)',
      writeDropZip(header, [
        ...entries,
        { path: 'cycles2.json', content: Buffer.alloc(2 * 1024 * 1024, 0x20) },
      ]).zip,
      'zip_bomb',
    ),
    v(
      'manifest-missing.zip',
      'no manifest.json',
      writeZip(entries, { time: TIME }),
      'manifest_missing',
    ),
    v(
      'manifest-schema.zip',
      'sequence -1',
      withManifest({ ...manifest, sequence: -1 }, entries),
      'manifest_invalid',
    ),
    v(
      'manifest-not-json.zip',
      'manifest.json cut short',
      writeZip([{ path: 'manifest.json', content: Buffer.from('{"format": ') }, ...entries], {
        time: TIME,
      }),
      'manifest_invalid',
    ),
    v(
      'entry-missing.zip',
      'cycles.json listed but absent',
      withManifest(manifest, entries.slice(1)),
      'entry_missing',
    ),
    v(
      'entry-unlisted.zip',
      'an extra entry not in the manifest',
      withManifest(manifest, [...entries, entry('telemetry/extra.channel.json', {})]),
      'entry_unlisted',
    ),
    v(
      'folder-entry.zip',
      'a folder entry telemetry/',
      withManifest(manifest, [...entries, { path: 'telemetry/', content: Buffer.alloc(0) }]),
      'entry_unlisted',
    ),
    v(
      'hash-mismatch.zip',
      'a brake sample changed, same length',
      withManifest(manifest, sampleDropEntries([160, 161.5, null, null, 159.9])),
      'hash_mismatch',
    ),
    v(
      'size-mismatch.zip',
      'a brake sample changed, one byte longer',
      withManifest(manifest, sampleDropEntries([160, 161.5, null, null, 159.85])),
      'size_mismatch',
    ),
    v(
      'telemetry-bad-value.zip',
      'values[12] is a string',
      writeDropZip(header, sampleDropEntries(badValues)).zip,
      'entry_invalid',
    ),
    v(
      'telemetry-channel-name.zip',
      'channel brake.pressure in telemetry/brake.temperature.json',
      writeDropZip(header, [
        cycles,
        alarms,
        counters,
        { path: 'telemetry/brake.temperature.json', content: brake.content },
      ]).zip,
      'entry_invalid',
    ),
    v(
      'unknown-entry.zip',
      'notes.txt is not a v1 entry',
      writeDropZip(header, [...entries, { path: 'notes.txt', content: Buffer.from('hello') }]).zip,
      'entry_invalid',
    ),
    v(
      'cycle-ends-before-start.zip',
      'a cycle whose end is before its start',
      writeDropZip(header, [
        entry('cycles.json', [
          { ...cycle, start: '2026-06-01T10:05:00Z', end: '2026-06-01T10:03:30Z' },
        ]),
        alarms,
        counters,
        brake,
      ]).zip,
      'entry_invalid',
    ),
    v(
      'alarm-cleared-before-raised.zip',
      'an alarm cleared before it was raised',
      writeDropZip(header, [
        cycles,
        entry('alarms.json', [
          { ...alarm, raisedAt: '2026-06-01T10:02:00Z', clearedAt: '2026-06-01T10:01:00Z' },
        ]),
        counters,
        brake,
      ]).zip,
      'entry_invalid',
    ),
    v(
      'telemetry-repeated-key.zip',
      'telemetry "unit" twice (JSON.parse would keep the last one)',
      writeDropZip(header, [
        cycles,
        alarms,
        counters,
        {
          path: brake.path,
          content: Buffer.from(
            brake.content
              .toString('utf8')
              .replace('"unit": "bar",', '"unit": "A",\n  "unit": "bar",'),
          ),
        },
      ]).zip,
      'entry_invalid',
    ),
    v(
      'cycle-repeated-key.zip',
      'a cycle with "riders" twice',
      writeDropZip(header, [
        {
          path: cycles.path,
          content: Buffer.from(
            cycles.content
              .toString('utf8')
              .replace('"riders": 32', '"riders": 1,\n    "riders": 32'),
          ),
        },
        alarms,
        counters,
        brake,
      ]).zip,
      'entry_invalid',
    ),
    v(
      'name-mismatch.zip',
      'a valid drop verified under another sequence',
      good.zip,
      'name_mismatch',
      'gardaland-demo_ride-1_20260601T100000Z_8.zip',
    ),
    v(
      'name-padded-sequence.zip',
      'the file name writes sequence 7 as 07 (not the canonical name)',
      good.zip,
      'name_mismatch',
      'gardaland-demo_ride-1_20260601T100000Z_07.zip',
    ),
    v('empty-file.zip', 'a file of 0 bytes', Buffer.alloc(0), 'zip_corrupt'),
    v(
      'local-name-differs.zip',
      'the local header names another file than the central directory',
      buildRawZip(
        rawEntries(manifest, entries).map((e) =>
          e.name === 'alarms.json' ? { ...e, localName: 'alarms.jsoX' } : e,
        ),
      ),
      'zip_corrupt',
    ),
    v(
      'deflate-trailing-bytes.zip',
      'bytes after the end of cycles.json deflate stream',
      buildRawZip(
        rawEntries(manifest, entries).map((e) =>
          e.name === 'cycles.json'
            ? { ...e, data: Buffer.concat([deflateRawSync(e.content), Buffer.from('xyz')]) }
            : e,
        ),
      ),
      'zip_corrupt',
    ),
    v(
      'deflate-padded.zip',
      'deflate data with empty stored blocks: valid, same content',
      buildRawZip(
        rawEntries(manifest, entries).map((e) => ({
          ...e,
          data: Buffer.concat([EMPTY_STORED_BLOCK, deflateRawSync(e.content)]),
        })),
      ),
      null,
      SAMPLE_DROP_FILE_NAME,
    ),
    v(
      'encrypted-flag.zip',
      'cycles.json flagged as encrypted',
      buildRawZip(
        rawEntries(manifest, entries).map((e) =>
          e.name === 'cycles.json' ? { ...e, flags: 0x0801 } : e,
        ),
      ),
      'zip_corrupt',
    ),
    v(
      'unknown-method.zip',
      'cycles.json compressed with method 12 (bzip2)',
      buildRawZip(
        rawEntries(manifest, entries).map((e) =>
          e.name === 'cycles.json' ? { ...e, method: 12, data: e.content } : e,
        ),
      ),
      'zip_corrupt',
    ),
    v(
      'zip64-end-record.zip',
      'a valid drop written with a zip64 end record and locator',
      buildRawZip(rawEntries(manifest, entries), { zip64EndRecord: true }),
      'zip64',
    ),
    v(
      'zip64-extra-field.zip',
      'cycles.json carries a zip64 extended-information extra field',
      buildRawZip(
        rawEntries(manifest, entries).map((e) =>
          e.name === 'cycles.json' ? { ...e, centralExtra: zip64Extra(e.content.length, 0) } : e,
        ),
      ),
      'zip64',
    ),
    v(
      'non-utf8-name.zip',
      'an entry name that is not UTF-8',
      buildRawZip([
        ...rawEntries(manifest, entries),
        { name: Buffer.from([0x74, 0xff, 0x2e, 0x6a]), content: Buffer.from('{}') },
      ]),
      'unsafe_entry_name',
    ),
    v(
      'too-many-entries.zip',
      '65 entries (the limit is 64)',
      writeDropZip(header, [...manyChannels, cycles]).zip,
      'too_large',
    ),
    v(
      'max-entries.zip',
      '64 entries: the manifest and 63 channels (exactly at the limit)',
      writeDropZip(header, manyChannels).zip,
      null,
      SAMPLE_DROP_FILE_NAME,
    ),
    v(
      'entry-over-64mib.zip',
      'an entry declared 64 MiB + 1 byte uncompressed (checked before inflating)',
      buildRawZip([...rawEntries(manifest, entries), hugeClaim(64 * MIB + 1)]),
      'too_large',
    ),
    v(
      'total-over-256mib.zip',
      'five entries declared 60 MiB each: 300 MiB in all (the limit is 256 MiB)',
      buildRawZip([
        ...rawEntries(manifest, entries),
        ...[1, 2, 3, 4, 5].map((i) => ({
          ...hugeClaim(60 * MIB),
          name: `telemetry/huge.c${i}.json`,
        })),
      ]),
      'too_large',
    ),
    v(
      'ratio-at-limit.zip',
      'a telemetry entry of 1 MiB + 1 byte compressed at ratio exactly 100',
      ratioDrop(100),
      null,
      SAMPLE_DROP_FILE_NAME,
    ),
    v('ratio-over-limit.zip', 'the same entry compressed at ratio 101', ratioDrop(101), 'zip_bomb'),
    v(
      'ratio-unchecked-at-1mib.zip',
      'a telemetry entry of exactly 1 MiB at ratio ~1000: the ratio is checked only above 1 MiB',
      writeDropZip(header, [cycles, alarms, counters, brakeOfSize(MIB)], { level: 9 }).zip,
      null,
      SAMPLE_DROP_FILE_NAME,
    ),
    v(
      'zip-at-size-limit.zip',
      'the valid sample with maxZipBytes set to its size',
      good.zip,
      null,
      SAMPLE_DROP_FILE_NAME,
      { limits: { maxZipBytes: good.zip.length } },
    ),
    v(
      'zip-over-size-limit.zip',
      'the valid sample with maxZipBytes one byte below its size',
      good.zip,
      'too_large',
      SAMPLE_DROP_FILE_NAME,
      { limits: { maxZipBytes: good.zip.length - 1 } },
    ),
    v(
      'entry-at-size-limit.zip',
      'the valid sample with maxEntryBytes set to its largest entry',
      good.zip,
      null,
      SAMPLE_DROP_FILE_NAME,
      { limits: { maxEntryBytes: largest } },
    ),
    v(
      'entry-over-size-limit.zip',
      'the valid sample with maxEntryBytes one byte below its largest entry',
      good.zip,
      'too_large',
      SAMPLE_DROP_FILE_NAME,
      { limits: { maxEntryBytes: largest - 1 } },
    ),
    v(
      'total-at-size-limit.zip',
      'the valid sample with maxTotalBytes set to the sum of its entries',
      good.zip,
      null,
      SAMPLE_DROP_FILE_NAME,
      { limits: { maxTotalBytes: total } },
    ),
    v(
      'total-over-size-limit.zip',
      'the valid sample with maxTotalBytes one byte below the sum of its entries',
      good.zip,
      'too_large',
      SAMPLE_DROP_FILE_NAME,
      { limits: { maxTotalBytes: total - 1 } },
    ),
    v(
      'window-half-hour.zip',
      'a window of 30 minutes',
      withHeader({ window: halfHour }),
      'window_not_hour',
    ),
    v(
      'window-two-hours.zip',
      'a window of two hours',
      withHeader({ window: { start: '2026-06-01T10:00:00Z', end: '2026-06-01T12:00:00Z' } }),
      'window_not_hour',
    ),
    v(
      'window-not-aligned.zip',
      'one hour starting at 10:30 UTC',
      withHeader({ window: { start: '2026-06-01T10:30:00Z', end: '2026-06-01T11:30:00Z' } }),
      'window_not_hour',
    ),
    v(
      'window-one-ms-off.zip',
      'one hour starting 1 ms after the hour',
      withHeader({
        window: { start: '2026-06-01T10:00:00.001Z', end: '2026-06-01T11:00:00.001Z' },
      }),
      'window_not_hour',
    ),
    v(
      'window-sub-millisecond.zip',
      'window.start 10:00:00.0004Z: instants are read to the millisecond, so this is 10:00',
      withHeader({ window: { start: '2026-06-01T10:00:00.0004Z', end: '2026-06-01T11:00:00Z' } }),
      null,
      SAMPLE_DROP_FILE_NAME,
    ),
    v(
      'window-future-edge.zip',
      'received 15 minutes before the window starts: accepted',
      good.zip,
      null,
      SAMPLE_DROP_FILE_NAME,
      { receivedAt: '2026-06-01T09:45:00Z' },
    ),
    v(
      'window-in-future.zip',
      'received 15 minutes and 1 ms before the window starts',
      good.zip,
      'window_in_future',
      SAMPLE_DROP_FILE_NAME,
      { receivedAt: '2026-06-01T09:44:59.999Z' },
    ),
    v(
      'window-received-later.zip',
      'received a day after the window (a backlog): accepted',
      good.zip,
      null,
      SAMPLE_DROP_FILE_NAME,
      { receivedAt: '2026-06-02T10:00:00Z' },
    ),
    v(
      'outside-window.zip',
      'a cycle before the window, an alarm after it, riders above any capacity: accepted (findings, not rejections)',
      writeDropZip(header, [
        entry('cycles.json', [
          { ...cycle, start: '2026-06-01T09:58:00Z', end: '2026-06-01T10:01:00Z' },
          {
            ...cycle,
            id: 'c-2',
            start: '2026-06-01T10:10:00Z',
            end: '2026-06-01T10:12:00Z',
            riders: 1000,
          },
        ]),
        entry('alarms.json', [
          { ...alarm, raisedAt: '2026-06-01T11:05:00Z', clearedAt: '2026-06-01T11:06:00Z' },
        ]),
        counters,
        brake,
      ]).zip,
      null,
      SAMPLE_DROP_FILE_NAME,
    ),
    v(
      'manifest-bom.zip',
      'manifest.json starts with a UTF-8 byte-order mark',
      writeZip([withBom({ path: 'manifest.json', content: stableJson(manifest) }), ...entries], {
        time: TIME,
      }),
      'manifest_invalid',
    ),
    v(
      'cycles-bom.zip',
      'cycles.json starts with a UTF-8 byte-order mark (listed with that hash)',
      writeDropZip(header, [withBom(cycles), alarms, counters, brake]).zip,
      'entry_invalid',
    ),
    v(
      'telemetry-bom.zip',
      'the telemetry file starts with a UTF-8 byte-order mark (listed with that hash)',
      writeDropZip(header, [cycles, alarms, counters, withBom(brake)]).zip,
      'entry_invalid',
    ),
    v(
      'empty-entry.zip',
      'cycles.json is empty (0 bytes)',
      writeDropZip(header, [
        { path: 'cycles.json', content: Buffer.alloc(0) },
        alarms,
        counters,
        brake,
      ]).zip,
      'entry_invalid',
    ),
    v(
      'manifest-plc-array.zip',
      'plc written as a list instead of an object',
      manifestWith(manifestText.replace(/"plc": \{[^}]*\}/, '"plc": ["ZP-0001", "4.2.1"]')),
      'manifest_invalid',
    ),
    v(
      'manifest-lone-surrogate.zip',
      'plc.serial holds an unpaired UTF-16 surrogate escape',
      manifestWith(manifestText.replace('"ZP-0001"', '"ZP-\\ud800"')),
      'manifest_invalid',
    ),
    v(
      'alarm-without-cleared-at.zip',
      'an alarm without its clearedAt field (required, may be null)',
      writeDropZip(header, [
        cycles,
        entry('alarms.json', [
          { code: 'W-401', severity: 'warning', raisedAt: '2026-06-01T10:02:00Z', cycleId: null },
        ]),
        counters,
        brake,
      ]).zip,
      'entry_invalid',
    ),
    v(
      'cycle-mode-object.zip',
      'a cycle mode written as {"auto": null}',
      writeDropZip(header, [
        {
          path: 'cycles.json',
          content: Buffer.from(
            cycles.content.toString('utf8').replace('"mode": "auto"', '"mode": {"auto": null}'),
          ),
        },
        alarms,
        counters,
        brake,
      ]).zip,
      'entry_invalid',
    ),
    v(
      'telemetry-overflow.zip',
      'a telemetry value 1e400 (too large for a 64-bit float)',
      writeDropZip(header, [
        cycles,
        alarms,
        counters,
        {
          path: brake.path,
          content: Buffer.from(brake.content.toString('utf8').replace('159.8', '1e400')),
        },
      ]).zip,
      'entry_invalid',
    ),
    v(
      'telemetry-long-integer.zip',
      'a telemetry value written with 25 integer digits: valid, judged by the full parse',
      writeDropZip(header, [
        cycles,
        alarms,
        counters,
        {
          path: brake.path,
          content: Buffer.from(
            brake.content.toString('utf8').replace('159.8', '1234567890123456789012345'),
          ),
        },
      ]).zip,
      null,
      SAMPLE_DROP_FILE_NAME,
    ),
    v(
      'second-sequence.zip',
      'the sample re-exported as sequence 40 under its canonical name',
      good40(40),
      null,
      'gardaland-demo_ride-1_20260601T100000Z_40.zip',
    ),
  ];
}
