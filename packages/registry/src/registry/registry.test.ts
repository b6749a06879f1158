import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConflictError, IntegrityError, NotFoundError, ValidationError } from '@mlinfra/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { temporaryRegistry } from '../__fixtures__/temporary-registry.js';
import { openRegistry, PromotionRefusedError, type Registry } from '../index.js';

let registry: Registry;
let folder: string;
let database: string;
let cleanup: () => Promise<void>;
const bytes = (text: string) => new TextEncoder().encode(text);

beforeEach(async () => {
  ({ registry, folder, database, cleanup } = await temporaryRegistry());
});
afterEach(async () => {
  await cleanup();
});

describe('registerModel', () => {
  it('numbers versions 1, 2, 3 and stores the artifact, signature, metrics and tags', async () => {
    const run = await registry.startRun({ inputs: ['dataset-v1'] });
    const first = await registry.registerModel('churn', {
      artifact: bytes('weights-1'),
      run,
      signature: { inputs: [{ name: 'age', type: 'float32' }] },
      metrics: { auc: 0.9 },
      slices: { 'country=DE': { auc: 0.88 } },
      tags: { framework: 'tfjs' },
      description: 'first',
    });
    const second = await registry.registerModel('churn', { artifact: bytes('weights-2') });
    const third = await registry.registerModel('churn', { artifact: second.artifact });
    expect([first.version, second.version, third.version]).toEqual([1, 2, 3]);
    expect(third.artifact).toBe(second.artifact);
    const stored = await registry.getVersion('churn', 1);
    expect(stored).toEqual(first);
    expect(stored).toMatchObject({
      runId: run.id,
      signature: { inputs: [{ name: 'age', type: 'float32' }] },
      approval: { status: 'pending' },
      createdBy: 'tester',
    });
    expect(new TextDecoder().decode(await registry.readArtifact('churn/1'))).toBe('weights-1');
    const model = await registry.getModel('churn');
    expect(model.latestVersion).toBe(3);
  });

  it('rejects invalid names and options with a ValidationError listing the problems', async () => {
    await expect(
      registry.registerModel('bad name!', { artifact: bytes('x') }),
    ).rejects.toBeInstanceOf(ValidationError);
    await expect(registry.registerModel('a/b', { artifact: bytes('x') })).rejects.toBeInstanceOf(
      ValidationError,
    );
    const error = await registry
      .registerModel('ok', {
        artifact: bytes('x'),
        metrics: { auc: Number.NaN },
        bogus: 1,
      } as never)
      .catch((caught: unknown) => caught);
    expect(ValidationError.isInstance(error)).toBe(true);
    expect((error as ValidationError).issues.length).toBeGreaterThanOrEqual(2);
    await expect(
      registry.registerModel('ok', { artifact: 'not-a-digest' as never }),
    ).rejects.toThrow(/sha256/);
    await expect(registry.getModel('ok')).rejects.toBeInstanceOf(NotFoundError);
  });

  it('registers an artifact that the run logged, by its name', async () => {
    const run = await registry.startRun();
    const logged = await run.logArtifact('model', bytes('manifest'));
    const version = await registry.registerModel('named', { run: run.id, artifact: 'model' });
    expect(version.artifact).toBe(logged.digest);
    await expect(registry.registerModel('named', { run, artifact: 'missing' })).rejects.toThrow(
      /no artifact named "missing"/,
    );
  });

  it('refuses an unknown run or an unknown artifact digest with a NotFoundError', async () => {
    await expect(
      registry.registerModel('m', { artifact: bytes('x'), run: 'missing' }),
    ).rejects.toBeInstanceOf(NotFoundError);
    await expect(
      registry.registerModel('m', { artifact: `sha256:${'1'.repeat(64)}` }),
    ).rejects.toBeInstanceOf(NotFoundError);
    await expect(registry.getModel('m')).rejects.toBeInstanceOf(NotFoundError);
  });

  it('detects a corrupted artifact with an IntegrityError at registration and at read', async () => {
    const { digest } = await registry.store.put('good bytes');
    await registry.registerModel('m', { artifact: digest });
    const hex = digest.slice('sha256:'.length);
    const path = join(folder, 'blobs', 'sha256', hex.slice(0, 2), hex.slice(2));
    chmodSync(path, 0o644);
    writeFileSync(path, 'evil bytes');
    await expect(registry.readArtifact('m@latest')).rejects.toBeInstanceOf(IntegrityError);
    // Re-hashing at registration is on demand (verifyArtifacts: 'hash').
    const strict = await openRegistry({
      url: database,
      store: registry.store,
      verifyArtifacts: 'hash',
    });
    await expect(strict.registerModel('m', { artifact: digest })).rejects.toBeInstanceOf(
      IntegrityError,
    );
    await strict.close();
    expect((await registry.getModel('m')).latestVersion).toBe(1);
  });
});

