import { connect, type Socket } from 'node:net';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpCall } from '../__fixtures__/http.js';
import { linearPredictor } from '../__fixtures__/predictors.js';
import { createServer, type ModelServer } from '../index.js';

const post = (port: number, path: string, text: string) => httpCall(port, 'POST', path, text);

const nested = (depth: number, leaf = '1') => `${'['.repeat(depth)}${leaf}${']'.repeat(depth)}`;
const v2 = (shape: string, data: string) =>
  `{"inputs":[{"name":"x","shape":${shape},"datatype":"FP32","data":${data}}]}`;

describe('hostile request bodies', () => {
  let server: ModelServer;
  let port: number;

  beforeAll(async () => {
    server = createServer({
      models: [
        { name: 'linear', predictor: linearPredictor({ features: 4 }) },
        { name: 'single', predictor: linearPredictor({ features: 4 }), batching: false },
      ],
      batching: { maxBatchSize: 64 },
      shutdown: { signals: [] },
    });
    port = (await server.listen(0)).port;
    await server.ready();
  });
  afterAll(async () => {
    await server.close();
  });

  it('answers 400 naming the field for data and instances nested 10,000+ levels', async () => {
    for (const depth of [10_000, 100_000]) {
      const data = await post(port, '/v2/models/linear/infer', v2('[1,4]', nested(depth)));
      expect(data.status).toBe(400);
      expect(data.error).toMatch(/inputs\.0\.data\.0\.0: arrays nested deeper than 2 levels/);
      const rows = await post(port, '/v1/models/linear:predict', `{"instances":${nested(depth)}}`);
      expect(rows.status).toBe(400);
      expect(rows.error).toMatch(/instances\.0\.0: arrays nested deeper than 1 levels/);
      const raw = `{"instances":[{"f0":${nested(depth)},"f1":1,"f2":1,"f3":1}]}`;
      const objects = await post(port, '/v1/models/linear:predict', raw);
      expect(objects.status).toBe(400);
      expect(objects.error).toMatch(/instances\.0\.f0(\.0)+: objects and arrays nested deeper/);
      const deepObject = `{"instances":[{"f0":${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}}]}`;
      expect((await post(port, '/v1/models/linear:predict', deepObject)).status).toBe(400);
    }
  });

  it('answers 400 for absurd shapes before allocating, against the data sent and maxBatchSize', async () => {
    const batched = await post(port, '/v2/models/linear/infer', v2('[1e12,4]', '[1,2,3,4]'));
    expect(batched.status).toBe(400);
    expect(batched.error).toMatch(/1000000000000 rows .* at most 64 per batch/);
    const unbatched = await post(port, '/v2/models/single/infer', v2('[1e12,4]', '[1,2,3,4]'));
    expect(unbatched.status).toBe(400);
    expect(unbatched.error).toMatch(
      /inputs\.0\.data: shape \[1000000000000,4\] needs 4000000000000 values, got 4/,
    );
    const huge = await post(port, '/v2/models/single/infer', v2('[2147483648,4]', '[]'));
    expect(huge.status).toBe(400);
    expect(huge.error).toMatch(/needs 8589934592 values, got 0/);
  });

  it('answers 400 naming the tensor and index for values outside the float32 range', async () => {
    const v2reply = await post(port, '/v2/models/linear/infer', v2('[1,4]', '[1,2,1e39,4]'));
    expect(v2reply.status).toBe(400);
    expect(v2reply.error).toMatch(/inputs\.0\.data\.2: 1e\+39 is outside the float32 range .* "x"/);
    const nestedReply = await post(port, '/v2/models/linear/infer', v2('[1,4]', '[[1,2,3,-4e38]]'));
    expect(nestedReply.error).toMatch(
      /inputs\.0\.data\.0\.3: -4e\+38 is outside the float32 range/,
    );
    const rows = await post(
      port,
      '/v1/models/linear:predict',
      '{"instances":[[1,2,3,4],[1,1e300,1,1]]}',
    );
    expect(rows.status).toBe(400);
    expect(rows.error).toMatch(/instances\.1\.1: 1e\+300 is outside the float32 range/);
    // Raw rows: the transform's output is checked, so no Infinity reaches the model.
    const raw = await post(
      port,
      '/v1/models/linear:predict',
      '{"instances":[{"f0":1,"f1":2,"f2":3,"f3":4},{"f0":1,"f1":2,"f2":5e38,"f3":4}]}',
    );
    expect(raw.status).toBe(400);
    expect(raw.error).toMatch(/instances\.1: .* input column 2/);
    // The largest float32 itself is fine.
    const edge = await post(
      port,
      '/v2/models/linear/infer',
      v2('[1,4]', '[3.4028234663852886e38,0,0,0]'),
    );
    expect(edge.status).toBe(200);
  });

  it('never crashes and answers 4xx with an error for any body, hostile ones included', async () => {
    const hostile = fc.oneof(
      fc.integer({ min: 3, max: 30_000 }).map((depth) => v2('[1,4]', nested(depth))),
      fc.integer({ min: 2, max: 30_000 }).map((depth) => `{"instances":${nested(depth)}}`),
      fc
        .integer({ min: 2, max: 30_000 })
        .map((depth) => `{"instances":[{"f0":${nested(depth, '{}')}}]}`),
      fc
        .tuple(fc.oneof(fc.integer(), fc.double(), fc.constant(1e12)), fc.integer())
        .map(([rows, width]) => v2(JSON.stringify([rows, width]), '[1,2,3,4]')),
      fc
        .array(fc.double({ min: 3.5e38, noNaN: true }), { minLength: 4, maxLength: 4 })
        .map((values) => v2('[1,4]', JSON.stringify(values))),
      fc
        .array(fc.double({ noNaN: true }), { minLength: 1, maxLength: 8 })
        .map((values) => `{"instances":[${JSON.stringify(values)}]}`),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          hostile,
          fc.json(),
          fc.string(),
          fc.jsonValue().map((v) => JSON.stringify({ inputs: [v] })),
          fc.jsonValue().map((v) => JSON.stringify({ instances: [v] })),
          fc
            .array(fc.dictionary(fc.constantFrom('f0', 'f1', 'f2', 'f3', 'x'), fc.jsonValue()), {
              maxLength: 3,
            })
            .map((rows) => JSON.stringify({ instances: rows })),
        ),
        fc.constantFrom(
          '/v2/models/linear/infer',
          '/v2/models/single/infer',
          '/v1/models/linear:predict',
        ),
        async (text, path) => {
          const reply = await post(port, path, text);
          expect(reply.status === 200 || (reply.status >= 400 && reply.status < 500)).toBe(true);
          if (reply.status !== 200) expect(reply.error.length).toBeGreaterThan(0);
        },
      ),
      { numRuns: 150 },
    );
    const live = (await httpCall(port, 'GET', '/v2/health/live')).status;
    expect(live).toBe(200);
  });
});

