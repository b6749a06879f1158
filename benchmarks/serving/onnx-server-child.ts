// One ONNX MLP server per process for the ONNX benchmark: `handwritten` (plain node:http calling
// onnxruntime-node's session.run per request, what a user would otherwise write), `serving`
// (@mlinfra/serving with dynamic batching) or `serving-unbatched`. Every server runs onnxruntime
// with one intra-op thread, as the FastAPI peer does; @mlinfra/serving runs its session on a
// worker thread (its default), the hand-written server on the main thread, as one writes it.
import { readFileSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createServer, loadOnnxModel } from '@mlinfra/serving';
import * as ort from 'onnxruntime-node';

const [mode = 'serving', modelPath] = process.argv.slice(2);
const bytes = readFileSync(modelPath!);
let port: number;
if (mode === 'handwritten') {
  const session = await ort.InferenceSession.create(bytes, {
    intraOpNumThreads: 1,
    interOpNumThreads: 1,
    executionProviders: ['cpu'],
  });
  const server = createHttpServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', async () => {
      try {
        const body = JSON.parse(Buffer.concat(chunks).toString()) as {
          inputs: { name: string; shape: number[]; data: number[] }[];
        };
        const feeds: Record<string, ort.Tensor> = {};
        for (const input of body.inputs)
          feeds[input.name] = new ort.Tensor('float32', Float32Array.from(input.data), input.shape);
        const results = await session.run(feeds);
        const outputs = Object.entries(results).map(([name, tensor]) => ({
          name,
          shape: tensor.dims,
          datatype: 'FP32',
          data: Array.from(tensor.data as Float32Array),
        }));
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ model_name: 'mlp', model_version: '1', outputs }));
      } catch (error) {
        res.writeHead(400, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: String(error) }));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
} else {
  const model = await loadOnnxModel(bytes, { intraOpNumThreads: 1, interOpNumThreads: 1 });
  const server = createServer({
    models: [{ name: 'mlp', predictor: model }],
    batching: mode === 'serving-unbatched' ? false : { maxBatchSize: 256 },
    metrics: {},
  });
  port = (await server.listen(0, '127.0.0.1')).port;
  await server.ready();
}
process.stdout.write(`${JSON.stringify({ port })}\n`);