describe('aliases and resolve', () => {
  beforeEach(async () => {
    for (let index = 1; index <= 3; index++) {
      await registry.registerModel('churn', {
        artifact: bytes(`w${index}`),
        metrics: { auc: 0.8 + index / 100 },
      });
    }
  });

  it('resolves name@alias, name/version, name@latest and a bare name', async () => {
    await registry.setAlias('churn', 'champion', 2);
    const champion = await registry.resolve('churn@champion');
    expect(champion).toMatchObject({ name: 'churn', version: 2, aliases: ['champion'] });
    expect((await registry.resolve('churn/1')).version).toBe(1);
    expect((await registry.resolve('churn@latest')).version).toBe(3);
    expect((await registry.resolve('churn')).version).toBe(3);
    await registry.setAlias('churn', 'champion', 3);
    expect((await registry.resolve('churn@champion')).version).toBe(3);
    expect((await registry.getVersion('churn', 2)).aliases).toEqual([]);
    expect((await registry.getModel('churn')).aliases).toEqual({ champion: 3 });
  });

  it('gives NotFoundError for unknown models, aliases and versions, and ValidationError for malformed references', async () => {
    await expect(registry.resolve('nope@champion')).rejects.toBeInstanceOf(NotFoundError);
    await expect(registry.resolve('churn@ghost')).rejects.toThrow(/no alias "ghost"/);
    await expect(registry.resolve('churn/9')).rejects.toThrow(/versions are 1 to 3/);
    await expect(registry.resolve('churn extra')).rejects.toBeInstanceOf(ValidationError);
    await expect(registry.resolve('churn/0')).rejects.toBeInstanceOf(ValidationError);
    await expect(registry.resolve('churn@')).rejects.toBeInstanceOf(ValidationError);
    await expect(registry.setAlias('churn', 'champion', 9)).rejects.toBeInstanceOf(NotFoundError);
    await expect(registry.setAlias('churn', 'latest', 1)).rejects.toThrow(/reserved/);
    await expect(registry.setAlias('churn', '9lives', 1)).rejects.toBeInstanceOf(ValidationError);
    await expect(registry.deleteAlias('churn', 'champion')).rejects.toBeInstanceOf(NotFoundError);
  });

  it('deletes aliases', async () => {
    await registry.setAlias('churn', 'staging', 1);
    await registry.deleteAlias('churn', 'staging');
    await expect(registry.resolve('churn@staging')).rejects.toBeInstanceOf(NotFoundError);
  });

  it('pages through versions with keyset tokens in both orders', async () => {
    for (let index = 4; index <= 10; index++)
      await registry.registerModel('churn', { artifact: bytes(`w${index}`) });
    const seen: number[] = [];
    let pageToken: string | undefined;
    do {
      const page = await registry.listVersions('churn', {
        limit: 4,
        ...(pageToken ? { pageToken } : {}),
      });
      seen.push(...page.versions.map((version) => version.version));
      pageToken = page.nextPageToken;
    } while (pageToken !== undefined);
    expect(seen).toEqual([10, 9, 8, 7, 6, 5, 4, 3, 2, 1]);
    const ascending = await registry.listVersions('churn', { order: 'asc', limit: 3 });
    expect(ascending.versions.map((version) => version.version)).toEqual([1, 2, 3]);
    await expect(
      registry.listVersions('churn', { order: 'desc', pageToken: ascending.nextPageToken! }),
    ).rejects.toBeInstanceOf(ValidationError);
    await expect(registry.listVersions('ghost')).rejects.toBeInstanceOf(NotFoundError);
  });

  it('lists models by name a page at a time', async () => {
    await registry.createModel('alpha', { description: 'first', tags: { owner: 'ml' } });
    await expect(registry.createModel('alpha')).rejects.toBeInstanceOf(ConflictError);
    await registry.registerModel('zeta', { artifact: bytes('z') });
    const first = await registry.listModels({ limit: 2 });
    expect(first.models.map((model) => model.name)).toEqual(['alpha', 'churn']);
    expect(first.models[0]).toMatchObject({
      description: 'first',
      tags: { owner: 'ml' },
      latestVersion: 0,
    });
    const second = await registry.listModels({ limit: 2, pageToken: first.nextPageToken! });
    expect(second.models.map((model) => model.name)).toEqual(['zeta']);
    expect(second.nextPageToken).toBeUndefined();
  });
});

