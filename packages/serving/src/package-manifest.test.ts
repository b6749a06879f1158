import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';

interface Manifest {
  dependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
}

const manifest = JSON.parse(
  await readFile(new URL('../package.json', import.meta.url), 'utf8'),
) as Manifest;

/** A version range that lets npm share one copy with the user's app (not an exact pin). */
const isRange = (spec: string) => /^(workspace:\^|\^|~|>=)/.test(spec);

describe('@mlinfra/serving package.json', () => {
  it('declares its optional peers on our own packages as ranges, published as ^version', () => {
    const peers = manifest.peerDependencies ?? {};
    expect(Object.keys(peers).sort()).toEqual(
      expect.arrayContaining(['@mlinfra/datasets', '@mlinfra/trainer']),
    );
    for (const [name, spec] of Object.entries(peers)) {
      expect(isRange(spec), `${name}: ${spec}`).toBe(true);
      expect(spec, `${name} must not publish an exact pin`).not.toBe('workspace:*');
    }
    expect(manifest.peerDependenciesMeta?.['@mlinfra/trainer']?.optional).toBe(true);
    expect(manifest.peerDependenciesMeta?.['@mlinfra/datasets']?.optional).toBe(true);
  });

  it('takes its libraries as ranges and leaves tfjs to the app', () => {
    for (const [name, spec] of Object.entries(manifest.dependencies ?? {})) {
      expect(isRange(spec), `${name}: ${spec}`).toBe(true);
    }
    expect(Object.keys(manifest.dependencies ?? {})).not.toContain('@tensorflow/tfjs');
  });
});
