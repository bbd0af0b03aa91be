import type pg from 'pg';
import type { Logger } from 'pino';

/** Smaller tables are left alone: any plan reads them quickly, and a fresh install has only these. */
const MIN_TABLE_BYTES = 1024 * 1024;

/**
 * Gives planner statistics to the tables that hold rows but have none, and returns their names.
 * A dump carries no statistics (before PostgreSQL 18), so a restored database has none until
 * autovacuum reaches each table, and none ever where autovacuum is off. Without them a commit's
 * look for its ride-window's live batch took the index that reads every batch of the ride:
 * 0.28 ms of PostgreSQL a put with statistics, 0.89 ms at 16,000 batches without, and growing
 * (docs/performance.md, "A put's statements without planner statistics"). ANALYZE reads a
 * sample of each table and blocks no reads or writes. Only the tables this role may analyze
 * (their owner, as the migrations run); run with the migration lock held, so one process does it.
 */
export async function analyzeTablesWithoutStatistics(
  client: pg.Client,
  log: Logger,
): Promise<string[]> {
  const found = await client.query<{ name: string }>(
    `SELECT c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = current_schema() AND c.relkind = 'r'
        AND pg_has_role(c.relowner, 'USAGE')
        AND pg_relation_size(c.oid) >= $1
        AND NOT EXISTS (SELECT 1 FROM pg_stats s
                         WHERE s.schemaname = n.nspname AND s.tablename = c.relname)
      ORDER BY c.relname`,
    [MIN_TABLE_BYTES],
  );
  const names = found.rows.map((r) => r.name);
  if (names.length === 0) return names;
  const started = Date.now();
  log.info({ tables: names }, 'analyzing tables that hold rows but no planner statistics');
  for (const name of names) await client.query(`ANALYZE ${client.escapeIdentifier(name)}`);
  log.info({ tables: names, ms: Date.now() - started }, 'planner statistics gathered');
  return names;
}
