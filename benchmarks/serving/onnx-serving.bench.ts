// ONNX serving: @mlinfra/serving (dynamic batching) against a hand-written node:http server
// calling onnxruntime-node per request, and against FastAPI + uvicorn + Python onnxruntime (what
// a Python team would deploy), on the same ONNX MLP, the same V2 request and the same load
// generator, in the same run. Then our per-request overhead next to session.run itself.
// Two MLPs: the test fixture 8-16-3 (session.run ~10 us, so every server is bound by HTTP) and a
// wide 512-2048-2048-16 (5.3M parameters, written by packages/serving/src/__fixtures__/mlp-onnx.ts), where inference is
// most of a request's cost and batching can pay.
// BENCH_QUICK=1 for a short run; BENCH_PYTHON names a Python with fastapi, uvicorn and
// onnxruntime (default /tmp/onnx-venv/bin/python; the FastAPI rows are left out without one).
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createNetServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createPredictionService, loadOnnxModel } from '@mlinfra/serving';
import * as ort from 'onnxruntime-node';
import { mlpOnnx } from '../../packages/serving/src/__fixtures__/mlp-onnx.ts';
import { type Load, line, measureRunning, startNodeServer, startProcess, stop } from './harness.ts';

const quick = process.env.BENCH_QUICK === '1';
const seconds = quick ? 3 : 8;
const python = process.env.BENCH_PYTHON ?? '/tmp/onnx-venv/bin/python';
const path = '/v2/models/mlp/infer';
const scratch = mkdtempSync(join(tmpdir(), 'mlinfra-onnx-bench-'));
const wideModel = join(scratch, 'wide-mlp.onnx');
writeFileSync(wideModel, mlpOnnx([512, 2048, 2048, 16]));

interface BenchModel {
  /** Printed in headings and RESULT metrics. */
  label: string;
  path: string;
  width: number;
}
const models: BenchModel[] = [
  {
    label: 'ONNX MLP 8-16-3',
    path: fileURLToPath(
      new URL('../../packages/serving/src/__fixtures__/onnx/mlp.onnx', import.meta.url),
    ),
    width: 8,
  },
  { label: 'ONNX MLP 512-2048-2048-16', path: wideModel, width: 512 },
];

function result(
  metric: string,
  ours: number,
  peer: string,
  peerValue: number,
  unit: string,
  better: 'higher' | 'lower',
) {
  // autocannon's latencies have 1 ms resolution: a 0 ms p99 has no meaningful ratio.
  if (ours <= 0 || peerValue <= 0) {
    console.log(`${metric}: below 1 ms resolution (ours ${ours}, ${peer} ${peerValue}); no ratio`);
    return;
  }
  const ratio = better === 'higher' ? ours / peerValue : peerValue / ours;
  console.log(
    `RESULT ${JSON.stringify({ area: 'serving', metric, ours: Number(ours.toFixed(2)), peer, peerValue: Number(peerValue.toFixed(2)), ratio: Number(ratio.toFixed(2)), unit, better })}`,
  );
}

/** `a / b` as a ratio, or "n/a" below autocannon's 1 ms latency resolution. */
function ratioText(a: number, b: number): string {
  return a > 0 && b > 0 ? `${(a / b).toFixed(2)}x` : 'n/a (<1 ms)';
}

