import { ConflictError, NotFoundError, ValidationError } from '@mlinfra/core';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { temporaryRegistry } from '../__fixtures__/temporary-registry.js';
import type { Registry } from '../index.js';

let registry: Registry;
let cleanup: () => Promise<void>;

beforeEach(async () => {
  ({ registry, cleanup } = await temporaryRegistry({ metricFlushIntervalMs: 10_000 }));
});
afterEach(async () => {
  await cleanup();
});

describe('Run', () => {
  it('records params, tags, inputs and code version given at start', async () => {
    const run = await registry.startRun({
      experiment: 'churn',
      name: 'baseline',
      params: { lr: 0.01, optimizer: 'adam', shuffle: true },
      tags: { team: 'growth' },
      inputs: ['sha256:aa', 'sha256:bb'],
      codeVersion: 'abc123',
    });
    const record = await run.info();
    expect(record).toMatchObject({
      id: run.id,
      experiment: 'churn',
      name: 'baseline',
      status: 'running',
      codeVersion: 'abc123',
      createdBy: 'tester',
      params: { lr: 0.01, optimizer: 'adam', shuffle: true },
      tags: { team: 'growth' },
      inputs: ['sha256:aa', 'sha256:bb'],
    });
    expect(typeof record.params.lr).toBe('number');
    expect(typeof record.params.shuffle).toBe('boolean');
    expect((await registry.getExperiment('churn')).name).toBe('churn');
  });

  it('keeps params immutable: same value is a no-op, a different value a ConflictError that writes nothing', async () => {
    const run = await registry.startRun({ params: { lr: 0.01 } });
    await run.logParams({ lr: 0.01, epochs: 3 });
    const attempt = run.logParams({ lr: 0.02, batch: 64 });
    await expect(attempt).rejects.toBeInstanceOf(ConflictError);
    await expect(attempt).rejects.toThrow(/"lr" is 0.01, not 0.02/);
    expect((await run.info()).params).toEqual({ lr: 0.01, epochs: 3 });
    await expect(run.logParams({ lr: '0.01' })).rejects.toBeInstanceOf(ConflictError);
  });

  it('rejects params that are not strings, finite numbers or booleans', async () => {
    const run = await registry.startRun();
    await expect(run.logParams({ lr: Number.NaN })).rejects.toBeInstanceOf(ValidationError);
    await expect(run.logParams({ nested: { a: 1 } as never })).rejects.toBeInstanceOf(
      ValidationError,
    );
    await expect(run.logParams({ '': 1 })).rejects.toBeInstanceOf(ValidationError);
  });

  it('appends metrics in batches and returns the history by step, including NaN and infinity', async () => {
    const run = await registry.startRun();
    for (let step = 0; step < 50; step++) {
      await run.logMetrics(
        { loss: 1 / (step + 1), acc: step / 50 },
        { step, timestamp: 1_000 + step },
      );
    }
    await run.logMetrics({ loss: Number.NaN }, { step: 50 });
    await run.logMetrics({ loss: Number.POSITIVE_INFINITY }, { step: 51 });
    const history = await run.metricHistory('loss');
    expect(history).toHaveLength(52);
    expect(history[0]).toEqual({ step: 0, value: 1, timestamp: new Date(1_000) });
    expect(history[9]!.value).toBeCloseTo(0.1);
    expect(history[50]!.value).toBeNaN();
    expect(history[51]!.value).toBe(Number.POSITIVE_INFINITY);
    expect(await registry.metricHistory(run.id, 'loss', { fromStep: 10, toStep: 12 })).toHaveLength(
      2,
    );
    const record = await run.info();
    expect(record.metrics.loss).toBe(Number.POSITIVE_INFINITY);
    expect(record.metrics.acc).toBeCloseTo(49 / 50);
  });

  it('accepts logMetrics(step, values) and numbers steps itself when none is given', async () => {
    const run = await registry.startRun();
    await run.logMetrics(5, { loss: 0.5 });
    await run.logMetrics({ loss: 0.4 });
    await run.logMetrics({ loss: 0.3 });
    expect((await run.metricHistory('loss')).map((point) => point.step)).toEqual([5, 6, 7]);
  });

  it('keeps the latest metric by step, not by arrival order', async () => {
    const run = await registry.startRun();
    await run.logMetrics({ loss: 0.1 }, { step: 10 });
    await run.flush();
    await run.logMetrics({ loss: 0.9 }, { step: 2 });
    expect((await run.info()).metrics.loss).toBe(0.1);
  });

  it('buffers metric points until flush', async () => {
    const run = await registry.startRun();
    await run.logMetrics({ loss: 1 }, { step: 0 });
    expect(await registry.metricHistory(run.id, 'loss')).toHaveLength(0);
    await run.flush();
    expect(await registry.metricHistory(run.id, 'loss')).toHaveLength(1);
  });

  it('rejects bad metric values and steps with a ValidationError', async () => {
    const run = await registry.startRun();
    await expect(run.logMetrics({ loss: '1' as never })).rejects.toBeInstanceOf(ValidationError);
    await expect(run.logMetrics({ loss: 1 }, { step: -1 })).rejects.toBeInstanceOf(ValidationError);
    await expect(run.logMetrics({ loss: 1 }, { step: 1.5 })).rejects.toBeInstanceOf(
      ValidationError,
    );
  });

  it('stores artifacts in the core store, immutable by name', async () => {
    const run = await registry.startRun();
    const artifact = await run.logArtifact('weights.bin', new Uint8Array([1, 2, 3]));
    expect(artifact.size).toBe(3);
    expect(Array.from(await registry.store.read(artifact.digest))).toEqual([1, 2, 3]);
    const again = await run.logArtifact('weights.bin', new Uint8Array([1, 2, 3]));
    expect(again.digest).toBe(artifact.digest);
    await expect(run.logArtifact('weights.bin', new Uint8Array([9]))).rejects.toBeInstanceOf(
      ConflictError,
    );
    const reference = await run.logArtifact('copy', { digest: artifact.digest });
    expect(reference.size).toBe(3);
    await expect(
      run.logArtifact('missing', { digest: `sha256:${'0'.repeat(64)}` }),
    ).rejects.toBeInstanceOf(NotFoundError);
    expect((await run.info()).artifacts.map((entry) => entry.name)).toEqual([
      'copy',
      'weights.bin',
    ]);
  });

  it('ends once, flushing metrics; later logging is a ConflictError, tags still allowed', async () => {
    const run = await registry.startRun();
    await run.logMetrics({ loss: 1 }, { step: 0 });
    await run.end('failed');
    await run.end('finished');
    const record = await run.info();
    expect(record.status).toBe('failed');
    expect(record.endedAt).toBeInstanceOf(Date);
    expect(await run.metricHistory('loss')).toHaveLength(1);
    await expect(run.logMetrics({ loss: 2 })).rejects.toBeInstanceOf(ConflictError);
    await expect(run.logParams({ late: 1 })).rejects.toBeInstanceOf(ConflictError);
    await run.setTags({ note: 'diverged' });
    expect((await registry.getRun(run.id)).tags).toEqual({ note: 'diverged' });
  });

  it('reopens a run by id to keep recording, and rejects unknown ids', async () => {
    const run = await registry.startRun({ experiment: 'resume' });
    const reopened = await registry.openRun(run.id);
    await reopened.logMetrics({ loss: 1 }, { step: 3 });
    await reopened.end();
    expect(await registry.metricHistory(run.id, 'loss')).toHaveLength(1);
    await expect(registry.openRun('nope')).rejects.toBeInstanceOf(NotFoundError);
  });

  it('throws a failed background metric write at the next call', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    try {
      const run = await registry.startRun();
      await (await registry.openRun(run.id)).end('killed');
      await run.logMetrics({ loss: 1 }, { step: 0 });
      vi.advanceTimersByTime(10_000);
      // The timer's write runs on the real database; give it 1 s of event-loop turns to fail.
      const until = Date.now() + 1000;
      while (Date.now() < until) await new Promise((resolve) => setImmediate(resolve));
      const error = await run
        .logMetrics({ loss: 2 }, { step: 1 })
        .catch((caught: unknown) => caught);
      expect(ConflictError.isInstance(error)).toBe(true);
      expect(String(error)).toMatch(/has ended \(killed\)/);
    } finally {
      vi.useRealTimers();
    }
  });

  it('flushes open runs when the registry closes', async () => {
    const {
      registry: other,
      folder,
      database,
    } = await temporaryRegistry({
      metricFlushIntervalMs: 60_000,
    });
    const run = await other.startRun();
    await run.logMetrics({ loss: 1 }, { step: 0 });
    await other.close();
    const { openRegistry } = await import('../index.js');
    const reopened = await openRegistry({ url: database, store: folder });
    expect(await reopened.metricHistory(run.id, 'loss')).toHaveLength(1);
    await reopened.close();
  });
});

