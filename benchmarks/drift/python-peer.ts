// Runs a Python peer (SciPy/NumPy) in a child process on data written to a temp folder, so both
// sides compute on the same bytes in the same benchmark run. Returns null (and says why) when
// python3 or scipy is missing.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface PythonPeer {
  folder: string;
  writeFloat64(name: string, values: Float64Array): string;
  run<T>(script: string): T | null;
  dispose(): void;
}

export function pythonPeer(): PythonPeer | null {
  const probe = spawnSync(
    'python3',
    ['-c', 'import scipy, numpy; print(scipy.__version__, numpy.__version__)'],
    { encoding: 'utf8' },
  );
  if (probe.status !== 0) {
    console.log(
      'peer skipped: python3 with scipy/numpy is not available (Debian: apt-get install -y python3-scipy)',
    );
    return null;
  }
  console.log(`peer: python3 scipy ${probe.stdout.trim().replace(' ', ', numpy ')}`);
  const folder = mkdtempSync(join(tmpdir(), 'mlinfra-drift-bench-'));
  return {
    folder,
    writeFloat64(name, values) {
      const path = join(folder, `${name}.f64`);
      writeFileSync(path, new Uint8Array(values.buffer, values.byteOffset, values.byteLength));
      return path;
    },
    run<T>(script: string): T | null {
      const result = spawnSync('python3', ['-c', script], {
        encoding: 'utf8',
        cwd: folder,
        maxBuffer: 64 * 1024 * 1024,
      });
      if (result.status !== 0) {
        console.log(`peer failed: ${result.stderr.trim().split('\n').slice(-3).join(' | ')}`);
        return null;
      }
      const lines = result.stdout.trim().split('\n');
      return JSON.parse(lines[lines.length - 1] as string) as T;
    },
    dispose() {
      rmSync(folder, { recursive: true, force: true });
    },
  };
}

/** Median wall time in ms of `runs` calls (after one warm-up call). */
export function timeMs(fn: () => unknown, runs = 3): number {
  fn();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    fn();
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)] as number;
}

export function seeded(seed = 42): () => number {
  let state = seed;
  return () => {
    state = (state * 16807) % 2147483647;
    return state / 2147483647;
  };
}

export function normals(n: number, mean: number, sd: number, seed: number): Float64Array {
  const u = seeded(seed);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++)
    out[i] = mean + sd * Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u());
  return out;
}

export const QUICK = process.env.BENCH_QUICK === '1';

export function ratioLine(
  label: string,
  oursMs: number,
  peerMs: number | null,
  peerName: string,
): void {
  const ours = `${oursMs.toFixed(1)} ms`;
  if (peerMs === null) {
    console.log(`${label}: @mlinfra/drift ${ours} (no peer)`);
    return;
  }
  console.log(
    `${label}: @mlinfra/drift ${ours}, ${peerName} ${peerMs.toFixed(1)} ms, ratio ${(peerMs / oursMs).toFixed(2)}x ${peerMs >= oursMs ? 'faster' : 'slower'}`,
  );
}
