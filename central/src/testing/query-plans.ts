import type pg from 'pg';

/** One SQL statement a read made, with the parameters it was sent with. */
export interface RecordedQuery {
  /** What made it (e.g. `dashboard.rideDetail`). */
  caller: string;
  /** A named statement's name: PostgreSQL may keep one generic plan for it. */
  name?: string;
  text: string;
  values: unknown[];
}

/**
 * A pool that notes every `query` before passing it on, so a test or benchmark can EXPLAIN the
 * statements the real dashboard and report code sends (whatever their current text is) instead
 * of copies of them. Everything else is the pool itself.
 */
export function recordingPool(pool: pg.Pool, caller: () => string, sink: RecordedQuery[]): pg.Pool {
  return new Proxy(pool, {
    get(target, prop, receiver) {
      if (prop === 'query') {
        return (config: string | pg.QueryConfig, values?: unknown[]) => {
          const text = typeof config === 'string' ? config : config.text;
          const name = typeof config === 'string' ? undefined : config.name;
          const params = (typeof config === 'string' ? values : (config.values ?? values)) ?? [];
          sink.push({ caller: caller(), ...(name ? { name } : {}), text, values: params });
          return target.query(config as string, values);
        };
      }
      const value: unknown = Reflect.get(target, prop, receiver);
      return typeof value === 'function'
        ? (value as (...a: unknown[]) => unknown).bind(target)
        : value;
    },
  });
}

/** A plan node as `EXPLAIN (FORMAT JSON)` gives it (only the fields read here). */
interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  Plans?: PlanNode[];
}

/** A sequential scan of a large table found in a statement's plan. */
export interface SeqScanFinding {
  query: RecordedQuery;
  /** Which plan: the one for the statement's own values, or the generic one it may keep. */
  kind: PlanKind;
  /** The tables read with a Seq Scan (partitions named by their parent table). */
  tables: string[];
  /** The whole plan as text, to show what the planner chose. */
  plan: string;
}

/** A plan for a statement's own values, or the generic plan a named statement may keep. */
export type PlanKind = 'for its values' | 'generic';

/**
 * EXPLAINs every recorded statement with its own parameters (the plan the server would choose
 * for those values) and returns those that read one of `largeTables` with a sequential scan.
 * A named statement is EXPLAINed a second time as a generic plan: after five runs on one
 * connection PostgreSQL may keep that one for every value, so it must avoid the scan too.
 * A partition counts as its parent table. Statements that are not plain reads are skipped.
 */
export async function findSeqScans(
  pool: pg.Pool,
  queries: RecordedQuery[],
  largeTables: readonly string[],
): Promise<SeqScanFinding[]> {
  const parents = await pool.query<{ child: string; parent: string }>(
    `SELECT c.relname AS child, p.relname AS parent
       FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_class p ON p.oid = i.inhparent`,
  );
  const parentOf = new Map(parents.rows.map((r) => [r.child, r.parent]));
  const large = new Set(largeTables);
  const findings: SeqScanFinding[] = [];
  for (const q of queries) {
    if (!/^\s*(SELECT|WITH)\b/i.test(q.text)) continue;
    const kinds: PlanKind[] = q.name ? ['for its values', 'generic'] : ['for its values'];
    for (const kind of kinds) {
      const lines = await explain(pool, q, kind, '(FORMAT JSON)');
      const root = (lines[0] as { Plan: PlanNode }[] | undefined)?.[0]?.Plan;
      if (!root) continue;
      const tables = new Set<string>();
      const walk = (n: PlanNode): void => {
        const rel = n['Relation Name'];
        if (n['Node Type'] === 'Seq Scan' && rel) {
          const table = parentOf.get(rel) ?? rel;
          if (large.has(table)) tables.add(table);
        }
        for (const child of n.Plans ?? []) walk(child);
      };
      walk(root);
      if (tables.size > 0) {
        const text = await explain(pool, q, kind, '');
        findings.push({ query: q, kind, tables: [...tables].sort(), plan: text.join('\n') });
      }
    }
  }
  return findings;
}

/** The `QUERY PLAN` column of EXPLAIN's rows for the statement's plan of that kind. */
async function explain(
  pool: pg.Pool,
  q: RecordedQuery,
  kind: PlanKind,
  options: string,
): Promise<unknown[]> {
  const column = (r: pg.QueryResult<{ 'QUERY PLAN': unknown }>) =>
    r.rows.map((row) => row['QUERY PLAN']);
  if (kind === 'for its values')
    return column(await pool.query(`EXPLAIN ${options} ${q.text}`, q.values));
  // PostgreSQL 15 has no EXPLAIN (GENERIC_PLAN): a prepared statement forced to its generic plan.
  const c = await pool.connect();
  let prepared = false;
  try {
    await c.query('BEGIN');
    await c.query('SET LOCAL plan_cache_mode = force_generic_plan');
    await c.query(`PREPARE zra_generic_plan AS ${q.text}`);
    prepared = true;
    const args = q.values.map((v) => literal(c, v)).join(', ');
    return column(await c.query(`EXPLAIN ${options} EXECUTE zra_generic_plan(${args})`));
  } finally {
    await c.query('ROLLBACK');
    // Only this one: the pool's own named statements on this connection stay prepared.
    if (prepared) await c.query('DEALLOCATE zra_generic_plan');
    c.release();
  }
}

/** A parameter's value as SQL text, for EXECUTE (the types the statements here are sent). */
function literal(c: pg.PoolClient, value: unknown): string {
  if (value === null || value === undefined) return 'NULL';
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (typeof value === 'string') return c.escapeLiteral(value);
  if (value instanceof Date) return c.escapeLiteral(value.toISOString());
  throw new Error(
    `cannot write a ${typeof value} parameter as SQL text for EXPLAIN EXECUTE: add its form to literal()`,
  );
}
