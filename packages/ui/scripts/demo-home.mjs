// Builds a demo mlinfra home through the public APIs only: a registry with runs and metrics, a
// registered model with an alias, approvals and gates, a dataset with two versions, and a budget.
// Used by the browser tests, the screenshot script and the benchmarks.
import { join } from 'node:path';
import { createStore } from '@mlinfra/core';
import { createBudget, money } from '@mlinfra/cost';
import { openDatasets } from '@mlinfra/datasets';
import { openRegistry } from '@mlinfra/registry';
import { createJsonlSink } from '@mlinfra/serving';

/** A run name that would run script if the UI rendered it as HTML. */
export const HOSTILE_NAME =
  '<img src=x onerror="window.__xss=1">"\'&<script>window.__xss=2</script>';

/** The gates the demo model is promoted through (pass to createUi's `gates`). */
export const DEMO_GATES = {
  churn: { champion: [{ metric: 'auc', min: 0.8, maxRegression: 0.01, slices: 'all' }] },
};

function trips(count, shift, seed) {
  let state = seed;
  const random = () => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return state / 2147483648;
  };
  const zones = ['north', 'south', 'east', 'west'];
  const rows = [];
  for (let index = 0; index < count; index++) {
    const distance = Math.round((random() * 8 + shift + random() * 2) * 100) / 100;
    rows.push({
      id: index,
      distance,
      zone: zones[Math.floor(random() * (shift > 0 ? 2 : 4))],
      fare: random() < 0.05 ? null : Math.round((3 + distance * 2.1 + random()) * 100) / 100,
    });
  }
  return rows;
}

/**
 * Fills `home` and returns what was made. `registry`, `datasets` and `store` stay open (close
 * `registry` when done).
 */
export async function buildDemoHome(home, { steps = 120 } = {}) {
  const store = createStore(home);
  const datasets = openDatasets({ store, author: 'demo' });
  const v1 = await datasets.commit('trips', trips(400, 0, 7), { message: 'first load' });
  await datasets.tag('trips', 'v1', v1.id);
  const v2 = await datasets.commit('trips', trips(500, 2.5, 11), {
    message: 'March data: longer trips',
  });
  await datasets.tag('trips', 'v2', v2.id);

  const registry = await openRegistry({ url: join(home, 'registry.db'), store, actor: 'demo' });
  const specs = [
    { name: 'baseline-mlp', lr: 0.01, optimizer: 'sgd', layers: 2, final: 0.8 },
    { name: 'adam-wide', lr: 0.001, optimizer: 'adam', layers: 3, final: 0.86 },
    { name: 'adam-deep', lr: 0.0005, optimizer: 'adam', layers: 5, final: 0.84 },
  ];
  const runs = [];
  for (const [position, spec] of specs.entries()) {
    const run = await registry.startRun({
      experiment: 'churn',
      name: spec.name,
      params: { lr: spec.lr, optimizer: spec.optimizer, layers: spec.layers },
      tags: { team: 'growth', purpose: position === 0 ? 'baseline' : 'tuning' },
      inputs: [v2.id],
      codeVersion: `a1b2c3${position}`,
    });
    for (let step = 0; step < steps; step++) {
      const progress = step / steps;
      await run.logMetrics(
        {
          loss:
            1.2 * Math.exp(-3 * progress) +
            0.1 * (position + 1) * 0.2 +
            0.02 * Math.sin(step / 3 + position),
          val_auc:
            0.5 + (spec.final - 0.5) * (1 - Math.exp(-4 * progress)) + 0.005 * Math.sin(step / 5),
        },
        { step },
      );
    }
    await run.logArtifact('model', `weights of ${spec.name}`);
    await run.logArtifact('checkpoint', `checkpoint of ${spec.name}`);
    await run.end('finished');
    runs.push(run);
  }
  const hostile = await registry.startRun({
    experiment: 'churn',
    name: HOSTILE_NAME,
    params: { note: '<b>bold</b><script>window.__xss=3</script>' },
    tags: { '<i>tag</i>': '<svg onload="window.__xss=4">' },
  });
  await hostile.logMetrics({ loss: 0.9 }, { step: 0 });
  await hostile.end('failed');
  const live = await registry.startRun({
    experiment: 'churn',
    name: 'live-run',
    params: { lr: 0.002 },
  });
  for (let step = 0; step < 10; step++) await live.logMetrics({ loss: 1 / (step + 1) }, { step });
  await live.flush();

  const v1Model = await registry.registerModel('churn', {
    run: runs[0],
    artifact: 'model',
    metrics: { auc: 0.81, loss: 0.42 },
    slices: { 'country=DE': { auc: 0.8 }, 'country=FR': { auc: 0.82 } },
    signature: {
      inputs: [
        { name: 'distance', type: 'float32' },
        { name: 'zone', type: 'string' },
      ],
      outputs: [{ name: 'churn', type: 'float32' }],
    },
    description: 'Baseline MLP',
  });
  await registry.setApproval('churn', v1Model.version, {
    status: 'approved',
    by: 'alice',
    reason: 'offline eval ok',
  });
  await registry.setAlias('churn', 'champion', v1Model.version);
  const v2Model = await registry.registerModel('churn', {
    run: runs[1],
    artifact: 'model',
    metrics: { auc: 0.86, loss: 0.37 },
    slices: { 'country=DE': { auc: 0.78 }, 'country=FR': { auc: 0.88 } },
    signature: {
      inputs: [
        { name: 'distance', type: 'float32' },
        { name: 'zone', type: 'string' },
      ],
      outputs: [{ name: 'churn', type: 'float32' }],
    },
  });
  const v3Model = await registry.registerModel('churn', {
    run: runs[2],
    artifact: 'model',
    metrics: { auc: 0.845, loss: 0.39 },
    slices: { 'country=DE': { auc: 0.805 }, 'country=FR': { auc: 0.86 } },
  });
  await registry.setAlias('churn', 'challenger', v3Model.version);

  const budget = await createBudget({ store, name: 'team/churn', limit: money(100, 'USD') });
  await budget.charge({ resource: 'gpu', seconds: 3600 * 6, pricePerHour: money(2.5, 'USD') });
  await budget.charge({ resource: 'storage', amount: money('4.20', 'USD') });

  // A prediction log as @mlinfra/serving writes it: a day like the v1 data, then a day of longer trips.
  const predictionLog = join(home, 'predictions.jsonl');
  const sink = createJsonlSink({ path: predictionLog });
  for (const [day, rows] of [
    ['2026-03-01', trips(300, 0, 21)],
    ['2026-03-02', trips(300, 3, 22)],
  ]) {
    await sink.write(
      rows.map((row, index) => ({
        id: `${day}-${index}`,
        row: 0,
        time: `${day}T${String(Math.floor(index / 20)).padStart(2, '0')}:00:00.000Z`,
        model: 'churn',
        version: '1',
        inputs: { distance: row.distance, zone: row.zone },
        outputs: [row.distance > 6 ? 0.8 : 0.2],
        latencyMs: 1.5,
      })),
    );
  }

  return {
    predictionLog,
    store,
    datasets,
    registry,
    runs: runs.map((run) => run.id),
    hostileRun: hostile.id,
    liveRun: live,
    versions: { v1: v1.id, v2: v2.id },
    models: { v1: v1Model.version, v2: v2Model.version, v3: v3Model.version },
  };
}
