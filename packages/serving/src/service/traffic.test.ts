import { describe, expect, it } from 'vitest';
import { linearPredictor, until } from '../__fixtures__/predictors.js';
import { createPredictionService, type PredictionRecord, type ServingEvent } from '../index.js';
import { chooseCanary, hashKey } from './traffic.js';

const body = { inputs: [{ name: 'x', shape: [1, 3], datatype: 'FP32', data: [1, 0, 0] }] };

function memorySink() {
  const records: PredictionRecord[] = [];
  return {
    records,
    sink: { write: (batch: readonly PredictionRecord[]) => void records.push(...batch) },
  };
}

describe('canary and shadow traffic', () => {
  it('splits unversioned traffic by percent and keeps a routing key on one side', async () => {
    const service = createPredictionService({
      models: [
        {
          name: 'churn',
          predictor: linearPredictor({ bias: 0 }),
          version: 1,
          canary: { predictor: linearPredictor({ bias: 1000 }), version: 2, percent: 20 },
        },
      ],
    });
    await service.ready();
    const versions: string[] = [];
    for (let i = 0; i < 1000; i++)
      versions.push(
        (await service.infer('churn', body, { routingKey: `user-${i}` })).model_version,
      );
    const share = versions.filter((v) => v === '2').length / versions.length;
    expect(share).toBeGreaterThan(0.15);
    expect(share).toBeLessThan(0.25);
    for (let i = 0; i < 50; i++) {
      const again = await service.infer('churn', body, { routingKey: `user-${i}` });
      expect(again.model_version).toBe(versions[i]);
    }
    const explicit = await service.infer('churn', body, { version: '2' });
    expect(explicit.outputs[0]!.data).toEqual([1001]);
    await service.close();
  });

  it('sends a copy to the shadow model, logs its output and never returns it', async () => {
    const { records, sink } = memorySink();
    const shadow = linearPredictor({ bias: 500 });
    const service = createPredictionService({
      models: [
        { name: 'churn', predictor: linearPredictor(), shadow: { predictor: shadow, version: 9 } },
      ],
      log: { sink, flushIntervalMs: 1 },
      warmup: false,
    });
    await service.ready();
    const reply = await service.infer('churn', { id: 'r1', ...body });
    expect(reply.outputs[0]!.data).toEqual([1]);
    await until(() => records.length === 2);
    const shadowRecord = records.find((r) => r.shadow === true)!;
    expect(shadowRecord).toMatchObject({
      id: 'r1',
      model: 'churn.shadow',
      version: '9',
      outputs: [501],
      inputs: [1, 0, 0],
    });
    expect(records.find((r) => r.shadow !== true)).toMatchObject({
      id: 'r1',
      model: 'churn',
      outputs: [1],
    });
    await service.close();
  });

  it('keeps responses intact when the shadow model fails', async () => {
    const events: ServingEvent[] = [];
    let calls = 0;
    const failing = {
      ...linearPredictor(),
      predict: () => {
        calls++;
        throw new Error('shadow exploded');
      },
    };
    const service = createPredictionService({
      models: [{ name: 'churn', predictor: linearPredictor(), shadow: { predictor: failing } }],
      onEvent: (event) => events.push(event),
      warmup: false,
    });
    await service.ready();
    for (let i = 0; i < 5; i++)
      expect((await service.infer('churn', body)).outputs[0]!.data).toEqual([1]);
    await until(() => events.filter((e) => e.type === 'shadow-failed').length >= 1);
    expect(calls).toBeGreaterThan(0);
    const text = await service.metrics!.registry.metrics();
    expect(text).toMatch(/mlinfra_serving_shadow_failures_total\{model="churn"\} [1-5]/);
    await service.close();
  });

  it('hashes keys stably and spreads them evenly', () => {
    expect(hashKey('abc')).toBe(hashKey('abc'));
    expect(chooseCanary(0, 'k')).toBe(false);
    expect(chooseCanary(100, 'k')).toBe(true);
    const buckets = new Array(10).fill(0);
    for (let i = 0; i < 10_000; i++) buckets[hashKey(`key-${i}`) % 10]++;
    for (const count of buckets) expect(Math.abs(count - 1000)).toBeLessThan(150);
  });
});
