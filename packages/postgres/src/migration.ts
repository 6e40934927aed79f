/** One SQL migration: plain SQL, run with search_path set to the target schema. */
export interface Migration {
  version: number;
  name: string;
  sql: string;
}
