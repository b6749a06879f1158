import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { registryPerTest } from '../__fixtures__/temporary-registry.js';
import { openRegistry } from '../index.js';

const onnxBytes = new Uint8Array(
  readFileSync(join(dirname(fileURLToPath(import.meta.url)), '../__fixtures__/mlp.onnx')),
);

const current = registryPerTest();

describe('schema migration', () => {
  it('migrates a version 1 database: its versions read as tfjs', async () => {
    await current.registry.registerModel('old', { artifact: new TextEncoder().encode('{}') });
    const path = current.registry.location;
    await current.registry.close();
    const database = new Database(path);
    // Turn the file back into schema version 1.
    database.exec(`CREATE TABLE v1 AS SELECT model, version, run_id, artifact, artifact_size, signature,
      metrics, slices, description, created_at, created_by, approval, approval_by, approval_at,
      approval_reason FROM model_versions;
      DROP TABLE model_versions; ALTER TABLE v1 RENAME TO model_versions;
      UPDATE registry_meta SET value = '1' WHERE key = 'schema_version';`);
    database.close();
    const reopened = await openRegistry({ url: path, actor: 'tester' });
    expect((await reopened.resolve('old')).format).toBe('tfjs');
    expect((await reopened.registerModel('old', { artifact: onnxBytes })).format).toBe('onnx');
    expect((await reopened.resolve('old/2')).format).toBe('onnx');
    await reopened.close();
  });
});
