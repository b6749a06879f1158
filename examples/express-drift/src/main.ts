// Starts the Express app with drift monitoring, replays real requests through it, and prints what
// /drift says: `pnpm start` (replay, print, exit) or `pnpm start -- --serve` (keep serving; PORT=3000).
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';
import { createApp } from './app.js';
import { features, loadDays } from './weather.js';

const { values } = parseArgs({
  args: process.argv.slice(2).filter((arg) => arg !== '--'),
  options: { serve: { type: 'boolean', default: false } },
});

const days = await loadDays();
// The model behind the API was built on 2012-2014; that is the reference.
const training = days.filter((day) => day.date < '2015-01-01').map(features);
const { app } = createApp({ reference: training, windowSize: 100 });
const server = app.listen(Number(process.env.PORT ?? (values.serve ? 3000 : 0)), '127.0.0.1');
await new Promise((resolve) => server.once('listening', resolve));
const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
console.log(`Express app with drift monitoring at ${url} (POST /api/forecast, GET /drift)`);

async function replay(label: string, rows: Array<Record<string, number>>): Promise<void> {
  for (const row of rows) {
    const response = await fetch(`${url}/api/forecast`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(row),
    });
    await response.arrayBuffer();
  }
  await fetch(`${url}/drift/flush`, { method: 'POST' });
  const status = (await (await fetch(`${url}/drift`)).json()) as {
    status: string;
    latest: {
      rows: number;
      drifted: string[];
      columns: Array<{ column: string; test: string; statistic: number; pValue: number | null }>;
    };
  };
  console.log(
    `\n${label}: ${rows.length} requests -> /drift status "${status.status}" (window of ${status.latest.rows} rows)`,
  );
  for (const column of status.latest.columns) {
    console.log(
      `  ${column.column.padEnd(14)} ${column.test} ${column.statistic.toFixed(3)}  p ${column.pValue?.toExponential(2) ?? '-'}${status.latest.drifted.includes(column.column) ? '  DRIFT' : ''}`,
    );
  }
}

// 1. Requests like the training data: 100 days drawn from 2012-2014 (every 11th day).
await replay(
  'Days like the training data',
  training.filter((_, index) => index % 11 === 0).slice(0, 100),
);
// 2. A later, shifted period: the record-warm summer of 2015.
await replay(
  'Summer 2015',
  days
    .filter((day) => day.date >= '2015-06-01')
    .slice(0, 100)
    .map(features),
);
console.log(`\nHTML report of the last window: ${url}/drift/report.html`);

if (values.serve) {
  console.log('Serving; Ctrl-C to stop.');
} else {
  server.close();
}
