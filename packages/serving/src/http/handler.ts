import type { IncomingMessage, ServerResponse } from 'node:http';
import { MlinfraError, ValidationError } from '@mlinfra/core';
import { QueueFullError, ServerClosedError } from '../errors.js';
import type { PredictionService } from '../service/prediction-service.js';
import { statusOf } from '../service/status.js';
import { createTokenCheck } from './auth.js';

/** Settings of the HTTP layer (already validated). */
export interface HandlerSettings {
  service: PredictionService;
  maxBodyBytes: number;
  /** Longest pause between two body chunks, in ms, before the answer is 408. */
  bodyIdleTimeoutMs: number;
  tokens: readonly string[] | undefined;
  routingKeyHeader: string;
  serverName: string;
  serverVersion: string;
  /** True once shutdown began: readiness is false and connections are closed after each answer. */
  draining(): boolean;
  /** True once a shutdown was asked for: readiness fails, requests are answered until draining. */
  unready(): boolean;
}

/** A Node request listener that also accepts Express/Connect's `next`. */
export type RequestHandler = (
  request: IncomingMessage,
  response: ServerResponse,
  next?: (error?: unknown) => void,
) => void;

const MODEL_PATH = /^\/v2\/models\/([^/]+)(?:\/versions\/([^/]+))?(\/ready|\/infer)?\/?$/;
const V1_PATH = /^\/v1\/models\/([^/:]+)(?:\/versions\/([^/:]+))?:predict$/;
const V1_STATUS_PATH = /^\/v1\/models\/([^/:]+)$/;
const PUBLIC_PATHS = new Set(['/v2/health/live', '/v2/health/ready']);

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

function send(
  response: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  if (response.headersSent) {
    response.end();
    return;
  }
  const text = JSON.stringify(body);
  response.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    ...headers,
  });
  response.end(text);
}

function readBody(
  request: IncomingMessage,
  maxBytes: number,
  idleTimeoutMs: number,
): Promise<unknown> {
  const parsed = request as IncomingMessage & { body?: unknown; _body?: boolean };
  // Mounted behind a body parser (express.json() sets `_body`) the stream is already consumed.
  if (parsed._body === true || (request.readableEnded && parsed.body !== undefined)) {
    if (typeof parsed.body === 'string' || Buffer.isBuffer(parsed.body)) {
      const text = parsed.body.toString();
      try {
        return Promise.resolve(JSON.parse(text));
      } catch (error) {
        return Promise.reject(
          new HttpError(400, `Malformed JSON body: ${(error as Error).message}. Send valid JSON.`),
        );
      }
    }
    return Promise.resolve(parsed.body);
  }
  const declared = Number(request.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes) {
    return Promise.reject(
      new HttpError(
        413,
        `Request body of ${declared} bytes is over the ${maxBytes}-byte limit (limits.maxBodyBytes); send fewer rows per request.`,
      ),
    );
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let failed = false;
    let idle: NodeJS.Timeout | undefined;
    const stall = () => {
      if (failed) return;
      failed = true;
      reject(
        new HttpError(
          408,
          `Request body stalled: no data for ${idleTimeoutMs} ms (limits.bodyIdleTimeoutMs); send the body without pauses.`,
        ),
      );
    };
    const watch = () => {
      clearTimeout(idle);
      idle = setTimeout(stall, idleTimeoutMs);
    };
    watch();
    const settle = () => clearTimeout(idle);
    request.once('end', settle);
    request.once('close', () => {
      settle();
      // The connection went away mid-body (the client left, or a server timeout cut it).
      if (!failed && !request.complete) {
        failed = true;
        reject(new HttpError(400, 'The request closed before its body was complete.'));
      }
    });
    request.on('data', (chunk: Buffer) => {
      if (failed) return;
      watch();
      size += chunk.length;
      if (size > maxBytes) {
        failed = true;
        settle();
        reject(
          new HttpError(
            413,
            `Request body is over the ${maxBytes}-byte limit (limits.maxBodyBytes); send fewer rows per request.`,
          ),
        );
        return;
      }
      chunks.push(chunk);
    });
    request.on('error', (error) => {
      settle();
      if (!failed) {
        failed = true;
        reject(error);
      }
    });
    request.on('end', () => {
      if (failed) return;
      const text =
        chunks.length === 1 ? chunks[0]!.toString('utf8') : Buffer.concat(chunks).toString('utf8');
      try {
        resolve(JSON.parse(text));
      } catch (error) {
        // Only a failed parse pays for the emptiness check (trim copies the body).
        reject(
          text.trim().length === 0
            ? new HttpError(400, 'Request body is empty; send a JSON object.')
            : new HttpError(
                400,
                `Malformed JSON body: ${(error as Error).message}. Send valid JSON.`,
              ),
        );
      }
    });
  });
}

function decode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new HttpError(400, `Malformed URL segment "${segment}"; percent-encode model names.`);
  }
}