/** What a trickling client saw: the status line (if any) and when the server closed it. */
interface Trickle {
  statusLine: string | undefined;
  closedAfterMs: number;
}

/**
 * Opens a raw socket, writes `head` at once, then writes `trickle` one byte every `everyMs` ms
 * (or nothing) until the server answers or closes; resolves when the server closes the socket.
 */
function trickle(
  port: number,
  head: string,
  trickleText: string,
  everyMs: number,
): Promise<Trickle> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const socket: Socket = connect(port, '127.0.0.1');
    let received = '';
    let position = 0;
    let timer: NodeJS.Timeout | undefined;
    const guard = setTimeout(() => {
      socket.destroy();
      reject(new Error('the server kept a trickling connection open for 20 s'));
    }, 20_000);
    socket.on('connect', () => {
      socket.write(head);
      if (trickleText.length > 0) {
        timer = setInterval(() => {
          if (position < trickleText.length && socket.writable)
            socket.write(trickleText[position++]!);
        }, everyMs);
      }
    });
    socket.on('data', (chunk: Buffer) => {
      received += chunk.toString('latin1');
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearInterval(timer);
      clearTimeout(guard);
      resolve({
        statusLine: received.length > 0 ? received.split('\r\n')[0] : undefined,
        closedAfterMs: performance.now() - started,
      });
    });
  });
}

describe('slow and stalled requests', () => {
  let server: ModelServer;
  let port: number;
  const body = v2('[1,4]', '[1,2,3,4]');

  beforeAll(async () => {
    server = createServer({
      models: [{ name: 'linear', predictor: linearPredictor({ features: 4 }) }],
      limits: { headersTimeoutMs: 400, requestTimeoutMs: 1_000, bodyIdleTimeoutMs: 300 },
      shutdown: { signals: [] },
    });
    port = (await server.listen(0)).port;
    await server.ready();
  });
  afterAll(async () => {
    await server.close();
  });

  const expectCutOff = (seen: Trickle, limitMs: number) => {
    // 408 when the server could still answer; otherwise the connection is simply closed.
    if (seen.statusLine !== undefined) expect(seen.statusLine).toBe('HTTP/1.1 408 Request Timeout');
    // Well within Node's defaults (60 s for headers, 300 s for a request) that held sockets before.
    expect(seen.closedAfterMs).toBeLessThan(limitMs + 4_000);
  };

  it('closes a connection whose headers trickle in past headersTimeoutMs with 408', async () => {
    const requestLine = 'POST /v2/models/linear/infer HTTP/1.1\r\n';
    const headers = `host: x\r\ncontent-type: application/json\r\nx-padding: ${'a'.repeat(200)}\r\n\r\n`;
    const seen = await trickle(port, requestLine, headers, 50);
    expect(seen.statusLine).toBe('HTTP/1.1 408 Request Timeout');
    expectCutOff(seen, 400);
  });

  it('closes a body that trickles in past requestTimeoutMs, though never idle', async () => {
    const head = `POST /v2/models/linear/infer HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: ${body.length + 200}\r\n\r\n`;
    const seen = await trickle(port, head, `${body}${' '.repeat(200)}`, 50);
    expectCutOff(seen, 1_000);
  });

  it('answers a stalled body 408 after bodyIdleTimeoutMs and closes the connection', async () => {
    const head = `POST /v2/models/linear/infer HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: ${body.length}\r\n\r\n${body.slice(0, 10)}`;
    const seen = await trickle(port, head, '', 0);
    expect(seen.statusLine).toBe('HTTP/1.1 408 Request Timeout');
    expectCutOff(seen, 300);
  });

  it('still serves a normal request on the same server', async () => {
    const reply = await post(port, '/v2/models/linear/infer', body);
    expect(reply.status).toBe(200);
  });

  it('refuses headersTimeoutMs above requestTimeoutMs', () => {
    expect(() =>
      createServer({
        models: [{ name: 'a', predictor: linearPredictor() }],
        limits: { headersTimeoutMs: 5_000, requestTimeoutMs: 1_000 },
      }),
    ).toThrow(
      /limits\.headersTimeoutMs: headersTimeoutMs \(5000\) must not exceed requestTimeoutMs/,
    );
  });
});
