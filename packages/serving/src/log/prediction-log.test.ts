import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createStore } from '@mlinfra/core';
import { openDatasets, readParquet as readParquetFile } from '@mlinfra/datasets';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { linearPredictor } from '../__fixtures__/predictors.js';
import {
  createJsonlSink,
  createParquetSink,
  createPredictionService,
  type PredictionRecord,
} from '../index.js';
import { PredictionLog } from './prediction-log.js';

const record = (id: string, inputs: unknown = [1, 2, 3]): PredictionRecord => ({
  id,
  row: 0,
  time: '2026-01-01T00:00:00.000Z',
  model: 'm',
  version: '1',
  inputs,
  outputs: [0.5],
  latencyMs: 1.5,
});

/** hyparquet, the reader @mlinfra/datasets uses, resolved through hyparquet-writer's own dependency. */
async function readParquet(path: string): Promise<Record<string, unknown>[]> {
  const writer = createRequire(import.meta.url).resolve('hyparquet-writer');
  const reader = createRequire(writer).resolve('hyparquet');
  const hyparquet = (await import(pathToFileURL(reader).href)) as {
    parquetReadObjects(options: { file: ArrayBuffer }): Promise<Record<string, unknown>[]>;
  };
  const bytes = await readFile(path);
  return hyparquet.parquetReadObjects({
    file: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength),
  });
}

describe('PredictionLog', () => {
  it('drops and counts records instead of blocking when the sink is slow', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const written: PredictionRecord[] = [];
    let dropped = 0;
    const log = new PredictionLog({
      sink: {
        write: async (records) => {
          await gate;
          written.push(...records);
        },
      },
      sampleRate: 1,
      maxPending: 10,
      maxBatch: 5,
      flushIntervalMs: 1,
      onDropped: (count) => (dropped += count),
      onWritten: () => undefined,
      onError: () => undefined,
    });
    for (let i = 0; i < 30; i++) log.add([record(String(i))]);
    expect(dropped).toBeGreaterThan(0);
    expect(log.size).toBeLessThanOrEqual(10);
    release();
    await log.close();
    expect(written.length + dropped).toBe(30);
  });

  it('counts records of a failing sink as dropped and keeps going', async () => {
    let dropped = 0;
    let calls = 0;
    const log = new PredictionLog({
      sink: {
        write: () => {
          calls++;
          if (calls === 1) throw new Error('disk full');
        },
      },
      sampleRate: 1,
      maxPending: 100,
      maxBatch: 2,
      flushIntervalMs: 1,
      onDropped: (count) => (dropped += count),
      onWritten: () => undefined,
      onError: () => undefined,
    });
    log.add([record('a'), record('b'), record('c')]);
    await log.close();
    expect(dropped).toBe(2);
    expect(calls).toBe(2);
  });

  it('samples about sampleRate of requests', () => {
    const log = new PredictionLog({
      sink: { write: () => undefined },
      sampleRate: 0.25,
      maxPending: 1,
      maxBatch: 1,
      flushIntervalMs: 1,
      onDropped: () => undefined,
      onWritten: () => undefined,
      onError: () => undefined,
    });
    let sampled = 0;
    for (let i = 0; i < 4000; i++) if (log.sample()) sampled++;
    expect(sampled / 4000).toBeGreaterThan(0.2);
    expect(sampled / 4000).toBeLessThan(0.3);
  });
});

