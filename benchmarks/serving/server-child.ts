// One server per process for the benchmark: `handwritten` (plain node:http + tfjs, what a user
// would otherwise write), `serving` (@mlinfra/serving, dynamic batching) or `serving-unbatched`.
import { createServer as createHttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createServer } from '@mlinfra/serving';
import { buildModel, FEATURES, predictBatch, predictorOf } from './model.ts';

const mode = process.argv[2] ?? 'serving';
const model = await buildModel();
let port: number;
if (mode === 'handwritten') {
  const server = createHttpServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      try {
        const body = JSON.parse(Buffer.concat(chunks).toString()) as {
          inputs: { shape: number[]; data: number[] }[];
        };
        const input = body.inputs[0]!;
        const rows = input.shape[0]!;
        const output = predictBatch(model, Float32Array.from(input.data), rows);
        const text = JSON.stringify({
          outputs: [
            { name: 'probability', shape: [rows, 1], datatype: 'FP32', data: Array.from(output) },
          ],
        });
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(text);
      } catch (error) {
        res.writeHead(400, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: String(error) }));
      }
    });
  });
  predictBatch(model, new Float32Array(FEATURES), 1);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
} else {
  const server = createServer({
    models: [{ name: 'mlp', predictor: predictorOf(model) }],
    batching: mode === 'serving-unbatched' ? false : { maxBatchSize: 256 },
    metrics: {},
  });
  port = (await server.listen(0, '127.0.0.1')).port;
  await server.ready();
}
process.stdout.write(`${JSON.stringify({ port })}\n`);
