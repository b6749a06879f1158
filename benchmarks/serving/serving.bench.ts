// @mlinfra/serving vs a minimal hand-written node:http + tfjs server (same model, same request,
// same run), batching vs no batching at 64 connections, p99 at half of the maximum throughput,
// and the server's overhead over in-process predict. BENCH_QUICK=1 for a short run.
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createPredictionService } from '@mlinfra/serving';
import autocannon from 'autocannon';
import { buildModel, FEATURES, predictBatch, predictorOf } from './model.ts';

const quick = process.env.BENCH_QUICK === '1';
const duration = quick ? 4 : 12;
const connections = 64;
const row = Array.from({ length: FEATURES }, (_, i) => Math.sin(i));
const body = JSON.stringify({
  inputs: [{ name: 'features', shape: [1, FEATURES], datatype: 'FP32', data: row }],
});

async function startServer(mode: string): Promise<{ child: ChildProcess; port: number }> {
  const script = fileURLToPath(new URL('./server-child.ts', import.meta.url));
  const child = spawn(process.execPath, ['--import', 'tsx', script, mode], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const port = await new Promise<number>((resolve, reject) => {
    let buffer = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      const line = buffer.split('\n')[0];
      if (buffer.includes('\n') && line) resolve((JSON.parse(line) as { port: number }).port);
    });
    child.once('exit', (code) => reject(new Error(`${mode} server exited with ${code}`)));
  });
  return { child, port };
}

async function stop(child: ChildProcess): Promise<void> {
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}

interface Load {
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  /** Server process CPU time per answered request, in us (Linux only; NaN elsewhere). */
  cpuUs?: number;
}

/**
 * CPU seconds (user + system) a child process has used so far, from /proc (Linux); NaN elsewhere.
 * Per-request server CPU is far steadier than req/s on a shared machine, so it is printed too.
 */
function cpuSeconds(pid: number | undefined): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime + stime, USER_HZ = 100
  } catch {
    return Number.NaN;
  }
}

async function load(
  port: number,
  path: string,
  options: { connections: number; seconds: number; rate?: number },
): Promise<Load> {
  const result = await autocannon({
    url: `http://127.0.0.1:${port}${path}`,
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body,
    connections: options.connections,
    duration: options.seconds,
    ...(options.rate === undefined ? {} : { overallRate: options.rate }),
  });
  return {
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors + result.timeouts + result.non2xx,
  };
}

async function measure(mode: string, path: string): Promise<Load> {
  const { child, port } = await startServer(mode);
  try {
    await load(port, path, { connections, seconds: 1 }); // warm-up
    const cpuBefore = cpuSeconds(child.pid);
    const result = await load(port, path, { connections, seconds: duration });
    const cpu = cpuSeconds(child.pid) - cpuBefore;
    return { ...result, cpuUs: (cpu * 1e6) / (result.rps * duration) };
  } finally {
    await stop(child);
  }
}

const line = (name: string, r: Load) =>
  console.log(
    `${name.padEnd(40)} ${r.rps.toFixed(0).padStart(7)} req/s  p50 ${r.p50.toFixed(1).padStart(6)} ms  p99 ${r.p99.toFixed(1).padStart(6)} ms  errors ${r.errors}${r.cpuUs === undefined ? '' : `  server CPU ${r.cpuUs.toFixed(0)} us/req`}`,
  );

console.log(
  `20-64-64-1 MLP on tfjs wasm, 1 row per request, ${connections} connections, ${duration} s per run`,
);
const handwritten = await measure('handwritten', '/');
line('hand-written node:http + tfjs', handwritten);
const unbatched = await measure('serving-unbatched', '/v2/models/mlp/infer');
line('@mlinfra/serving, batching off', unbatched);
const batched = await measure('serving', '/v2/models/mlp/infer');
line('@mlinfra/serving, dynamic batching', batched);

// p99 at half of the maximum throughput (the batched server's, measured above).
const half = Math.max(1, Math.round(batched.rps / 2));
const { child, port } = await startServer('serving');
await load(port, '/v2/models/mlp/infer', { connections, seconds: 1 });
const halfLoad = await load(port, '/v2/models/mlp/infer', {
  connections,
  seconds: duration,
  rate: half,
});
await stop(child);
line(`@mlinfra/serving at ${half} req/s (half max)`, halfLoad);

// Overhead: one request at a time, raw model call vs in-process pipeline vs HTTP.
const model = await buildModel();
const input = Float32Array.from(row);
const iterations = quick ? 2_000 : 10_000;
for (let i = 0; i < 200; i++) predictBatch(model, input, 1);
let started = performance.now();
for (let i = 0; i < iterations; i++) predictBatch(model, input, 1);
const rawMs = (performance.now() - started) / iterations;
const service = createPredictionService({
  models: [{ name: 'mlp', predictor: predictorOf(model) }],
  metrics: {},
});
await service.ready();
const request = JSON.parse(body) as unknown;
for (let i = 0; i < 200; i++) await service.infer('mlp', request);
started = performance.now();
for (let i = 0; i < iterations; i++) await service.infer('mlp', request);
const inProcessMs = (performance.now() - started) / iterations;
await service.close();
const single = await startServer('serving');
await load(single.port, '/v2/models/mlp/infer', { connections: 1, seconds: 1 });
const http1 = await load(single.port, '/v2/models/mlp/infer', {
  connections: 1,
  seconds: quick ? 3 : 8,
});
await stop(single.child);
const httpMs = 1000 / http1.rps;
const plain = await startServer('handwritten');
await load(plain.port, '/', { connections: 1, seconds: 1 });
const plain1 = await load(plain.port, '/', { connections: 1, seconds: quick ? 3 : 8 });
await stop(plain.child);
const plainMs = 1000 / plain1.rps;

console.log('');
console.log(
  `ratio serving (batched) / hand-written throughput: ${(batched.rps / handwritten.rps).toFixed(2)}x`,
);
console.log(
  `ratio serving (batching off) / hand-written throughput: ${(unbatched.rps / handwritten.rps).toFixed(2)}x`,
);
console.log(
  `ratio batching / no batching throughput at ${connections} connections: ${(batched.rps / unbatched.rps).toFixed(2)}x (target >= 3x)`,
);
console.log(
  `ratio server CPU per request, batching off / dynamic batching: ${(unbatched.cpuUs! / batched.cpuUs!).toFixed(2)}x; serving (batched) / hand-written: ${(batched.cpuUs! / handwritten.cpuUs!).toFixed(2)}x`,
);
console.log(
  `ratio hand-written p99 / serving (batched) p99: ${(handwritten.p99 / batched.p99).toFixed(2)}x`,
);
console.log(`p99 at half of max throughput: ${halfLoad.p99.toFixed(1)} ms (target < 20 ms)`);
console.log(
  `per request, sequential: raw model ${(rawMs * 1000).toFixed(0)} us, in-process createPredictionService ${(inProcessMs * 1000).toFixed(0)} us (${(inProcessMs / rawMs).toFixed(2)}x raw), HTTP ${(httpMs * 1000).toFixed(0)} us (${(httpMs / rawMs).toFixed(2)}x raw, ${(httpMs / inProcessMs).toFixed(2)}x in-process); hand-written HTTP ${(plainMs * 1000).toFixed(0)} us (serving / hand-written ${(httpMs / plainMs).toFixed(2)}x)`,
);
if (handwritten.errors + unbatched.errors + batched.errors + halfLoad.errors > 0) {
  console.error('some requests failed');
  process.exitCode = 1;
}
