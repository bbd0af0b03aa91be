import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { JOB_ERROR_CODES, describeJobFailure, withoutPaths } from './job-failure.ts';
import { JobBinaryError } from './run-job-binary.ts';

const CONTRACTS = new URL('../../../docs/job-contracts.md', import.meta.url);

/** The rows of the "Job error codes" table of docs/job-contracts.md: code → permanent. */
function documentedCodes(): Map<string, boolean> {
  const text = readFileSync(CONTRACTS, 'utf8');
  const section = text.slice(text.indexOf('## Job error codes'));
  const rows = new Map<string, boolean>();
  for (const m of section.matchAll(/^\| `([a-z_]+)`\s*\| (\d) +\| (permanent|transient) /gm)) {
    rows.set(m[1] as string, m[3] === 'permanent');
  }
  return rows;
}

describe('job error codes', () => {
  it('central retries exactly the codes the job contract calls transient, and fails the permanent ones at once', () => {
    const documented = documentedCodes();
    expect(documented.size).toBeGreaterThanOrEqual(8);
    for (const [code, permanent] of documented) {
      expect({ code, permanent: JOB_ERROR_CODES[code]?.permanent }).toEqual({ code, permanent });
      const failure = describeJobFailure(
        'postprocess',
        new JobBinaryError('a sentence', code, permanent ? 3 : 1),
        { jobTimeoutMs: 600_000 },
      );
      expect(failure.permanent).toBe(permanent);
    }
  });

  it('keeps the units and fractions of a message and removes absolute paths', () => {
    expect(withoutPaths('cannot read drop /var/lib/zamperla/blob/blobs/ab/ab12.zip: EIO')).toBe(
      'cannot read drop (a file on the worker): EIO',
    );
    expect(withoutPaths('speed 2.5 m/s above 1/2 of the limit')).toBe(
      'speed 2.5 m/s above 1/2 of the limit',
    );
  });
});
