import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { computeContentId } from './content-id.ts';
import { verifyDrop } from './verify-drop.ts';
import { SAMPLE_DROP_FILE_NAME, SAMPLE_DROP_HEADER, sampleDropEntries } from './sample-drop.ts';
import { stableJson, writeDropZip } from './write-drop-zip.ts';
import { writeZip, type ZipInputEntry } from './zip-writer.ts';

const header = SAMPLE_DROP_HEADER;
const FILE_NAME = SAMPLE_DROP_FILE_NAME;
const TIME = new Date(header.window.start);
const sampleEntries = sampleDropEntries;

/** A zip whose manifest is exactly the given value, to break the manifest on purpose. */
function zipWithManifest(manifest: unknown, entries: ZipInputEntry[]): Buffer {
  return writeZip([{ path: 'manifest.json', content: stableJson(manifest) }, ...entries], {
    time: TIME,
  });
}

function goodManifest(entries: ZipInputEntry[] = sampleEntries()) {
  return writeDropZip(header, entries).manifest;
}

function expectRejected(result: ReturnType<typeof verifyDrop>, code: string): string {
  if (result.ok) throw new Error(`expected ${code}, but the drop was accepted`);
  expect(result.code).toBe(code);
  expect(result.reason.length).toBeGreaterThan(10);
  return result.reason;
}

