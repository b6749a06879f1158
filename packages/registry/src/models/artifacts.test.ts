import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { IntegrityError, NotFoundError } from '@mlinfra/core';
import { describe, expect, it } from 'vitest';
import { registryPerTest } from '../__fixtures__/temporary-registry.js';
import { openRegistry } from '../index.js';

const bytes = (text: string) => new TextEncoder().encode(text);
const current = registryPerTest();

function blobPath(digest: string): string {
  const hex = digest.slice('sha256:'.length);
  return join(current.folder, 'blobs', 'sha256', hex.slice(0, 2), hex.slice(2));
}

describe('artifact checks at registration', () => {
  it('checks presence and size by default, re-hashes only with verifyArtifacts: hash', async () => {
    const { digest, size } = await current.registry.store.put('twelve bytes');
    await expect(
      current.registry.registerModel('m', { artifact: { digest, size: size + 1 } }),
    ).rejects.toBeInstanceOf(IntegrityError);
    expect(
      (await current.registry.registerModel('m', { artifact: { digest, size } })).artifactSize,
    ).toBe(size);
    // Same-size bytes changed at rest: the default check does not read the blob...
    chmodSync(blobPath(digest), 0o644);
    writeFileSync(blobPath(digest), 'evil  bytes!');
    expect((await current.registry.registerModel('m', { artifact: digest })).version).toBe(2);
    // ...re-hashing on demand finds it, and so does every read.
    const strict = await openRegistry({
      url: current.database,
      store: current.registry.store,
      verifyArtifacts: 'hash',
    });
    await expect(strict.registerModel('m', { artifact: digest })).rejects.toBeInstanceOf(
      IntegrityError,
    );
    await strict.close();
    await expect(current.registry.readArtifact('m/2')).rejects.toBeInstanceOf(IntegrityError);
  });

  it('asks the store once per artifact: blobs are immutable and rooted by the registry', async () => {
    const real = current.registry.store;
    let stats = 0;
    const counting = new Proxy(real, {
      get(target, key) {
        if (key === 'stat') {
          return (digest: string) => {
            stats++;
            return target.stat(digest);
          };
        }
        const value = Reflect.get(target, key);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    const { digest, size } = await real.put('asked once');
    const registry = await openRegistry({ url: current.database, store: counting });
    for (let index = 0; index < 3; index++) {
      expect((await registry.registerModel('m', { artifact: digest })).artifactSize).toBe(size);
    }
    await expect(
      registry.registerModel('m', { artifact: { digest, size: size + 1 } }),
    ).rejects.toBeInstanceOf(IntegrityError);
    expect(stats).toBe(1);
    await registry.close();
  });

  it('refuses a digest the store does not hold and leaves no ref behind', async () => {
    const absent = `sha256:${'ab'.repeat(32)}`;
    await expect(current.registry.registerModel('m', { artifact: absent })).rejects.toBeInstanceOf(
      NotFoundError,
    );
    expect(await current.registry.store.refs.list('registry/')).toEqual([]);
    await expect(current.registry.getModel('m')).rejects.toBeInstanceOf(NotFoundError);
  });
});

describe('store.gc keeps what the registry names', () => {
  it('keeps registered and logged artifacts through gc with graceMs 0, and removes the rest', async () => {
    const run = await current.registry.startRun();
    const logged = await run.logArtifact('model', bytes('logged weights'));
    await run.end();
    const { digest: stored } = await current.registry.store.put('stored before registration');
    const filePath = join(current.folder, 'model.bin');
    writeFileSync(filePath, 'weights from a file');
    await current.registry.registerModel('m', { artifact: bytes('inline weights') });
    await current.registry.registerModel('m', { artifact: stored });
    await current.registry.registerModel('m', { artifact: { file: filePath } });
    await current.registry.registerModel('m', { artifact: 'model', run });
    const { digest: orphan } = await current.registry.store.put('named by nothing');

    const report = await current.registry.store.gc({ keep: [], graceMs: 0 });

    expect(report.removed).toEqual([orphan]);
    const texts = [];
    for (let version = 1; version <= 4; version++) {
      texts.push(new TextDecoder().decode(await current.registry.readArtifact(`m/${version}`)));
    }
    expect(texts).toEqual([
      'inline weights',
      'stored before registration',
      'weights from a file',
      'logged weights',
    ]);
    expect(new TextDecoder().decode(await current.registry.store.read(logged.digest))).toBe(
      'logged weights',
    );
    // One ref per artifact, named after its digest, written before the row that names it.
    expect(await current.registry.store.refs.list('registry/artifacts/')).toHaveLength(4);
  });

  it('finds the refs of another registry instance on the same store', async () => {
    await current.registry.registerModel('m', { artifact: bytes('shared') });
    const other = await openRegistry({ url: current.database, store: current.registry.store });
    await other.registerModel('m', { artifact: (await current.registry.resolve('m/1')).artifact });
    await other.close();
    await current.registry.store.gc({ keep: [], graceMs: 0 });
    expect(new TextDecoder().decode(await current.registry.readArtifact('m/2'))).toBe('shared');
  });
});