describe('tags, approval and audit log', () => {
  it('sets and deletes model and version tags', async () => {
    await registry.registerModel('m', { artifact: bytes('a'), tags: { stage: 'dev' } });
    await registry.setModelTags('m', { owner: 'ml', tier: '1' });
    await registry.deleteModelTags('m', ['tier']);
    await registry.setVersionTags('m', 1, { stage: 'prod', reviewed: 'yes' });
    await registry.deleteVersionTags('m', 1, ['reviewed']);
    expect((await registry.getModel('m')).tags).toEqual({ owner: 'ml' });
    expect((await registry.getVersion('m', 1)).tags).toEqual({ stage: 'prod' });
    await expect(registry.setVersionTags('m', 2, { a: 'b' })).rejects.toBeInstanceOf(NotFoundError);
    await expect(registry.setModelTags('m', { n: 1 as never })).rejects.toBeInstanceOf(
      ValidationError,
    );
  });

  it('records approval with who, when and why', async () => {
    await registry.registerModel('m', { artifact: bytes('a') });
    const approved = await registry.setApproval('m', 1, {
      status: 'approved',
      by: 'alice',
      reason: 'passed review',
    });
    expect(approved.approval).toMatchObject({
      status: 'approved',
      by: 'alice',
      reason: 'passed review',
    });
    expect(approved.approval.at).toBeInstanceOf(Date);
    const rejected = await registry.setApproval('m', 1, {
      status: 'rejected',
      reason: 'bias found',
    });
    expect(rejected.approval).toMatchObject({
      status: 'rejected',
      by: 'tester',
      reason: 'bias found',
    });
    await expect(registry.setApproval('m', 1, { status: 'maybe' as never })).rejects.toBeInstanceOf(
      ValidationError,
    );
    const audit = await registry.auditLog({ model: 'm' });
    const approvals = audit.filter((event) => event.action === 'version.approval');
    expect(
      approvals.map((event) => [event.actor, event.details.status, event.details.previousStatus]),
    ).toEqual([
      ['alice', 'approved', 'pending'],
      ['tester', 'rejected', 'approved'],
    ]);
  });

  it('appends an audit entry for every change, with increasing ids', async () => {
    await registry.registerModel('m', { artifact: bytes('a') });
    await registry.registerModel('m', { artifact: bytes('b') });
    await registry.setAlias('m', 'champion', 1);
    await registry.setAlias('m', 'champion', 1);
    await registry.setAlias('m', 'champion', 2);
    await registry.deleteAlias('m', 'champion');
    const events = await registry.auditLog({ model: 'm' });
    expect(events.map((event) => `${event.action}:${event.version ?? ''}`)).toEqual([
      'model.created:',
      'version.created:1',
      'version.created:2',
      'alias.set:1',
      'alias.set:2',
      'alias.deleted:2',
    ]);
    expect(events[4]!.details.previousVersion).toBe(1);
    const ids = events.map((event) => event.id);
    expect([...ids].sort((a, b) => a - b)).toEqual(ids);
    expect(await registry.auditLog({ model: 'm', afterId: ids[3]! })).toHaveLength(2);
  });
});

describe('lineage', () => {
  it('links versions to runs and datasets, and answers the reverse question', async () => {
    const run = await registry.startRun({ inputs: ['data@1', 'data@2'], params: { lr: 0.1 } });
    const other = await registry.startRun({ inputs: ['data@2'] });
    await registry.registerModel('a', { artifact: bytes('a'), run });
    await registry.registerModel('b', { artifact: bytes('b'), run: other.id });
    await registry.registerModel('b', { artifact: bytes('c') });
    await registry.setAlias('a', 'champion', 1);
    const lineage = await registry.lineage('a', 1);
    expect(lineage.datasets).toEqual(['data@1', 'data@2']);
    expect(lineage.run?.params).toEqual({ lr: 0.1 });
    expect(lineage.version.aliases).toEqual(['champion']);
    expect((await registry.lineage('b', 2)).run).toBeUndefined();
    expect(await registry.versionsTrainedOn('data@2')).toEqual([
      { name: 'a', version: 1, runId: run.id },
      { name: 'b', version: 1, runId: other.id },
    ]);
    expect(await registry.versionsTrainedOn('data@9')).toEqual([]);
  });
});

