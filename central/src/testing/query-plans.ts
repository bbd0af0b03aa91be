import type pg from 'pg';

/** One SQL statement a read made, with the parameters it was sent with. */
export interface RecordedQuery {
  /** What made it (e.g. `dashboard.rideDetail`). */
  caller: string;
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
          const params = (typeof config === 'string' ? values : (config.values ?? values)) ?? [];
          sink.push({ caller: caller(), text, values: params });
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
  /** The tables read with a Seq Scan (partitions named by their parent table). */
  tables: string[];
  /** The whole plan as text, to show what the planner chose. */
  plan: string;
}

/**
 * EXPLAINs every recorded statement with its own parameters (the plan the server would choose
 * for those values) and returns those that read one of `largeTables` with a sequential scan.
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
    const r = await pool.query<{ 'QUERY PLAN': { Plan: PlanNode }[] }>(
      `EXPLAIN (FORMAT JSON) ${q.text}`,
      q.values,
    );
    const root = r.rows[0]?.['QUERY PLAN'][0]?.Plan;
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
      const text = await pool.query<{ 'QUERY PLAN': string }>(`EXPLAIN ${q.text}`, q.values);
      findings.push({
        query: q,
        tables: [...tables].sort(),
        plan: text.rows.map((row) => row['QUERY PLAN']).join('\n'),
      });
    }
  }
  return findings;
}
