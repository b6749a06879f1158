// Commits the same rows with worker-thread encoding and without; prints both versions' file digests.
import { createStore } from '@mlinfra/core';
import { openDatasets } from '@mlinfra/datasets';

const [home] = process.argv.slice(2);
const datasets = openDatasets({ store: createStore(home) });
const rows = 2000;
const data = {
  id: Int32Array.from({ length: rows }, (_, index) => index),
  label: Array.from({ length: rows }, (_, index) => (index % 7 === 0 ? null : `l${index % 5}`)),
  at: Float64Array.from({ length: rows }, (_, index) => Date.UTC(2024, 0, 1) + index * 1000),
};
const schema = {
  columns: [
    { name: 'id', type: 'int32' },
    { name: 'label', type: 'string', nullable: true },
    { name: 'at', type: 'timestamp' },
  ],
};
const threaded = await datasets.commit('threaded', data, {
  schema,
  threads: 2,
  rowsPerFile: 500,
  rowGroupRows: 128,
});
const local = await datasets.commit('local', data, {
  schema,
  threads: 0,
  rowsPerFile: 500,
  rowGroupRows: 128,
});
const back = await datasets.dataset('threaded').columns();
process.stdout.write(
  `${JSON.stringify({
    threaded: threaded.files,
    local: local.files,
    ids: Array.from(back.id).every((value, index) => value === index),
    label7: back.label[7],
    label8: back.label[8],
  })}\n`,
);
