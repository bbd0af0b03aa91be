/** One append-only schema step. `id` is its UTC timestamp and a slug; ids sort in order. */
export interface Migration {
  id: string;
  sql: string;
  /**
   * Rebuilds a table other tables reference (SQLite's way to change a constraint): foreign
   * key enforcement is switched off around the step and `foreign_key_check` must come out
   * empty before it commits.
   */
  rebuildsTables?: boolean;
}
