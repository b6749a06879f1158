import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer as createHttpServer, request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { linearPredictor, until } from './__fixtures__/predictors.js';
import { createServer } from './index.js';

function post(
  port: number,
  path: string,
  body: unknown,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { host: '127.0.0.1', port, path, method: 'POST', agent: false },
      (res) => {
        let text = '';
        res.on('data', (chunk: Buffer) => (text += chunk.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      },
    );
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}

function get(port: number, path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end();
  });
}

const slowBody = (value: number) => ({
  inputs: [{ name: 'x', shape: [1, 1], datatype: 'FP32', data: [value] }],
});

describe('lifecycle', () => {
  it('on SIGTERM stops accepting, drains in-flight requests and exits 0 (real child process)', async () => {
    const script = fileURLToPath(new URL('./__fixtures__/serve-child.mjs', import.meta.url));
    const dist = fileURLToPath(new URL('../dist/index.js', import.meta.url));
    expect(existsSync(dist), 'build first: pnpm --filter @mlinfra/serving build').toBe(true);
    const child = spawn(process.execPath, [script, '400'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) =>
      child.once('exit', (code) => resolve(code)),
    );
    const port = await new Promise<number>((resolve, reject) => {
      let buffer = '';
      child.stdout.on('data', (chunk: Buffer) => {
        buffer += chunk.toString();
        const line = buffer.split('\n')[0];
        if (buffer.includes('\n') && line) resolve((JSON.parse(line) as { port: number }).port);
      });
      child.once('exit', () => reject(new Error(`child exited early: ${stderr}`)));
    });
    expect(await get(port, '/v2/health/ready')).toBe(200);
    const inFlight = [1, 2, 3].map((value) => post(port, '/v2/models/slow/infer', slowBody(value)));
    await new Promise((resolve) => setTimeout(resolve, 100));
    child.kill('SIGTERM');
    await new Promise((resolve) => setTimeout(resolve, 50));
    const refused = await get(port, '/v2/health/ready').then(
      (status) => status,
      (error: NodeJS.ErrnoException) => error.code,
    );
    expect(refused === 'ECONNREFUSED' || refused === 503).toBe(true);
    const replies = await Promise.all(inFlight);
    expect(replies.map((r) => r.status)).toEqual([200, 200, 200]);
    expect(
      replies.map(
        (r) => (JSON.parse(r.body) as { outputs: { data: number[] }[] }).outputs[0]!.data[0],
      ),
    ).toEqual([2, 3, 4]);
    expect(await exited).toBe(0);
  }, 30_000);

  it('turns readiness false while draining and answers new requests 503 on open connections', async () => {
    const server = createServer({
      models: [{ name: 'slow', predictor: linearPredictor({ delayMs: 200 }) }],
      shutdown: { signals: [] },
      warmup: false,
    });
    await server.ready();
    const app = createHttpServer((req, res) => server.handler(req, res));
    await new Promise<void>((resolve) => app.listen(0, '127.0.0.1', resolve));
    const { port } = app.address() as AddressInfo;
    const body = { inputs: [{ name: 'x', shape: [1, 3], datatype: 'FP32', data: [1, 0, 0] }] };
    const inFlight = post(port, '/v2/models/slow/infer', body);
    // Wait for the request to reach the model, not for a fixed time: a loaded machine is slow.
    await until(() => server.predictor.inFlight > 0);
    const closing = server.close();
    expect(await get(port, '/v2/health/ready')).toBe(503);
    expect(await get(port, '/v2/models/slow/ready')).toBe(503);
    const late = await post(port, '/v2/models/slow/infer', body);
    expect(late.status).toBe(503);
    expect(late.body).toMatch(/shutting down/);
    expect((await inFlight).status).toBe(200);
    await closing;
    await new Promise((resolve) => app.close(resolve));
  });
});
