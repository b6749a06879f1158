// Commits `count` single-row appends to dataset "shared" from its own process and prints one
// JSON line per attempt: { ok: true, id } or { ok: false, code }.
import { createStore } from '@mlinfra/core';
import { openDatasets } from '@mlinfra/datasets';

const [home, worker, count, retries] = process.argv.slice(2);
const datasets = openDatasets({ store: createStore(home), cacheDir: `${home}/cache-${worker}` });
for (let index = 0; index < Number(count); index++) {
  const value = Number(worker) * 1000 + index;
  try {
    const version = await datasets.commit(
      'shared',
      { value: Int32Array.from([value]) },
      { mode: 'append', retries: Number(retries), message: `w${worker}-${index}` },
    );
    process.stdout.write(`${JSON.stringify({ ok: true, id: version.id, value })}\n`);
  } catch (error) {
    process.stdout.write(
      `${JSON.stringify({ ok: false, code: error.code ?? 'UNKNOWN', message: error.message })}\n`,
    );
  }
}
