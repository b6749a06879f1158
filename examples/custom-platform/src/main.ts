// Seeds a home with two model versions, starts the platform service, and walks through it:
// traffic, a gated promotion that the server follows live, a refused one, and drift.
// `pnpm start` (walk through, exit) or `pnpm start -- --serve` (keep serving on PORT, default 8080).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createPlatform } from './platform.js';
import { seedPlatform } from './setup.js';
import { features, loadDays } from './weather.js';

const { values } = parseArgs({
  args: process.argv.slice(2).filter((arg) => arg !== '--'),
  options: { serve: { type: 'boolean', default: false } },
});

const home = await mkdtemp(join(tmpdir(), 'mlinfra-custom-platform-'));
const days = await loadDays();
console.log(`Training two versions of "weather" into ${home} ...`);
// MLINFRA_EXAMPLE_QUICK=1 trains version 2 for 3 epochs instead of 12 (for CI).
const seeded = await seedPlatform(home, days, {
  epochs: process.env.MLINFRA_EXAMPLE_QUICK === '1' ? 3 : 12,
});
const platform = await createPlatform({ home, reference: seeded.reference, windowSize: 100 });
const url = await platform.listen(values.serve ? Number(process.env.PORT ?? 8080) : 0);
console.log(
  `Platform service at ${url}: /platform/models, /platform/traffic, /platform/drift, /v1, /v2`,
);

async function call(
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; json: unknown }> {
  const response = await fetch(`${url}${path}`, {
    method,
    headers: { 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, json: await response.json() };
}

async function send(rows: ReadonlyArray<Record<string, number>>): Promise<void> {
  for (let index = 0; index < rows.length; index += 10) {
    const answer = await call('POST', '/v1/models/weather:predict', {
      instances: rows.slice(index, index + 10),
    });
    if (answer.status !== 200) throw new Error(`predict failed: ${JSON.stringify(answer.json)}`);
  }
}

const accuracy = (version: number) => seeded.metrics[version]?.accuracy?.toFixed(3);
console.log(`\nversion 1: accuracy ${accuracy(1)} (@champion); version 2: accuracy ${accuracy(2)}`);
await send(
  days
    .filter((day) => day.date >= '2015-01-01')
    .slice(0, 30)
    .map(features),
);
console.log(`traffic so far: ${JSON.stringify((await call('GET', '/platform/traffic')).json)}`);

const refused = await call('POST', '/platform/models/weather/promote', {
  version: 2,
  gates: [{ metric: 'accuracy', min: 0.99 }],
});
console.log(`promote v2 with accuracy >= 0.99: HTTP ${refused.status} (refused, nothing changed)`);
const promoted = await call('POST', '/platform/models/weather/promote', {
  version: 2,
  gates: [{ metric: 'accuracy', maxRegression: 0 }],
});
console.log(`promote v2 if no worse than the champion: HTTP ${promoted.status}`);
await new Promise((resolve) => setTimeout(resolve, 1500)); // the server follows the alias
await send(
  days
    .filter((day) => day.date >= '2015-06-01')
    .slice(0, 100)
    .map(features),
);
await new Promise((resolve) => setTimeout(resolve, 200)); // the prediction log flushes
console.log(`traffic by version: ${JSON.stringify((await call('GET', '/platform/traffic')).json)}`);
console.log(
  `drift of the live inputs: ${JSON.stringify((await call('GET', '/platform/drift')).json)}`,
);
console.log(`HTML: ${url}/platform/drift/report.html`);

if (values.serve) {
  console.log('Serving; Ctrl-C to stop.');
  process.once('SIGINT', () => {
    void platform.close().then(() => rm(home, { recursive: true, force: true }));
  });
} else {
  await platform.close();
  await rm(home, { recursive: true, force: true });
}
