import { mkdtempSync } from 'node:fs';
import { createStore } from '@mlinfra/core';
import { openDatasets, readParquet } from '@mlinfra/datasets';

const { columns, schema } = await readParquet('/tmp/ds/ref.parquet');
const d = openDatasets({ store: createStore(mkdtempSync('/tmp/ds/h-')) });
const t = performance.now();
await d.commit('x', columns, { schema });
console.log('commit', (performance.now() - t).toFixed(0));
