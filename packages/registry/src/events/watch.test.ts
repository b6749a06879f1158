import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { temporaryRegistry } from '../__fixtures__/temporary-registry.js';
import { openRegistry, type Registry, type RegistryEvent } from '../index.js';

const worker = fileURLToPath(new URL('../__fixtures__/watch-worker.mjs', import.meta.url));
let registry: Registry;
let folder: string;
let database: string;
let cleanup: () => Promise<void>;
const bytes = (text: string) => new TextEncoder().encode(text);

beforeEach(async () => {
  ({ registry, folder, database, cleanup } = await temporaryRegistry({ pollIntervalMs: 20 }));
});
afterEach(async () => {
  await cleanup();
});

async function take(
  iterator: AsyncIterator<RegistryEvent>,
  count: number,
): Promise<RegistryEvent[]> {
  const events: RegistryEvent[] = [];
  while (events.length < count) {
    const next = await iterator.next();
    if (next.done === true) break;
    events.push(next.value);
  }
  return events;
}

describe('watch', () => {
  it('yields only changes after the call, for the watched model only', async () => {
    await registry.registerModel('churn', { artifact: bytes('old') });
    const watch = registry.watch('churn');
    await registry.registerModel('other', { artifact: bytes('x') });
    await registry.registerModel('churn', { artifact: bytes('new') });
    await registry.setAlias('churn', 'champion', 2);
    const events = await take(watch, 2);
    expect(events.map((event) => [event.action, event.model, event.version, event.alias])).toEqual([
      ['version.created', 'churn', 2, undefined],
      ['alias.set', 'churn', 2, 'champion'],
    ]);
    watch.close();
    expect(await watch.next()).toEqual({ value: undefined, done: true });
  });

  it('sees changes made by another process', async () => {
    await registry.registerModel('served', { artifact: bytes('v1') });
    const watch = registry.watch('served');
    const pending = take(watch, 2);
    const child = spawn(process.execPath, [worker, database, 'served', 'champion', folder], {
      stdio: 'inherit',
    });
    const code = await new Promise((resolve) => child.on('exit', resolve));
    expect(code).toBe(0);
    const events = await pending;
    expect(events.map((event) => [event.action, event.version, event.actor])).toEqual([
      ['version.created', 2, 'other-process'],
      ['alias.set', 2, 'other-process'],
    ]);
    expect((await registry.resolve('served@champion')).version).toBe(2);
    watch.close();
  });

  it('sees changes made through a second registry instance in the same process', async () => {
    const other = await openRegistry({ url: database, store: folder });
    const seen: RegistryEvent[] = [];
    const done = new Promise<void>((resolve) => {
      registry.subscribe('m', (event) => {
        seen.push(event);
        if (seen.length === 3) resolve();
      });
    });
    await other.registerModel('m', { artifact: bytes('a') });
    await other.setApproval('m', 1, { status: 'approved', by: 'bob' });
    await done;
    expect(seen.map((event) => event.action)).toEqual([
      'model.created',
      'version.created',
      'version.approval',
    ]);
    expect(seen[2]!.actor).toBe('bob');
    await other.close();
  });

  it('keeps delivering to a subscriber whose listener threw, reporting the error', async () => {
    const errors: unknown[] = [];
    const versions: number[] = [];
    const done = new Promise<void>((resolve) => {
      registry.subscribe(
        'flaky',
        (event) => {
          if (event.action !== 'version.created') return;
          versions.push(event.version!);
          if (event.version === 1) throw new Error('listener bug');
          resolve();
        },
        { onError: (error) => errors.push(error) },
      );
    });
    await registry.registerModel('flaky', { artifact: bytes('1') });
    await registry.registerModel('flaky', { artifact: bytes('2') });
    await done;
    expect(versions).toEqual([1, 2]);
    expect(String(errors[0])).toMatch(/listener bug/);
  });

  it('ends pending iterations when the registry closes', async () => {
    const { registry: closing, cleanup: cleanupClosing } = await temporaryRegistry();
    const watch = closing.watch('m');
    const pending = watch.next();
    await cleanupClosing();
    expect(await pending).toEqual({ value: undefined, done: true });
  });

  it('replays from an event id and stops on abort', async () => {
    await registry.registerModel('m', { artifact: bytes('a') });
    await registry.registerModel('m', { artifact: bytes('b') });
    const controller = new AbortController();
    const watch = registry.watch('m', { afterId: 0, signal: controller.signal });
    const events = await take(watch, 3);
    expect(events.map((event) => event.action)).toEqual([
      'model.created',
      'version.created',
      'version.created',
    ]);
    controller.abort();
    expect((await watch.next()).done).toBe(true);
  });

  it('ends a for-await loop with break and watches every model when no name is given', async () => {
    const all = registry.watch(undefined);
    await registry.registerModel('a', { artifact: bytes('a') });
    await registry.registerModel('b', { artifact: bytes('b') });
    const models: string[] = [];
    for await (const event of all) {
      if (event.action === 'version.created') models.push(event.model!);
      if (models.length === 2) break;
    }
    expect(models).toEqual(['a', 'b']);
    expect((await all.next()).done).toBe(true);
  });
});
