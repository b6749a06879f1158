// @mlinfra/ui against the work it cannot avoid:
//   1. the runs page (first page of 50, server-rendered HTML over loopback HTTP) with 100,000 runs
//      x 10 metrics, against the registry query alone (`searchRuns` with the same page size, filter
//      and order); target <= 3x;
//   2. a run with 1,000,000 metric points: the chart data endpoint (min/max per pixel bucket) against
//      reading the history from the registry alone, the points the browser receives, and the time to
//      first chart in Chromium against a page that fetches every point and draws it with the same
//      uPlot.
// Ratios are ours / peer latency (< 1 is faster). BENCH_QUICK=1 uses 10,000 runs and 100,000 points.
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openRegistry } from '@mlinfra/registry';
import { createUi } from '@mlinfra/ui';
import { launchChromium } from '../../packages/ui/scripts/chromium.mjs';

const quick = process.env.BENCH_QUICK === '1';
const RUNS = quick ? 10_000 : 100_000;
const POINTS = quick ? 100_000 : 1_000_000;
const METRICS = 10;
const PAGE = 50;

function percentile(values: number[], fraction: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * fraction))]!;
}

async function latencies(count: number, action: () => Promise<unknown>): Promise<number[]> {
  for (let index = 0; index < 5; index++) await action();
  (globalThis as { gc?: () => void }).gc?.();
  const out: number[] = [];
  for (let index = 0; index < count; index++) {
    const start = performance.now();
    await action();
    out.push(performance.now() - start);
  }
  return out;
}

function result(metric: string, ours: number, peer: string, peerValue: number, unit = 'ms'): void {
  const ratio = ours / peerValue;
  console.log(
    `  ${metric}: ${ours.toFixed(2)} ${unit} vs ${peer} ${peerValue.toFixed(2)} ${unit}, ratio ${ratio.toFixed(2)}x`,
  );
  console.log(
    `RESULT ${JSON.stringify({ area: 'ui', metric, ours, peer, peerValue, ratio, unit, better: 'lower' })}`,
  );
}

