import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { errorForPeople } from './error-for-people.ts';

describe('errorForPeople', () => {
  it("keeps the agent's own sentences as they are", () => {
    const sentence =
      'the gateway refused the user name or credential; check them in the ride settings';
    expect(errorForPeople(new Error(sentence), 'pulling ride r1')).toBe(sentence);
    expect(errorForPeople(new TypeError('fetch failed'), 'sending a heartbeat')).toBe(
      'fetch failed',
    );
  });

  it('says what a bug in the agent or a library is, and what to do, keeping its text for support', () => {
    let caught: unknown;
    try {
      const sftp = undefined as unknown as { unlink(): void };
      sftp.unlink();
    } catch (err) {
      caught = err;
    }
    expect(errorForPeople(caught, 'deleting x.zip on the gateway')).toMatch(
      /^the agent hit an unexpected error while deleting x\.zip on the gateway \(TypeError: Cannot read properties of undefined \(reading 'unlink'\)\): it tries again by itself; if this keeps coming back, send the agent's log to Zamperla support$/,
    );
  });

  it('says when the buffer database fails, and to look at the disk', () => {
    const db = new Database(':memory:');
    let caught: unknown;
    try {
      db.prepare('INSERT INTO nowhere VALUES (1)').run();
    } catch (err) {
      caught = err;
    } finally {
      db.close();
    }
    expect(errorForPeople(caught, 'recording x.zip')).toMatch(
      /^the agent's database failed while recording x\.zip \(SQLITE_ERROR: no such table: nowhere\): check that the disk of the data directory is healthy and has free space/,
    );
  });
});
