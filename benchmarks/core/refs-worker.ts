// Child process of the refs benchmark: waits for "go" on stdin, then runs `count` read-modify-write
// increments of one ref, either through the store (`ours`) or as a hand-written pg loop
// (`plain`: SELECT value, token; UPDATE ... WHERE token = $1; retry on 0 rows). Prints its start
// and end (epoch ms) and how many writes lost a race.
import { randomBytes } from 'node:crypto';
import { createInterface } from 'node:readline';
import { createStore } from '@mlinfra/core';
import pg from 'pg';

const [mode, url, name, countText] = process.argv.slice(2) as [string, string, string, string];
const count = Number(countText);
let conflicts = 0;
let run: () => Promise<void>;
let close = async () => {};

if (mode === 'ours') {
  const store = createStore({ blobs: process.env.BENCH_STORE_FOLDER!, refs: url });
  await store.refs.get(name);
  run = async () => {
    for (let done = 0; done < count; done++) {
      let first = true;
      await store.refs.update(name, (current) => {
        if (!first) conflicts++;
        first = false;
        return String(Number(current ?? '0') + 1);
      });
    }
  };
} else {
  const pool = new pg.Pool({ connectionString: url, max: 1 });
  await pool.query('SELECT 1');
  close = () => pool.end();
  run = async () => {
    for (let done = 0; done < count; ) {
      const { rows } = await pool.query('SELECT value, token FROM plain_refs WHERE name = $1', [
        name,
      ]);
      const row = rows[0] as { value: string; token: string };
      const next = String(Number(row.value) + 1);
      const result = await pool.query(
        'UPDATE plain_refs SET value = $2, token = $3 WHERE name = $1 AND token = $4',
        [name, next, randomBytes(12).toString('hex'), row.token],
      );
      if (result.rowCount === 1) done++;
      else conflicts++;
    }
  };
}

process.stdout.write('ready\n');
await new Promise<void>((resolve) =>
  createInterface({ input: process.stdin }).once('line', () => resolve()),
);
const start = Date.now();
await run();
const end = Date.now();
await close();
process.stdout.write(`${JSON.stringify({ start, end, conflicts })}\n`);
process.exit(0);