const home = await mkdtemp(join(tmpdir(), 'mlinfra-ui-bench-'));
const registry = await openRegistry({ url: join(home, 'registry.db'), store: home });
try {
  console.log(`Building ${RUNS.toLocaleString('en-US')} runs x ${METRICS} metrics…`);
  let started = performance.now();
  for (let index = 0; index < RUNS; index++) {
    const run = await registry.startRun({
      experiment: index % 2 === 0 ? 'even' : 'odd',
      name: `run-${index}`,
      params: {
        lr: (index % 7) / 100,
        layers: index % 5,
        optimizer: index % 3 === 0 ? 'adam' : 'sgd',
      },
      tags: { shard: String(index % 10) },
    });
    const values: Record<string, number> = {};
    for (let key = 0; key < METRICS; key++)
      values[`m${key}`] = ((index * 7919 + key * 104_729) % 10_007) / 10_007;
    await run.logMetrics(values, { step: 0 });
    await run.end();
  }
  console.log(`  built in ${((performance.now() - started) / 1000).toFixed(1)} s`);

  console.log(`Building one run with ${POINTS.toLocaleString('en-US')} points…`);
  started = performance.now();
  const long = await registry.startRun({ experiment: 'long', name: 'long-run' });
  for (let step = 0; step < POINTS; step++) {
    await long.logMetrics(
      {
        loss:
          Math.exp(-step / (POINTS / 4)) +
          0.05 * Math.sin(step / 97) +
          (step % 10_007 === 0 ? 0.5 : 0),
      },
      { step },
    );
  }
  await long.end();
  console.log(`  built in ${((performance.now() - started) / 1000).toFixed(1)} s`);

  const ui = createUi({ registry, pageSize: PAGE });
  let rawBody = '';
  // The peer page: every point as JSON, drawn with the same uPlot the UI ships.
  const peer = async (request: IncomingMessage, response: ServerResponse) => {
    if (request.url === '/peer/raw') {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(rawBody);
      return;
    }
    const script = `fetch('/peer/raw').then(r => r.json()).then(d => { new uPlot({ width: 1200, height: 260, scales: { x: { time: false } }, series: [{}, { stroke: '#2b6cb0' }] }, [d.steps, d.values], document.getElementById('c')); window.__ready = performance.now(); });`;
    response.writeHead(200, { 'content-type': 'text/html' });
    response.end(
      `<!doctype html><html><body><div id="c"></div><script src="${uplotPath}"></script><script>${script}</script></body></html>`,
    );
  };
  const server = createServer((request, response) => {
    if (request.url?.startsWith('/peer/')) void peer(request, response);
    else ui.handler(request, response);
  });
  // Slow queries leave the client's keep-alive connection idle for seconds; keep it open.
  server.keepAliveTimeout = 120_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const firstPage = await (await fetch(`${url}/runs`)).text();
  const uplotPath = /src="([^"]*uPlot[^"]*\.js)"/.exec(firstPage)![1]!;

  console.log(
    `\nRuns page, first page of ${PAGE} (p50 over 40 requests, interleaved with the query alone):`,
  );
  const variants: Array<[string, string, Parameters<typeof registry.searchRuns>[0]]> = [
    ['default order', '/runs', { limit: PAGE }],
    [
      'filter + sort by a metric',
      `/runs?experiment=even&filter=${encodeURIComponent("metrics.m1 > 0.5 and params.optimizer = 'adam'")}&order=${encodeURIComponent('metrics.m3 DESC')}`,
      {
        experiment: 'even',
        filter: "metrics.m1 > 0.5 and params.optimizer = 'adam'",
        orderBy: 'metrics.m3 DESC',
        limit: PAGE,
      },
    ],
  ];
  for (const [label, path, query] of variants) {
    // Interleaved, so a change in the machine's load hits both sides alike.
    const alone: number[] = [];
    const page: number[] = [];
    for (let index = 0; index < 45; index++) {
      let start = performance.now();
      await registry.searchRuns(query);
      if (index >= 5) alone.push(performance.now() - start);
      start = performance.now();
      await (await fetch(url + path)).text();
      if (index >= 5) page.push(performance.now() - start);
    }
    result(
      `runs page (${RUNS} runs, ${label})`,
      percentile(page, 0.5),
      'registry.searchRuns alone',
      percentile(alone, 0.5),
    );
  }

  console.log(`\nChart data of a run with ${POINTS.toLocaleString('en-US')} points:`);
  const dataPath = `/api/runs/${long.id}/metrics/loss?points=2400`;
  let start = performance.now();
  const cold = (await (await fetch(url + dataPath)).json()) as { steps: number[]; total: number };
  const coldMs = performance.now() - start;
  start = performance.now();
  const history = await registry.metricHistory(long.id, 'loss');
  const historyMs = performance.now() - start;
  rawBody = JSON.stringify({
    steps: history.map((point) => point.step),
    values: history.map((point) => point.value),
  });
  result(
    'data endpoint, first request (reads the history)',
    coldMs,
    'registry.metricHistory alone',
    historyMs,
  );
  const warm = percentile(
    await latencies(20, async () => (await fetch(url + dataPath)).text()),
    0.5,
  );
  const zoom = percentile(
    await latencies(20, async () =>
      (
        await fetch(
          `${url}/api/runs/${long.id}/metrics/loss?points=2400&from=${POINTS / 3}&to=${POINTS / 2}`,
        )
      ).text(),
    ),
    0.5,
  );
  console.log(
    `  data endpoint, cached: ${warm.toFixed(2)} ms; zoomed range: ${zoom.toFixed(2)} ms`,
  );
  const payload = (await (await fetch(url + dataPath)).text()).length;
  console.log(
    `  the browser receives ${cold.steps.length} of ${cold.total} points (${(payload / 1024).toFixed(0)} KiB; every point: ${(rawBody.length / 1024 / 1024).toFixed(1)} MiB)`,
  );

  const browser = await launchChromium();
  try {
    const timeTo = async (path: string, ready: string) => {
      const times: number[] = [];
      for (let attempt = 0; attempt < 3; attempt++) {
        const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
        await page.goto(url + path);
        await page.waitForFunction(ready, undefined, { timeout: 120_000 });
        times.push(await page.evaluate(ready));
        await page.close();
      }
      return percentile(times, 0.5);
    };
    const ours = await timeTo(
      `/runs/${long.id}`,
      `(() => { const f = document.querySelector('figure.chart'); return f && f.dataset.ready === '1' && f.querySelector('canvas') ? performance.now() : 0; })()`,
    );
    const every = await timeTo('/peer/page', 'window.__ready || 0');
    result(
      'time to first chart in Chromium (median of 3)',
      ours,
      'fetch every point + same uPlot',
      every,
    );
  } finally {
    await browser.close();
  }
  server.close();
  server.closeAllConnections();
  await ui.close();
} finally {
  await registry.close();
  await rm(home, { recursive: true, force: true });
}
