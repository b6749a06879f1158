// @mlinfra/serving vs a minimal hand-written node:http + tfjs server (same model, same request,
// same run), batching vs no batching at 64 connections, p99 at half of the maximum throughput,
// and the server's overhead over in-process predict. BENCH_QUICK=1 for a short run.
import { fileURLToPath } from 'node:url';
import { createPredictionService } from '@mlinfra/serving';
import { type Load, line, load, measureRunning, startNodeServer, stop } from './harness.ts';
import { buildModel, FEATURES, predictBatch, predictorOf } from './model.ts';

const quick = process.env.BENCH_QUICK === '1';
const duration = quick ? 4 : 12;
const connections = 64;
const row = Array.from({ length: FEATURES }, (_, i) => Math.sin(i));
const body = JSON.stringify({
  inputs: [{ name: 'features', shape: [1, FEATURES], datatype: 'FP32', data: row }],
});

function startServer(mode: string) {
  return startNodeServer(
    fileURLToPath(new URL('./server-child.ts', import.meta.url)),
    [mode],
    mode,
  );
}

async function measure(mode: string, path: string): Promise<Load> {
  const server = await startServer(mode);
  try {
    return await measureRunning(server, path, body, { connections, seconds: duration });
  } finally {
    await stop(server.child);
  }
}

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
await load(port, '/v2/models/mlp/infer', body, { connections, seconds: 1 });
const halfLoad = await load(port, '/v2/models/mlp/infer', body, {
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
await load(single.port, '/v2/models/mlp/infer', body, { connections: 1, seconds: 1 });
const http1 = await load(single.port, '/v2/models/mlp/infer', body, {
  connections: 1,
  seconds: quick ? 3 : 8,
});
await stop(single.child);
const httpMs = 1000 / http1.rps;
const plain = await startServer('handwritten');
await load(plain.port, '/', body, { connections: 1, seconds: 1 });
const plain1 = await load(plain.port, '/', body, { connections: 1, seconds: quick ? 3 : 8 });
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