async function freePort(): Promise<number> {
  const server = createNetServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function startFastApi(modelPath: string, body: string) {
  const script = fileURLToPath(new URL('./onnx_fastapi_server.py', import.meta.url));
  const server = await startProcess(
    python,
    [script, modelPath, String(await freePort())],
    'fastapi',
  );
  // uvicorn prints the port before it listens: wait until it answers.
  for (let attempt = 0; ; attempt++) {
    try {
      const response = await fetch(`http://127.0.0.1:${server.port}${path}`, {
        method: 'POST',
        body,
        headers: { 'content-type': 'application/json' },
      });
      if (response.ok) break;
    } catch (error) {
      if (attempt > 100) throw error;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return server;
}

/** Sequential microseconds per call of `action`, after a warm-up. */
async function perCallUs(iterations: number, action: () => Promise<unknown>): Promise<number> {
  for (let i = 0; i < Math.min(500, iterations); i++) await action();
  const started = performance.now();
  for (let i = 0; i < iterations; i++) await action();
  return ((performance.now() - started) / iterations) * 1000;
}

async function benchModel(model: BenchModel): Promise<number> {
  const row = Array.from({ length: model.width }, (_, i) => Math.sin(i));
  const body = JSON.stringify({
    inputs: [{ name: 'features', shape: [1, model.width], datatype: 'FP32', data: row }],
  });
  const startNode = (mode: string) => {
    const script = fileURLToPath(new URL('./onnx-server-child.ts', import.meta.url));
    return startNodeServer(script, [mode, model.path], mode);
  };
  const measure = async (
    start: () => Promise<Awaited<ReturnType<typeof startNode>>>,
    runs: { connections: number; rate?: number }[],
  ): Promise<Load[]> => {
    const server = await start();
    try {
      const results: Load[] = [];
      for (const run of runs)
        results.push(await measureRunning(server, path, body, { ...run, seconds }));
      return results;
    } finally {
      await stop(server.child);
    }
  };

  console.log('');
  console.log(
    `${model.label}, onnxruntime 1.30 with 1 intra-op thread, 1 row per request, ${seconds} s per run`,
  );
  const [hand64] = await measure(() => startNode('handwritten'), [{ connections: 64 }]);
  line('hand-written node:http + onnxruntime-node, 64c', hand64!);
  const [unbatched64] = await measure(() => startNode('serving-unbatched'), [{ connections: 64 }]);
  line('@mlinfra/serving batching off, 64c', unbatched64!);
  const [ours1, ours16, ours64] = await measure(
    () => startNode('serving'),
    [{ connections: 1 }, { connections: 16 }, { connections: 64 }],
  );
  line('@mlinfra/serving dynamic batching, 1c', ours1!);
  line('@mlinfra/serving dynamic batching, 16c', ours16!);
  line('@mlinfra/serving dynamic batching, 64c', ours64!);
  // p99 at half of the peak rate: each Node server at half of its own peak, and both at half of
  // the hand-written server's peak (the same offered load).
  const halfHand = Math.max(1, Math.round(hand64!.rps / 2));
  const halfOurs = Math.max(1, Math.round(ours64!.rps / 2));
  const [handHalf] = await measure(
    () => startNode('handwritten'),
    [{ connections: 64, rate: halfHand }],
  );
  line(`hand-written at ${halfHand} req/s (half its peak)`, handHalf!);
  const [oursAtHandHalf, oursHalf] = await measure(
    () => startNode('serving'),
    [
      { connections: 64, rate: halfHand },
      { connections: 64, rate: halfOurs },
    ],
  );
  line(`@mlinfra/serving at ${halfHand} req/s`, oursAtHandHalf!);
  line(`@mlinfra/serving at ${halfOurs} req/s (half its peak)`, oursHalf!);

  let fast: Load[] | undefined;
  if (existsSync(python)) {
    fast = await measure(
      () => startFastApi(model.path, body),
      [{ connections: 1 }, { connections: 16 }, { connections: 64 }],
    );
    for (const [index, connections] of [1, 16, 64].entries())
      line(`FastAPI + uvicorn + onnxruntime, ${connections}c`, fast[index]!);
  } else {
    console.log(
      `FastAPI peer left out: no Python at ${python} (set BENCH_PYTHON to one with fastapi, uvicorn, onnxruntime)`,
    );
  }

  // Overhead per request, sequential, one row: session.run alone, our in-process pipeline (the
  // session on its worker thread, as served, and on the calling thread), our HTTP.
  const iterations = Math.max(200, Math.round((quick ? 2_000 : 10_000) / model.width ** 0.5));
  const bytes = readFileSync(model.path);
  const threads = { intraOpNumThreads: 1, interOpNumThreads: 1 };
  const session = await ort.InferenceSession.create(bytes, threads);
  const feeds = {
    features: new ort.Tensor('float32', Float32Array.from(row), [1, model.width]),
  };
  const runUs = await perCallUs(iterations, () => session.run(feeds));
  await session.release();
  const request = JSON.parse(body) as unknown;
  const inProcess = async (worker: boolean) => {
    const service = createPredictionService({
      models: [{ name: 'mlp', predictor: await loadOnnxModel(bytes, { ...threads, worker }) }],
    });
    await service.ready();
    const us = await perCallUs(iterations, () => service.infer('mlp', request));
    await service.close();
    return us;
  };
  const workerUs = await inProcess(true);
  const mainUs = await inProcess(false);
  const httpUs = 1e6 / ours1!.rps;
  const overhead = (us: number) =>
    `${us.toFixed(0)} us (overhead ${(us - runUs).toFixed(0)} us = ${((us - runUs) / runUs).toFixed(2)}x session.run)`;

  console.log(
    `ratio serving (batched) / hand-written throughput at 64 connections: ${(ours64!.rps / hand64!.rps).toFixed(2)}x (goal >= 3x)`,
  );
  console.log(
    `ratio serving batching off / hand-written throughput at 64 connections: ${(unbatched64!.rps / hand64!.rps).toFixed(2)}x`,
  );
  console.log(
    `ratio batching / no batching throughput at 64 connections: ${(ours64!.rps / unbatched64!.rps).toFixed(2)}x`,
  );
  console.log(
    `ratio server CPU per request, hand-written / serving (batched): ${(hand64!.cpuUs! / ours64!.cpuUs!).toFixed(2)}x`,
  );
  console.log(
    `p99 at half of peak: serving ${oursHalf!.p99.toFixed(1)} ms at ${halfOurs} req/s, hand-written ${handHalf!.p99.toFixed(1)} ms at ${halfHand} req/s; at the same ${halfHand} req/s serving ${oursAtHandHalf!.p99.toFixed(1)} ms (ratio hand-written / serving p99 ${ratioText(handHalf!.p99, oursAtHandHalf!.p99)})`,
  );
  result(
    `${model.label} req/s at 64 connections vs hand-written node:http + onnxruntime-node`,
    ours64!.rps,
    'hand-written node:http + onnxruntime-node',
    hand64!.rps,
    'req/s',
    'higher',
  );
  result(
    `${model.label} p99 at half the hand-written peak rate`,
    oursAtHandHalf!.p99,
    'hand-written node:http + onnxruntime-node',
    handHalf!.p99,
    'ms',
    'lower',
  );
  if (fast !== undefined) {
    for (const [index, connections] of [1, 16, 64].entries()) {
      const ours = [ours1, ours16, ours64][index]!;
      const peer = fast[index]!;
      console.log(
        `ratio serving / FastAPI at ${connections} connections: throughput ${(ours.rps / peer.rps).toFixed(2)}x, p99 FastAPI / serving ${ratioText(peer.p99, ours.p99)}`,
      );
      result(
        `${model.label} req/s at ${connections} connections vs FastAPI`,
        ours.rps,
        'FastAPI + uvicorn + onnxruntime',
        peer.rps,
        'req/s',
        'higher',
      );
      result(
        `${model.label} p99 at ${connections} connections vs FastAPI`,
        ours.p99,
        'FastAPI + uvicorn + onnxruntime',
        peer.p99,
        'ms',
        'lower',
      );
    }
  }
  console.log(
    `per request, sequential, 1 row: session.run ${runUs.toFixed(0)} us; in-process createPredictionService with the session on its worker thread ${overhead(workerUs)}, on the calling thread ${overhead(mainUs)}; over HTTP ${overhead(httpUs)}`,
  );
  return [
    hand64,
    unbatched64,
    ours1,
    ours16,
    ours64,
    handHalf,
    oursAtHandHalf,
    oursHalf,
    ...(fast ?? []),
  ].reduce((sum, r) => sum + r!.errors, 0);
}

try {
  let errors = 0;
  for (const model of models) errors += await benchModel(model);
  if (errors > 0) {
    console.error(`${errors} requests failed`);
    process.exitCode = 1;
  }
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