describe('verifyDrop', () => {
  it('accepts a well-formed drop and returns its manifest and identities', () => {
    const { zip, fileName } = writeDropZip(header, sampleEntries());
    expect(fileName).toBe(FILE_NAME);
    const result = verifyDrop(zip, { fileName });
    if (!result.ok) throw new Error(result.reason);
    expect(result.manifest.ride).toBe('ride-1');
    const sha256 = createHash('sha256').update(zip).digest('hex');
    expect(result.sha256).toBe(sha256);
    // A caller that already hashed the bytes (the agent names blobs by it) passes the hash in,
    // and it is used as given rather than computed a second time.
    const given = 'f'.repeat(64);
    const again = verifyDrop(zip, { fileName, sha256: given });
    expect(again.ok && again.sha256).toBe(given);
    expect(result.contentId).toBe(computeContentId(result.entries));
    expect(result.entries.map((e) => e.path)).toEqual([
      'manifest.json',
      'cycles.json',
      'alarms.json',
      'counters.json',
      'telemetry/brake.pressure.json',
    ]);
  });

  it('rejects bytes that are not a zip as zip_corrupt', () => {
    const reason = expectRejected(
      verifyDrop(Buffer.from('this is not a zip at all')),
      'zip_corrupt',
    );
    expect(reason).toMatch(/not a readable zip/);
  });

  it('rejects a truncated zip as zip_corrupt', () => {
    const { zip } = writeDropZip(header, sampleEntries());
    expectRejected(verifyDrop(zip.subarray(0, Math.floor(zip.length / 2))), 'zip_corrupt');
  });

  it('rejects an entry whose bytes were damaged (CRC mismatch) as zip_corrupt', () => {
    const entries = sampleEntries();
    const zip = writeDropZip(header, entries, { level: 0 }).zip;
    // Stored entries keep their text, so one character can be flipped in place.
    const at = zip.indexOf('"riders": 32');
    zip[at + 11] = '4'.charCodeAt(0);
    const reason = expectRejected(verifyDrop(zip), 'zip_corrupt');
    expect(reason).toContain('cycles.json');
    expect(reason).toContain('CRC-32');
  });

  it('rejects a ../ entry (zip-slip) as unsafe_entry_name', () => {
    const zip = writeDropZip(header, [
      ...sampleEntries(),
      { path: 'xx/evil.json', content: Buffer.from('{}') },
    ]).zip;
    // Rename in both the local and the central header; CRCs cover data, not names.
    let patched = zip;
    for (let at = patched.indexOf('xx/evil.json'); at >= 0; at = patched.indexOf('xx/evil.json')) {
      patched = Buffer.concat([
        patched.subarray(0, at),
        Buffer.from('..'),
        patched.subarray(at + 2),
      ]);
    }
    const reason = expectRejected(verifyDrop(patched), 'unsafe_entry_name');
    expect(reason).toContain('../evil.json');
  });

  it.each(['/etc/passwd', 'telemetry\\x.json', 'C:/x.json'])(
    'rejects the entry name %s as unsafe_entry_name',
    (name) => {
      const zip = writeZip([{ path: name, content: Buffer.from('{}') }], { time: TIME });
      expectRejected(verifyDrop(zip), 'unsafe_entry_name');
    },
  );

  it('rejects a highly compressible entry over the ratio limit as zip_bomb before inflating it', () => {
    const bomb = Buffer.alloc(40 * 1024 * 1024, 0x20);
    const zip = writeDropZip(header, [
      ...sampleEntries(),
      { path: 'cycles2.json', content: bomb },
    ]).zip;
    const reason = expectRejected(verifyDrop(zip), 'zip_bomb');
    expect(reason).toContain('cycles2.json');
  });

  it('rejects an entry that inflates past its declared size as zip_corrupt without inflating it all', () => {
    const big = Buffer.alloc(40 * 1024 * 1024, 0x20);
    const zip = writeZip([{ path: 'cycles.json', content: big }], { time: TIME });
    // Lie in the central directory (size field at +24): claim 1000 bytes, under the ratio check.
    const central = zip.indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]));
    zip.writeUInt32LE(1000, central + 24);
    const reason = expectRejected(verifyDrop(zip), 'zip_corrupt');
    expect(reason).toContain('more than the 1000 bytes');
  });

  it('rejects archives over the size and entry limits as too_large', () => {
    const { zip } = writeDropZip(header, sampleEntries());
    expectRejected(verifyDrop(zip, { limits: { maxZipBytes: 100 } }), 'too_large');
    expectRejected(verifyDrop(zip, { limits: { maxEntries: 3 } }), 'too_large');
    expectRejected(verifyDrop(zip, { limits: { maxEntryBytes: 100 } }), 'too_large');
    expectRejected(verifyDrop(zip, { limits: { maxTotalBytes: 500 } }), 'too_large');
  });

  it('rejects a drop without manifest.json as manifest_missing', () => {
    const zip = writeZip(sampleEntries(), { time: TIME });
    expectRejected(verifyDrop(zip), 'manifest_missing');
  });

  it('rejects a manifest that fails its schema as manifest_invalid, naming the field', () => {
    const reason = expectRejected(
      verifyDrop(zipWithManifest({ ...goodManifest(), sequence: -1 }, sampleEntries())),
      'manifest_invalid',
    );
    expect(reason).toMatch(/^manifest\.json: sequence must be at least 0/);
    const window = { start: header.window.end, end: header.window.start };
    expect(
      expectRejected(
        verifyDrop(zipWithManifest({ ...goodManifest(), window }, sampleEntries())),
        'manifest_invalid',
      ),
    ).toBe('manifest.json: window.start must be before window.end.');
    const notJson = writeZip(
      [{ path: 'manifest.json', content: Buffer.from('{"format": ') }, ...sampleEntries()],
      { time: TIME },
    );
    expectRejected(verifyDrop(notJson), 'manifest_invalid');
  });

  it('rejects a listed file that is absent as entry_missing', () => {
    const entries = sampleEntries();
    const manifest = goodManifest(entries);
    const reason = expectRejected(
      verifyDrop(zipWithManifest(manifest, entries.slice(1))),
      'entry_missing',
    );
    expect(reason).toContain('cycles.json');
  });

  it('rejects an entry the manifest does not list as entry_unlisted', () => {
    const entries = sampleEntries();
    const extra = { path: 'telemetry/extra.channel.json', content: Buffer.from('{}') };
    const reason = expectRejected(
      verifyDrop(zipWithManifest(goodManifest(entries), [...entries, extra])),
      'entry_unlisted',
    );
    expect(reason).toContain('telemetry/extra.channel.json');
  });

  it('rejects content that differs from the listed SHA-256 as hash_mismatch', () => {
    const entries = sampleEntries();
    const manifest = goodManifest(entries);
    // Same length, different content: only the hash can tell.
    const changed = sampleEntries([160, 161.5, null, null, 159.9]);
    const reason = expectRejected(verifyDrop(zipWithManifest(manifest, changed)), 'hash_mismatch');
    expect(reason).toContain('telemetry/brake.pressure.json');
  });

  it('rejects content whose size differs from the listed bytes as size_mismatch', () => {
    const entries = sampleEntries();
    const manifest = goodManifest(entries);
    const changed = sampleEntries([160, 161.5, null, null, 159.85]);
    expectRejected(verifyDrop(zipWithManifest(manifest, changed)), 'size_mismatch');
  });

  it('rejects telemetry that violates its schema as entry_invalid, naming entry and sample', () => {
    const values: unknown[] = Array.from({ length: 20 }, () => 160);
    values[12] = 'high';
    const { zip } = writeDropZip(header, sampleEntries(values));
    const reason = expectRejected(verifyDrop(zip), 'entry_invalid');
    expect(reason).toBe('telemetry/brake.pressure.json: values[12] must be a number or null.');
  });

  it('rejects a telemetry file whose channel differs from its file name as entry_invalid', () => {
    const [cycles, alarms, counters, brake] = sampleEntries();
    if (!cycles || !alarms || !counters || !brake) throw new Error('sample drop changed');
    const renamed = { path: 'telemetry/brake.temperature.json', content: brake.content };
    const entries = [cycles, alarms, counters, renamed];
    const reason = expectRejected(verifyDrop(writeDropZip(header, entries).zip), 'entry_invalid');
    expect(reason).toContain('file name says "brake.temperature"');
  });

  it('rejects an entry that is not part of format v1 as entry_invalid', () => {
    const entries = [...sampleEntries(), { path: 'notes.txt', content: Buffer.from('hello') }];
    expectRejected(verifyDrop(writeDropZip(header, entries).zip), 'entry_invalid');
  });

  it('rejects a cycle that ends before it starts as entry_invalid', () => {
    const entries = sampleEntries();
    entries[0] = {
      path: 'cycles.json',
      content: stableJson([
        {
          id: 'c-1',
          start: '2026-06-01T10:05:00Z',
          end: '2026-06-01T10:03:30Z',
          mode: 'auto',
          outcome: 'completed',
          riders: 3,
        },
      ]),
    };
    const reason = expectRejected(verifyDrop(writeDropZip(header, entries).zip), 'entry_invalid');
    expect(reason).toBe('cycles.json: [0].end must not be before start.');
  });

  it('rejects a file name that disagrees with the manifest as name_mismatch', () => {
    const { zip } = writeDropZip(header, sampleEntries());
    expectRejected(
      verifyDrop(zip, { fileName: 'gardaland-demo_ride-1_20260601T100000Z_8.zip' }),
      'name_mismatch',
    );
    expectRejected(
      verifyDrop(zip, { fileName: 'gardaland-demo_ride-2_20260601T100000Z_7.zip' }),
      'name_mismatch',
    );
    expectRejected(
      verifyDrop(zip, { fileName: 'gardaland-demo_ride-1_20260601T110000Z_7.zip' }),
      'name_mismatch',
    );
    expectRejected(verifyDrop(zip, { fileName: 'drop.zip' }), 'name_mismatch');
  });
});