describe('sinks', () => {
  let folder: string;
  beforeEach(async () => {
    folder = await mkdtemp(join(tmpdir(), 'serving-log-'));
  });
  afterEach(async () => {
    await rm(folder, { recursive: true, force: true });
  });

  it('writes one JSON record per predicted row from a served model to a JSONL file', async () => {
    const path = join(folder, 'nested', 'predictions.jsonl');
    const service = createPredictionService({
      models: [{ name: 'linear', predictor: linearPredictor() }],
      log: { sink: createJsonlSink({ path }) },
    });
    await service.ready();
    await service.infer('linear', {
      id: 'abc',
      inputs: [{ name: 'x', shape: [2, 3], datatype: 'FP32', data: [1, 0, 0, 0, 1, 0] }],
    });
    await service.predict('linear', [{ f0: 1, f1: 1, f2: 1 }]);
    await service.close();
    const lines = (await readFile(path, 'utf8'))
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as PredictionRecord);
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatchObject({
      id: 'abc',
      row: 0,
      model: 'linear',
      version: '1',
      inputs: [1, 0, 0],
      outputs: [1],
    });
    expect(lines[1]).toMatchObject({ id: 'abc', row: 1, inputs: [0, 1, 0], outputs: [2] });
    expect(lines[2]).toMatchObject({ row: 0, inputs: { f0: 1, f1: 1, f2: 1 }, outputs: [6] });
    expect(lines[2]!.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(
      lines.every(
        (line) => typeof line.latencyMs === 'number' && !Number.isNaN(Date.parse(line.time)),
      ),
    ).toBe(true);
  });

  it('rotates JSONL files by size', async () => {
    const sink = createJsonlSink({ directory: folder, maxFileBytes: 300 });
    for (let i = 0; i < 6; i++) await sink.write([record(String(i))]);
    const files = (await readdir(folder)).sort();
    expect(files.length).toBeGreaterThan(1);
    expect(files.every((file) => /^predictions-\d{8}T\d+Z-\d{6}\.jsonl$/.test(file))).toBe(true);
    let total = 0;
    for (const file of files)
      total += (await readFile(join(folder, file), 'utf8')).trim().split('\n').length;
    expect(total).toBe(6);
  });

  it('writes rotated Parquet files that hyparquet reads back, one column per feature', async () => {
    const sink = createParquetSink({ directory: folder, maxRecordsPerFile: 3 });
    await sink.write([
      record('a', { age: 30, plan: 'pro' }),
      record('b', { age: 41, plan: 'free' }),
    ]);
    await sink.write([record('c', { age: 25, plan: null }), record('d', { age: 50, plan: 'pro' })]);
    await sink.write([record('e', { age: 60, plan: 'free' })]);
    await sink.close?.();
    const files = (await readdir(folder)).sort();
    expect(files).toHaveLength(2);
    expect(files.every((file) => file.endsWith('.parquet'))).toBe(true);
    const first = await readParquet(join(folder, files[0]!));
    const second = await readParquet(join(folder, files[1]!));
    expect(first.map((row) => row._id)).toEqual(['a', 'b', 'c', 'd']);
    expect(first[0]).toMatchObject({
      _model: 'm',
      _version: '1',
      _row: 0,
      _latency_ms: 1.5,
      _shadow: false,
      age: 30,
      plan: 'pro',
      output_0: 0.5,
    });
    expect(first[2]!.plan).toBeNull();
    expect(second.map((row) => [row._id, row.age])).toEqual([['e', 60]]);
  });

  it('puts every finished file in a store under a ref, where gc keeps it and datasets reads it', async () => {
    const store = createStore(join(folder, 'store'));
    const sink = createParquetSink({
      directory: join(folder, 'log'),
      maxRecordsPerFile: 2,
      store,
      name: 'churn',
    });
    await sink.write([record('a', { age: 30 }), record('b', { age: 41 })]);
    await sink.write([record('c', { age: 25 })]);
    await sink.close?.();
    const refs = await store.refs.list('serving/predictions/churn/');
    expect(refs).toHaveLength(2);
    await store.gc({ graceMs: 0 });
    const ids: unknown[] = [];
    for (const ref of refs) {
      const digest = (await store.refs.get(ref))!;
      const { columns } = await readParquetFile(await store.read(digest));
      ids.push(...(columns._id as unknown[]));
    }
    expect(ids.sort()).toEqual(['a', 'b', 'c']);
    expect(() => createParquetSink({ directory: folder, store, name: 'bad/name' })).toThrow(/name/);
  });

  it('writes Parquet that @mlinfra/datasets reads and commits as a dataset version', async () => {
    const sink = createParquetSink({ directory: folder });
    await sink.write([
      record('a', { age: 30, plan: 'pro' }),
      record('b', { age: 41, plan: 'free' }),
    ]);
    await sink.close?.();
    const [file] = await readdir(folder);
    const { columns, rowCount } = await readParquetFile(join(folder, file!));
    expect(rowCount).toBe(2);
    expect(Array.from(columns.age as ArrayLike<number>)).toEqual([30, 41]);
    expect(Array.from(columns._id as ArrayLike<string>)).toEqual(['a', 'b']);
    const datasets = openDatasets({ store: join(folder, 'store') });
    const version = await datasets.commit('prediction-log', join(folder, file!));
    expect(version.rowCount).toBe(2);
  });

  it('rejects sink options without a destination, or with an unknown key', () => {
    expect(() => createJsonlSink({})).toThrow(/exactly one of "path"/);
    expect(() => createParquetSink({ directory: '' })).toThrow(/directory/);
    expect(() => createParquetSink({ directory: 'logs', maxRecordsPerFle: 10 } as never)).toThrow(
      /(Unrecognized|Unknown) key:? "maxRecordsPerFle"/,
    );
    expect(() => createJsonlSink({ path: 'log.jsonl', maxFileByte: 1 } as never)).toThrow(
      /(Unrecognized|Unknown) key:? "maxFileByte"/,
    );
  });

  it('logs shadow and primary records from a served model into Parquet', async () => {
    const service = createPredictionService({
      models: [{ name: 'linear', predictor: linearPredictor() }],
      log: { sink: createParquetSink({ directory: folder }) },
    });
    await service.ready();
    await service.infer('linear', {
      inputs: [{ name: 'x', shape: [1, 3], datatype: 'FP32', data: [1, 2, 3] }],
    });
    await service.close();
    const files = await readdir(folder);
    expect(files).toHaveLength(1);
    const rows = await readParquet(join(folder, files[0]!));
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      _model: 'linear',
      input_0: 1,
      input_1: 2,
      input_2: 3,
      output_0: 14,
    });
  });
});