/** Builds the request handler serving the KServe V2 and `/v1` protocols, health and metrics. */
export function createHandler(settings: HandlerSettings): RequestHandler {
  const { service } = settings;
  const checkToken = settings.tokens === undefined ? undefined : createTokenCheck(settings.tokens);

  const answer = async (
    request: IncomingMessage,
    response: ServerResponse,
    next?: (error?: unknown) => void,
  ) => {
    const url = request.url ?? '/';
    const query = url.indexOf('?');
    const path = query >= 0 ? url.slice(0, query) : url;
    const method = request.method ?? 'GET';
    const ours =
      path === '/metrics' ||
      path === '/v2' ||
      path.startsWith('/v2/') ||
      path.startsWith('/v1/models/');
    if (!ours) {
      if (next) next();
      else
        send(response, 404, {
          error: `No route for ${method} ${path}; see /v2 and /v2/models/{name}.`,
        });
      return;
    }
    if (settings.unready()) response.setHeader('connection', 'close');
    if (
      checkToken !== undefined &&
      !PUBLIC_PATHS.has(path) &&
      !checkToken(request.headers.authorization)
    ) {
      send(
        response,
        401,
        { error: 'Missing or invalid bearer token; send "Authorization: Bearer <token>".' },
        { 'www-authenticate': 'Bearer' },
      );
      return;
    }
    const expect = (allowed: string) => {
      if (method !== allowed && !(allowed === 'GET' && method === 'HEAD')) {
        throw new HttpError(405, `${path} takes ${allowed}, not ${method}.`);
      }
    };
    if (path === '/v2/health/live') {
      expect('GET');
      send(response, 200, { live: true });
      return;
    }
    if (path === '/v2/health/ready') {
      expect('GET');
      const ready = service.isReady() && !settings.unready();
      send(response, ready ? 200 : 503, { ready });
      return;
    }
    if (path === '/v2' || path === '/v2/') {
      expect('GET');
      send(response, 200, {
        name: settings.serverName,
        version: settings.serverVersion,
        extensions: [],
      });
      return;
    }
    if (path === '/metrics') {
      expect('GET');
      const metrics = service.metrics;
      if (metrics === undefined)
        throw new HttpError(404, 'Metrics are turned off (metrics: false).');
      const text = await metrics.registry.metrics();
      response.writeHead(200, { 'content-type': metrics.registry.contentType });
      response.end(text);
      return;
    }
    if (settings.draining() && method === 'POST') {
      throw new ServerClosedError('The server is shutting down; retry against another replica.');
    }
    const keyHeader = request.headers[settings.routingKeyHeader];
    const routingKey = Array.isArray(keyHeader) ? keyHeader[0] : keyHeader;
    const isV1 = path.startsWith('/v1/models/');
    const v1Status = isV1 ? V1_STATUS_PATH.exec(path) : null;
    if (v1Status !== null) {
      expect('GET');
      const name = decode(v1Status[1]!);
      const ready = service.isModelReady(name) && !settings.unready();
      send(response, ready ? 200 : 503, { name, ready });
      return;
    }
    const v1 = isV1 ? V1_PATH.exec(path) : null;
    if (v1 !== null) {
      expect('POST');
      const name = decode(v1[1]!);
      const version = v1[2] === undefined ? undefined : decode(v1[2]);
      service.isModelReady(name); // 404 before reading a body for an unknown model
      const body = await readBody(request, settings.maxBodyBytes, settings.bodyIdleTimeoutMs);
      if (
        typeof body !== 'object' ||
        body === null ||
        !Array.isArray((body as { instances?: unknown }).instances)
      ) {
        throw new ValidationError('Invalid predict request.', [
          { path: ['instances'], message: 'the body must be { "instances": [...] }' },
        ]);
      }
      const answered = await service.predictVersioned(
        name,
        (body as { instances: unknown[] }).instances,
        {
          ...(version === undefined ? {} : { version }),
          ...(routingKey === undefined ? {} : { routingKey }),
        },
      );
      send(response, 200, {
        predictions: answered.predictions,
        model_name: name,
        model_version: answered.version,
      });
      return;
    }
    const match = MODEL_PATH.exec(path);
    if (match === null)
      throw new HttpError(
        404,
        `No route for ${method} ${path}; see /v2/models/{name}[/versions/{v}][/ready|/infer].`,
      );
    const name = decode(match[1]!);
    const version = match[2] === undefined ? undefined : decode(match[2]);
    const action = match[3];
    if (action === '/infer') {
      expect('POST');
      service.isModelReady(name);
      const body = await readBody(request, settings.maxBodyBytes, settings.bodyIdleTimeoutMs);
      const result = await service.infer(name, body, {
        ...(version === undefined ? {} : { version }),
        ...(routingKey === undefined ? {} : { routingKey }),
      });
      send(response, 200, result);
      return;
    }
    expect('GET');
    if (action === '/ready') {
      if (
        version !== undefined &&
        service.isModelReady(name) &&
        !service.isModelReady(name, version)
      ) {
        service.metadata(name, version); // throws NotFoundError naming the served versions
      }
      const ready = service.isModelReady(name, version) && !settings.unready();
      send(response, ready ? 200 : 503, { name, ready });
      return;
    }
    send(response, 200, service.metadata(name, version));
  };

  return (request, response, next) => {
    answer(request, response, next).catch((error: unknown) => {
      let status: number;
      let message: string;
      const headers: Record<string, string> = {};
      if (error instanceof HttpError) {
        status = error.status;
        message = error.message;
        if (status === 413 || status === 408) headers.connection = 'close';
      } else {
        status = statusOf(error);
        message =
          MlinfraError.isInstance(error) || error instanceof Error ? error.message : String(error);
        if (QueueFullError.isInstance(error))
          headers['retry-after'] = String(error.retryAfterSeconds);
        if (status === 503 && !QueueFullError.isInstance(error)) headers['retry-after'] = '1';
      }
      send(response, status, { error: message }, headers);
      // Read and discard what the client is still sending so the answer reaches it; an
      // oversized body is not read further: its connection closes after the answer.
      if (status === 408) {
        // A stalled client gets its answer, then loses the connection it holds.
        response.once('finish', () => request.socket.destroy());
      } else if (status !== 413 && !request.complete) request.resume();
    });
  };
}
