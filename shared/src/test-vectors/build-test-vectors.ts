import { generateSmallDrop } from '../generator/generate.ts';
import {
  SAMPLE_DROP_FILE_NAME,
  SAMPLE_DROP_HEADER,
  sampleDropEntries,
} from '../drop/sample-drop.ts';
import type { DropRejectionCode } from '../drop/verify-result.ts';
import { stableJson, writeDropZip } from '../drop/write-drop-zip.ts';
import { writeZip, type ZipInputEntry } from '../drop/zip-writer.ts';

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
  ): TestVector => ({ file, about, zip, code, fileName });

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
  ];
}