describe('searchRuns', () => {
  async function seed(): Promise<string[]> {
    const ids: string[] = [];
    for (let index = 0; index < 7; index++) {
      const run = await registry.startRun({
        experiment: index < 5 ? 'search' : 'other',
        name: `run-${index}`,
        params: { lr: index / 10, optimizer: index % 2 === 0 ? 'adam' : 'sgd' },
        tags: { parity: index % 2 === 0 ? 'even' : 'odd' },
      });
      if (index !== 3) await run.logMetrics({ val_loss: 1 - index / 10 }, { step: 1 });
      await run.end(index === 4 ? 'failed' : 'finished');
      ids.push(run.id);
    }
    return ids;
  }

  it('filters on metrics, params, tags and attributes and orders by a metric', async () => {
    const ids = await seed();
    const page = await registry.searchRuns({
      experiment: 'search',
      filter: "metrics.val_loss < 0.95 and params.optimizer = 'adam' and status = 'finished'",
      orderBy: 'metrics.val_loss ASC',
    });
    expect(page.runs.map((run) => run.id)).toEqual([ids[2]]);
    const byTag = await registry.searchRuns({
      filter: "tags.parity = 'odd'",
      orderBy: 'name DESC',
    });
    expect(byTag.runs.map((run) => run.name)).toEqual(['run-5', 'run-3', 'run-1']);
    const numericParam = await registry.searchRuns({
      filter: 'params.lr >= 0.3',
      orderBy: 'params.lr ASC',
    });
    expect(numericParam.runs.map((run) => run.name)).toEqual(['run-3', 'run-4', 'run-5', 'run-6']);
    const like = await registry.searchRuns({ filter: "name LIKE 'run-1%'" });
    expect(like.runs.map((run) => run.name)).toEqual(['run-1']);
  });

  it('sorts runs without the metric last in both directions', async () => {
    const ids = await seed();
    const ascending = await registry.searchRuns({
      experiment: 'search',
      orderBy: 'metrics.val_loss ASC',
    });
    expect(ascending.runs.map((run) => run.id)).toEqual([ids[4], ids[2], ids[1], ids[0], ids[3]]);
    const descending = await registry.searchRuns({
      experiment: 'search',
      orderBy: 'metrics.val_loss DESC',
    });
    expect(descending.runs.map((run) => run.id)).toEqual([ids[0], ids[1], ids[2], ids[4], ids[3]]);
  });

  it('pages through results with page tokens tied to the query', async () => {
    await seed();
    const seen: string[] = [];
    let pageToken: string | undefined;
    let pages = 0;
    do {
      const page = await registry.searchRuns({
        orderBy: 'name ASC',
        limit: 3,
        ...(pageToken ? { pageToken } : {}),
      });
      seen.push(...page.runs.map((run) => run.name!));
      pageToken = page.nextPageToken;
      pages++;
    } while (pageToken !== undefined);
    expect(pages).toBe(3);
    expect(seen).toEqual(['run-0', 'run-1', 'run-2', 'run-3', 'run-4', 'run-5', 'run-6']);
    const first = await registry.searchRuns({ orderBy: 'name ASC', limit: 3 });
    await expect(
      registry.searchRuns({ orderBy: 'name DESC', limit: 3, pageToken: first.nextPageToken! }),
    ).rejects.toBeInstanceOf(ValidationError);
    await expect(registry.searchRuns({ pageToken: 'garbage' })).rejects.toBeInstanceOf(
      ValidationError,
    );
  });

  it('rejects malformed filters and orders with a ValidationError naming the fix', async () => {
    await expect(registry.searchRuns({ filter: 'metrics.loss <' })).rejects.toThrow(
      /Incomplete clause/,
    );
    await expect(registry.searchRuns({ filter: 'bogus.x = 1' })).rejects.toThrow(/Unknown field/);
    await expect(registry.searchRuns({ filter: "metrics.loss = 'a'" })).rejects.toThrow(
      /compare with numbers/,
    );
    await expect(registry.searchRuns({ filter: 'status = 1 or status = 2' })).rejects.toThrow(
      /only AND/,
    );
    await expect(registry.searchRuns({ orderBy: 'metrics.loss SIDEWAYS' })).rejects.toBeInstanceOf(
      ValidationError,
    );
  });
});
