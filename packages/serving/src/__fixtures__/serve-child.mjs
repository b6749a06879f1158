// A real server process for the SIGTERM test: a slow model, so requests are in flight when the signal comes.
import { createServer } from '../../dist/index.js';

const delayMs = Number(process.argv[2] ?? 300);
const server = createServer({
  models: [
    {
      name: 'slow',
      predictor: {
        signature: {
          inputs: [{ name: 'x', datatype: 'FP32', shape: [-1, 1] }],
          outputs: [{ name: 'y', datatype: 'FP32', shape: [-1, 1] }],
        },
        async predict(batch) {
          await new Promise((resolve) => setTimeout(resolve, delayMs));
          return batch.map((value) => value + 1);
        },
      },
    },
  ],
  warmup: false,
  batching: false,
  shutdown: { graceMs: 10_000 },
});
const address = await server.listen(0, '127.0.0.1');
await server.ready();
process.stdout.write(`${JSON.stringify({ port: address.port })}\n`);