describe('contentId', () => {
  function idOf(zip: Buffer): string {
    const result = verifyDrop(zip);
    if (!result.ok) throw new Error(result.reason);
    return result.contentId;
  }

  it('is the same for the same content re-zipped at another level and entry order', () => {
    const entries = sampleEntries();
    const manifestEntry = { path: 'manifest.json', content: stableJson(goodManifest(entries)) };
    const a = writeZip([manifestEntry, ...entries], { time: TIME, level: 6 });
    const b = writeZip([...entries].reverse().concat(manifestEntry), {
      time: new Date('2030-01-01T00:00:00Z'),
      level: 0,
    });
    const c = writeZip([manifestEntry, ...entries], { time: TIME, level: 9 });
    expect(a.equals(b)).toBe(false);
    expect(idOf(a)).toBe(idOf(b));
    expect(idOf(a)).toBe(idOf(c));
  });

  it('differs when one value changes', () => {
    const a = writeDropZip(header, sampleEntries()).zip;
    const b = writeDropZip(header, sampleEntries([160, 161.5, null, null, 159.9])).zip;
    expect(idOf(a)).not.toBe(idOf(b));
  });

  it('does not depend on the order entries are given in', () => {
    const entries = [
      { path: 'b.json', sha256: 'b'.repeat(64) },
      { path: 'a.json', sha256: 'a'.repeat(64) },
      { path: 'B.json', sha256: 'c'.repeat(64) },
    ];
    expect(computeContentId(entries)).toBe(computeContentId([...entries].reverse()));
  });
});
