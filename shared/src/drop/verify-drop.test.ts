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
    ).toBe('manifest.json: window.start must be before window.end: check the PLC export.');
    const notJson = writeZip(
      [{ path: 'manifest.json', content: Buffer.from('{"format": ') }, ...sampleEntries()],
      { time: TIME },
    );
    expectRejected(verifyDrop(notJson), 'manifest_invalid');
  });

  it("rejects a UTC offset as the park's zone on every Node, as the Rust verifier does", () => {
    // Node 22's Intl takes "+01:00" as a zone; Node 20 and chrono-tz do not.
    for (const timezone of ['+01:00', '-0500', '+01']) {
      const reason = expectRejected(
        verifyDrop(zipWithManifest({ ...goodManifest(), timezone }, sampleEntries())),
        'manifest_invalid',
      );
      expect(reason).toContain('expected an IANA time zone such as Europe/Rome');
    }
    expect(
      verifyDrop(zipWithManifest({ ...goodManifest(), timezone: 'Etc/GMT+1' }, sampleEntries())).ok,
    ).toBe(true);
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
    expect(reason).toBe(
      'telemetry/brake.pressure.json: values[12] must be a number or null: check the PLC export.',
    );
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
    expect(reason).toBe('cycles.json: [0].end must not be before start: check the PLC export.');
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

describe('verifyDrop: the rules of issue 14', () => {
  const BOM = Buffer.from([0xef, 0xbb, 0xbf]);

  it('rejects a window that is not one whole UTC hour as window_not_hour, saying which hour would be', () => {
    for (const window of [
      { start: '2026-06-01T10:00:00Z', end: '2026-06-01T10:30:00Z' },
      { start: '2026-06-01T10:00:00Z', end: '2026-06-01T12:00:00Z' },
      { start: '2026-06-01T10:30:00Z', end: '2026-06-01T11:30:00Z' },
      { start: '2026-06-01T10:00:00.001Z', end: '2026-06-01T11:00:00.001Z' },
    ]) {
      const reason = expectRejected(
        verifyDrop(writeDropZip({ ...header, window }, sampleEntries()).zip),
        'window_not_hour',
      );
      expect(reason).toContain(window.start);
      expect(reason).toContain('export one drop per UTC hour');
    }
    // A whole hour on any UTC hour, DST day or not, is fine.
    const night = { start: '2026-03-29T01:00:00Z', end: '2026-03-29T02:00:00Z' };
    expect(verifyDrop(writeDropZip({ ...header, window: night }, sampleEntries()).zip).ok).toBe(
      true,
    );
  });

  it('rejects a window starting over 15 minutes after receivedAt as window_in_future; not without receivedAt', () => {
    const { zip, fileName } = writeDropZip(header, sampleEntries());
    const start = Date.parse(header.window.start);
    const at = (ms: number) => verifyDrop(zip, { fileName, receivedAt: new Date(start - ms) });
    expect(at(15 * 60_000).ok).toBe(true);
    const reason = expectRejected(at(15 * 60_000 + 1), 'window_in_future');
    expect(reason).toContain('the window starts in the future: set the PLC clock to UTC');
    expect(reason).toContain('2026-06-01T09:44:59.999Z');
    // Two hours ahead is what a PLC clock on CEST instead of UTC looks like.
    expectRejected(at(2 * 3_600_000), 'window_in_future');
    expect(verifyDrop(zip, { fileName }).ok).toBe(true);
    // A broken drop keeps its own code whenever it is checked.
    expectRejected(
      verifyDrop(zip, { fileName: 'x.zip', receivedAt: new Date(start - 3_600_000) }),
      'name_mismatch',
    );
    expect(() => verifyDrop(zip, { receivedAt: new Date(Number.NaN) })).toThrow(TypeError);
  });

  it('rejects a zip64 archive as zip64', () => {
    const zip = writeDropZip(header, sampleEntries()).zip;
    // A zip64 end-of-central-directory locator just before the end record.
    const end = zip.length - 22;
    const locator = Buffer.alloc(20);
    locator.writeUInt32LE(0x07064b50, 0);
    const patched = Buffer.concat([zip.subarray(0, end), locator, zip.subarray(end)]);
    const reason = expectRejected(verifyDrop(patched), 'zip64');
    expect(reason).toContain('turn zip64 off');
  });

  it('rejects a byte-order mark before any JSON entry, naming it, with what to do', () => {
    const entries = sampleEntries();
    const manifest = {
      path: 'manifest.json',
      content: Buffer.concat([BOM, stableJson(goodManifest())]),
    };
    const reason = expectRejected(
      verifyDrop(writeZip([manifest, ...entries], { time: TIME })),
      'manifest_invalid',
    );
    expect(reason).toBe('manifest.json starts with a byte-order mark: save as UTF-8 without BOM.');
    for (const i of [0, 3]) {
      const withBom = sampleEntries();
      const e = withBom[i];
      if (!e) throw new Error('sample drop changed');
      withBom[i] = { path: e.path, content: Buffer.concat([BOM, e.content]) };
      expect(expectRejected(verifyDrop(writeDropZip(header, withBom).zip), 'entry_invalid')).toBe(
        `${e.path} starts with a byte-order mark: save as UTF-8 without BOM.`,
      );
    }
  });

  it('says when the file or an entry is empty (0 bytes)', () => {
    expect(expectRejected(verifyDrop(Buffer.alloc(0)), 'zip_corrupt')).toContain(
      'The file is empty (0 bytes)',
    );
    const entries = sampleEntries();
    entries[1] = { path: 'alarms.json', content: Buffer.alloc(0) };
    expect(
      expectRejected(verifyDrop(writeDropZip(header, entries).zip), 'entry_invalid'),
    ).toContain('alarms.json is empty (0 bytes)');
  });

  it('names the expected file name (from the manifest) and the actual one on name_mismatch', () => {
    const { zip } = writeDropZip(header, sampleEntries());
    const actual = 'gardaland-demo_ride-1_20260601T100000Z_07.zip';
    const reason = expectRejected(verifyDrop(zip, { fileName: actual }), 'name_mismatch');
    expect(reason).toContain(`"${actual}"`);
    expect(reason).toContain(`rename the file to "${FILE_NAME}"`);
  });

  it('accepts cycles, alarms and samples outside the window and riders above capacity (findings, not rejections)', () => {
    const entries = sampleEntries();
    entries[0] = {
      path: 'cycles.json',
      content: stableJson([
        {
          id: 'early',
          start: '2026-06-01T09:50:00Z',
          end: '2026-06-01T09:52:00Z',
          mode: 'auto',
          outcome: 'completed',
          riders: 1000,
        },
      ]),
    };
    entries[1] = {
      path: 'alarms.json',
      content: stableJson([
        {
          code: 'E-101',
          severity: 'fault',
          raisedAt: '2026-06-01T11:30:00Z',
          clearedAt: null,
          cycleId: null,
        },
      ]),
    };
    expect(verifyDrop(writeDropZip(header, entries).zip, { fileName: FILE_NAME }).ok).toBe(true);
  });

  it('refuses telemetry values no 64-bit float can hold, as the Rust reader does', () => {
    const entries = sampleEntries([160, 1e300, null]);
    const e = entries[3];
    if (!e) throw new Error('sample drop changed');
    entries[3] = {
      path: e.path,
      content: Buffer.from(e.content.toString().replace('1e+300', '1e400')),
    };
    expect(
      expectRejected(verifyDrop(writeDropZip(header, entries).zip), 'entry_invalid'),
    ).toContain('values[1] is out of range');
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
