import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BudgetExceededError, createStore, type Store } from '@mlinfra/core';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { BudgetGuard } from '../index.js';
import { money } from '../money/money.js';
import { createBudget } from './budget.js';
import { budgetGuard } from './budget-guard.js';

/**
 * A training-like loop as @mlinfra/trainer runs it: each step takes `stepMs` of (fake) time on
 * `devices` GPUs; after each step it charges the device-seconds since the last charge and, told to
 * stop, writes a checkpoint and stops.
 */
async function train(options: {
  guard: BudgetGuard;
  store: Store;
  startStep: number;
  maxSteps: number;
  stepMs: number;
  devices: number;
}) {
  let step = options.startStep;
  let last = Date.now();
  while (step < options.maxSteps) {
    vi.setSystemTime(Date.now() + options.stepMs);
    step++;
    const now = Date.now();
    const decision = await options.guard.charge(((now - last) / 1000) * options.devices, {
      device: 'gpu',
    });
    last = now;
    if (decision.stop) {
      await options.store.refs.set('runs/demo/checkpoint', String(step));
      return { step, stopped: true, decision };
    }
  }
  return { step, stopped: false, decision: undefined };
}

describe('budgetGuard', () => {
  let folder: string;
  let store: Store;
  beforeEach(async () => {
    folder = await mkdtemp(join(tmpdir(), 'mlinfra-cost-guard-'));
    store = createStore(folder);
    // Only Date is faked: the store's lock retries still use real timers.
    vi.useFakeTimers({ toFake: ['Date'], now: new Date('2026-01-01T00:00:00Z') });
  });
  afterEach(async () => {
    vi.useRealTimers();
    await rm(folder, { recursive: true, force: true });
  });

  it('stops a training loop when the budget runs out, and a resumed run stops at once', async () => {
    const alertSteps: [number, number][] = [];
    let step = 0;
    const budget = await createBudget({
      store,
      name: 'demo',
      limit: money(1, 'USD'),
      onAlert: (alert) => void alertSteps.push([alert.threshold, step]),
    });
    // p3.8xlarge: 4 x V100 at 12.24 USD/h, so one GPU-second costs 12.24 / 4 / 3600 USD = 850 micro-USD.
    const guard = budgetGuard(budget, { instance: 'p3.8xlarge', region: 'us-east-1' });
    const counting: BudgetGuard = {
      charge: async (seconds, info) => {
        step++;
        return guard.charge(seconds, info);
      },
    };
    // 10 s x 4 GPUs per step = 40 GPU-seconds = 34,000 micro-USD: the 30th step crosses 1 USD.
    const run = await train({
      guard: counting,
      store,
      startStep: 0,
      maxSteps: 1000,
      stepMs: 10_000,
      devices: 4,
    });
    expect(run).toMatchObject({ step: 30, stopped: true });
    expect(run.decision).toMatchObject({
      spent: { micros: 1_020_000, currency: 'USD' },
      remaining: { micros: 0 },
    });
    expect(run.decision?.reason).toMatch(/exhausted/);
    expect(alertSteps).toEqual([
      [0.5, 15],
      [0.8, 24],
      [1, 30],
    ]);
    expect(await store.refs.get('runs/demo/checkpoint')).toBe('30');

    // The resumed process opens the same budget from the store: it may not start, and one step stops it.
    const resumedBudget = await createBudget({
      store: createStore(folder),
      name: 'demo',
      limit: money(1, 'USD'),
    });
    await expect(resumedBudget.assertAvailable()).rejects.toSatisfy((error) =>
      BudgetExceededError.isInstance(error),
    );
    const resumed = await train({
      guard: budgetGuard(resumedBudget, { instance: 'p3.8xlarge', region: 'us-east-1' }),
      store,
      startStep: 30,
      maxSteps: 1000,
      stepMs: 10_000,
      devices: 4,
    });
    expect(resumed).toMatchObject({ step: 31, stopped: true });
    expect((await resumedBudget.status()).spent.micros).toBe(1_054_000);
  });

  it("satisfies @mlinfra/trainer's structural BudgetGuard", async () => {
    // The trainer declares this shape (packages/trainer/src/train/interfaces.ts); assignment must type-check.
    type TrainerGuard = {
      charge(
        deviceSeconds: number,
        info?: { device?: string },
      ): Promise<{ stop: boolean; reason?: string }> | { stop: boolean; reason?: string };
    };
    const budget = await createBudget({ store, name: 'structural', limit: money(1, 'USD') });
    const guard: TrainerGuard = budgetGuard(budget, { pricePerDeviceHour: money(3600, 'USD') });
    expect(await guard.charge(1, { device: 'gpu' })).toMatchObject({
      stop: true,
      reason: expect.stringMatching(/exhausted/),
    });
  });

  it('runs to the end when the budget suffices', async () => {
    const budget = await createBudget({ store, name: 'roomy', limit: money(100, 'USD') });
    const run = await train({
      guard: budgetGuard(budget, { pricePerDeviceHour: money('3.60', 'USD') }),
      store,
      startStep: 0,
      maxSteps: 20,
      stepMs: 60_000,
      devices: 1,
    });
    expect(run).toMatchObject({ step: 20, stopped: false });
    // 20 minutes at 3.60 USD/h = 1.20 USD.
    expect((await budget.status()).spent).toEqual({ micros: 1_200_000, currency: 'USD' });
    expect((await budget.status()).byResource.training?.micros).toBe(1_200_000);
  });

  it('prices CPU training at the whole instance and needs a price source', async () => {
    const budget = await createBudget({ store, name: 'cpu', limit: money(100, 'USD') });
    const guard = budgetGuard(budget, { instance: 'c6i.4xlarge', region: 'us-east-1' });
    // c6i.4xlarge: 0.68 USD/h for one hour of the CPU device.
    expect((await guard.charge(3600, { device: 'cpu' })).spent.micros).toBe(680_000);
    // A GPU charge naming another instance uses that instance's per-GPU price: 32.7726 / 8 per hour.
    expect(
      (await guard.charge(3600, { device: 'gpu', instance: 'p4d.24xlarge' })).spent.micros,
    ).toBe(680_000 + 4_096_575);
    await expect(budgetGuard(budget).charge(1)).rejects.toThrow(
      /pass \{ instance \} or \{ pricePerDeviceHour \}/,
    );
    await expect(guard.charge(Number.NaN)).rejects.toThrow(/finite/);
  });
});