describe('promote', () => {
  beforeEach(async () => {
    await registry.registerModel('churn', {
      artifact: bytes('v1'),
      metrics: { auc: 0.9, latency_ms: 10 },
      slices: { 'country=DE': { auc: 0.88 }, 'country=FR': { auc: 0.86 } },
    });
    await registry.registerModel('churn', {
      artifact: bytes('v2'),
      metrics: { auc: 0.91, latency_ms: 12 },
      slices: { 'country=DE': { auc: 0.89 }, 'country=FR': { auc: 0.852 } },
    });
    await registry.setAlias('churn', 'champion', 1);
  });

  it('refuses when a slice drops more than allowed, with a report, and changes nothing', async () => {
    const before = await registry.auditLog();
    const error = await registry
      .promote('churn', 2, 'champion', {
        gates: [{ metric: 'auc', maxRegression: 0.005, slices: 'all' }],
      })
      .catch((caught: unknown) => caught);
    expect(PromotionRefusedError.isInstance(error)).toBe(true);
    expect(ConflictError.isInstance(error)).toBe(true);
    const report = (error as PromotionRefusedError).report;
    expect(report.failures).toHaveLength(1);
    expect(report.failures[0]).toMatchObject({
      slice: 'country=FR',
      candidate: 0.852,
      baseline: 0.86,
      passed: false,
    });
    expect(report.checks).toHaveLength(3);
    expect((await registry.resolve('churn@champion')).version).toBe(1);
    expect(await registry.auditLog()).toEqual(before);
  });

  it('promotes when every gate passes and records it in the audit log', async () => {
    const report = await registry.promote('churn', 2, 'champion', {
      gates: [
        { metric: 'auc', min: 0.85, maxRegression: 0.01, slices: 'all' },
        { metric: 'latency_ms', higherIsBetter: false, max: 20, maxRegression: 5 },
      ],
    });
    expect(report).toMatchObject({ promoted: true, previousVersion: 1, failures: [] });
    expect((await registry.resolve('churn@champion')).version).toBe(2);
    const last = (await registry.auditLog({ model: 'churn' })).at(-1)!;
    expect(last).toMatchObject({ action: 'alias.set', alias: 'champion', version: 2 });
    expect(last.details.previousVersion).toBe(1);
  });

  it('checks absolute thresholds when the alias is unset and lower-is-better metrics', async () => {
    await expect(
      registry.promote('churn', 2, 'production', {
        gates: [{ metric: 'latency_ms', higherIsBetter: false, max: 11 }],
      }),
    ).rejects.toThrow(/latency_ms 12 > max 11/);
    const report = await registry.promote('churn', 2, 'production', {
      gates: [{ metric: 'auc', min: 0.9, maxRegression: 0 }],
    });
    expect(report.promoted).toBe(true);
    expect(report.checks[0]!.reason).toMatch(/no current holder/);
  });

  it('fails a gate whose metric the candidate lacks, and a named slice it lacks', async () => {
    await expect(
      registry.promote('churn', 2, 'champion', { gates: [{ metric: 'f1', min: 0 }] }),
    ).rejects.toThrow(/no f1 overall/);
    await expect(
      registry.promote('churn', 2, 'champion', {
        gates: [{ metric: 'auc', slices: ['country=US'] }],
      }),
    ).rejects.toThrow(/country=US/);
  });

  it('returns the report without moving the alias on a dry run, and can require approval', async () => {
    const dry = await registry.promote('churn', 2, 'champion', {
      gates: [{ metric: 'auc', maxRegression: 0.005, slices: 'all' }],
      dryRun: true,
    });
    expect(dry.promoted).toBe(false);
    expect(dry.failures).toHaveLength(1);
    await expect(
      registry.promote('churn', 2, 'champion', { requireApproval: true }),
    ).rejects.toThrow(/approve it/);
    await registry.setApproval('churn', 2, { status: 'approved' });
    expect(
      (await registry.promote('churn', 2, 'champion', { requireApproval: true })).promoted,
    ).toBe(true);
    await expect(
      registry.promote('churn', 2, 'champion', { gates: [{ metric: 'auc', min: 'x' as never }] }),
    ).rejects.toBeInstanceOf(ValidationError);
  });
});

describe('openRegistry', () => {
  it('refuses unknown schemes and bad options, naming what to use', async () => {
    await expect(openRegistry({ url: 'mysql://x' })).rejects.toThrow(/SQLite file path/);
    await expect(openRegistry({ busyTimeoutMs: -1 })).rejects.toBeInstanceOf(ValidationError);
    await expect(openRegistry({ colour: 'blue' } as never)).rejects.toBeInstanceOf(ValidationError);
  });

  it('keeps the data across reopening', async () => {
    await registry.registerModel('m', { artifact: bytes('persist') });
    const again = await openRegistry({ database, store: folder });
    expect(new TextDecoder().decode(await again.readArtifact('m/1'))).toBe('persist');
    await again.close();
    await expect(again.resolve('m/1')).rejects.toThrow(/closed/);
  });
});
