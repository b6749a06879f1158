// Imports the built package with apache-arrow unresolvable, commits and reads a dataset, then asks
// for Arrow output; prints what happened as JSON.
import { register } from 'node:module';

register('./no-arrow-hooks.mjs', import.meta.url);
const { createStore, MissingDependencyError } = await import('@mlinfra/core');
const { openDatasets } = await import('@mlinfra/datasets');

const [home] = process.argv.slice(2);
const datasets = openDatasets({ store: createStore(home) });
await datasets.commit('plain', { id: Int32Array.of(1, 2, 3), name: ['a', 'b', null] });
const columns = await datasets.dataset('plain').columns();
let arrowError = null;
try {
  await datasets.dataset('plain').toArrow();
} catch (error) {
  arrowError = {
    missing: MissingDependencyError.isInstance(error),
    message: error instanceof Error ? error.message : String(error),
  };
}
console.log(JSON.stringify({ ids: [...columns.id], names: columns.name, arrowError }));
