import { writeFileSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import type { ChaosSystem } from './chaos-system.ts';

/** The checks that must fire on the damage {@link plantDamage} does. */
export const PLANTED_CHECKS = [
  'agent-drop-not-final',
  'batch-not-final',
  'cycles-figure',
  'gateway-file-left',
  'hourly-cycles',
  'job-run-open',
  'lost',
  'outbox-unpublished',
  'postgres-consistency',
  'temp-file',
] as const;

/**
 * Damage of each kind the checks look for, planted in the drained system after the real
 * checks: the second pass must name every one, so a check that cannot fail is caught here.
 */
export async function plantDamage(system: ChaosSystem): Promise<void> {
  const db = new pg.Client({ connectionString: system.databaseUrl });
  await db.connect();
  try {
    const live = await db.query<{ id: string }>(
      `SELECT b.id FROM batches b
        WHERE b.superseded_by IS NULL AND b.state = 'processed'
          AND NOT EXISTS (SELECT 1 FROM batches x WHERE x.superseded_by = b.id)
          AND (SELECT count(*) FROM cycles c WHERE c.batch_id = b.id) > 0
        ORDER BY b.received_at LIMIT 4`,
    );
    const [a, b, c, d] = live.rows.map((r) => r.id);
    if (!a || !b || !c || !d)
      throw new Error('the campaign processed too few drops to plant damage');
    await db.query(`UPDATE batches SET state = 'queued' WHERE id = $1`, [a]);
    await db.query('DELETE FROM hourly_aggregates WHERE batch_id = $1', [b]);
    await db.query('DELETE FROM batches WHERE id = $1', [c]);
    // A cycle no drop holds, inside d's window: central's figures now count one too many.
    await db.query(
      `INSERT INTO cycles (batch_id, park_id, ride_id, cycle_id, start_at, end_at, mode, outcome,
                           riders, duration_s, channels, ordinal)
       SELECT batch_id, park_id, ride_id, 'PLANTED', start_at, end_at, mode, outcome, riders,
              duration_s, channels, ordinal + 100000
         FROM cycles WHERE batch_id = $1 LIMIT 1`,
      [d],
    );
    await db.query(
      `INSERT INTO outbox (queue, message, message_id)
       VALUES ('postprocess', '{}', gen_random_uuid()::text)`,
    );
    await db.query(
      `INSERT INTO job_runs (type, subject, attempt, worker)
       VALUES ('postprocess', gen_random_uuid(), 1, 'planted')`,
    );
  } finally {
    await db.end();
  }
  writeFileSync(path.join(system.agentDataDir, 'tmp', 'planted.part'), 'half a download');
  writeFileSync(path.join(system.gateway.root, 'orbit', 'planted.zip'), 'left behind');
  const agentDb = new Database(path.join(system.agentDataDir, 'buffer.sqlite'));
  try {
    agentDb
      .prepare(`UPDATE drops SET state = 'buffered' WHERE rowid = (SELECT min(rowid) FROM drops)`)
      .run();
  } finally {
    agentDb.close();
  }
}
