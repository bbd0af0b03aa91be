/** One append-only schema step. `id` is its UTC timestamp and a slug; ids sort in order. */
export interface Migration {
  id: string;
  sql: string;
}
