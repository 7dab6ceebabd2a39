/**
 * DuckDB as a side of bench/dataframe/h2o.ts: `@duckdb/node-api`, an in-memory database on 2 threads
 * (`SET threads=2`, the machine's 2 cores, as the engine gets 2 workers). Each question is one statement
 * over `read_csv` (types auto-detected), its result kept in memory as a table (`CREATE TABLE ans AS ...`,
 * as db-benchmark's duckdb/*-duckdb.R keep theirs); the SQL is db-benchmark's. The check is one more query.
 */
import { DuckDBInstance } from '@duckdb/node-api';
import { serveSide } from './sideCommon.js';

const csv = (path: string): string => `read_csv('${path.replaceAll("'", "''")}')`;

/** The statement answering each question, from the question's files. */
const SQL: Record<string, (f: readonly string[]) => string> = {
  read: ([g]) => `SELECT * FROM ${csv(g!)}`,
  gq1: ([g]) => `SELECT id1, sum(v1) AS v1 FROM ${csv(g!)} GROUP BY id1`,
  gq2: ([g]) => `SELECT id1, id2, sum(v1) AS v1 FROM ${csv(g!)} GROUP BY id1, id2`,
  gq3: ([g]) => `SELECT id3, sum(v1) AS v1, avg(v3) AS v3 FROM ${csv(g!)} GROUP BY id3`,
  gq4: ([g]) => `SELECT id4, avg(v1) AS v1, avg(v2) AS v2, avg(v3) AS v3 FROM ${csv(g!)} GROUP BY id4`,
  gq5: ([g]) => `SELECT id6, sum(v1) AS v1, sum(v2) AS v2, sum(v3) AS v3 FROM ${csv(g!)} GROUP BY id6`,
  jq1: ([x, s]) => `SELECT x.*, small.id4 AS small_id4, v2 FROM ${csv(x!)} AS x JOIN ${csv(s!)} AS small USING (id1)`,
  jq2: ([x, m]) =>
    `SELECT x.*, medium.id1 AS medium_id1, medium.id4 AS medium_id4, medium.id5 AS medium_id5, v2 FROM ${csv(x!)} AS x JOIN ${csv(m!)} AS medium USING (id2)`,
  jq3: ([x, m]) =>
    `SELECT x.*, medium.id1 AS medium_id1, medium.id4 AS medium_id4, medium.id5 AS medium_id5, v2 FROM ${csv(x!)} AS x LEFT JOIN ${csv(m!)} AS medium USING (id2)`,
};

const instance = await DuckDBInstance.create(':memory:');
const conn = await instance.connect();
await conn.run('SET threads=2');

await serveSide(async (q, files) => {
  await conn.run(`CREATE OR REPLACE TABLE ans AS ${SQL[q.id]!(files)}`);
  return async () => {
    const sums = q.check.map((c) => `sum(${c})::DOUBLE AS ${c}`).join(', ');
    const [row] = (await conn.runAndReadAll(`SELECT count(*)::DOUBLE AS "rows", ${sums} FROM ans`)).getRowObjectsJS();
    const { rows, ...rest } = row as Record<string, number>;
    return { rows: rows!, sums: rest };
  };
});
conn.closeSync();
instance.closeSync();
