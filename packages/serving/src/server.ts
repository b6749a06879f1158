import { createServer as createHttpServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { ConflictError, MlinfraError, parseOptions, ValidationError } from '@mlinfra/core';
import { z } from 'zod';
import { createHandler, type RequestHandler } from './http/handler.js';
import { checkServiceFields, serviceLimitsShape, serviceShape } from './options.js';
import { type PredictionService, serviceFromParsed } from './service/prediction-service.js';

/** A model server. */
export interface ModelServer {
  /** The request listener; mount it in an existing http, Express or Fastify (via middie) app. */
  readonly handler: RequestHandler;
  /** The in-process pipeline behind the handler. */
  readonly predictor: PredictionService;
  /** Starts listening (default port 8080, host 127.0.0.1) and resolves with the bound address. Models keep loading in the background; see `ready()`. */
  listen(port?: number, host?: string): Promise<AddressInfo>;
  /** Resolves once every model is loaded and warmed; rejects when one failed. */
  ready(): Promise<void>;
  /**
   * Graceful shutdown: readiness turns false, new connections are refused, in-flight requests
   * finish (up to `shutdown.graceMs`), then models unload and the prediction log flushes. On a
   * signal this starts after `shutdown.delayMs`, during which readiness already fails.
   */
  close(): Promise<void>;
  /** `await using server = createServer(...)` closes it at the end of the scope. */
  [Symbol.asyncDispose](): Promise<void>;
}

const serverLimitsSchema = z.strictObject({
  ...serviceLimitsShape,
  /**
   * Longest wait for a request's complete headers, in ms; a client slower than that gets 408 and
   * its connection closes. Default 10,000 (at most `requestTimeoutMs`).
   */
  headersTimeoutMs: z.number().int().positive().optional(),
  /**
   * Longest pause between two chunks of a request body, in ms; a stalled upload gets 408 and its
   * connection closes. The whole request (headers and body) must also arrive within
   * `requestTimeoutMs`. Default 10,000.
   */
  bodyIdleTimeoutMs: z.number().int().positive().optional(),
});

/** The HTTP timeouts, in ms, with defaults applied. */
interface HttpTimeouts {
  headersMs: number;
  requestMs: number;
  bodyIdleMs: number;
}

function httpTimeouts(limits: z.output<typeof serverLimitsSchema> | undefined): HttpTimeouts {
  const requestMs = limits?.requestTimeoutMs ?? 30_000;
  const headersMs = limits?.headersTimeoutMs ?? Math.min(10_000, requestMs);
  if (headersMs > requestMs) {
    throw new ValidationError('Invalid createServer options; fix the fields listed below', [
      {
        path: ['limits', 'headersTimeoutMs'],
        message: `headersTimeoutMs (${headersMs}) must not exceed requestTimeoutMs (${requestMs}): the headers are part of the request`,
      },
    ]);
  }
  return { headersMs, requestMs, bodyIdleMs: limits?.bodyIdleTimeoutMs ?? 10_000 };
}

const signalSchema = z.custom<NodeJS.Signals>(
  (value) => typeof value === 'string' && /^SIG[A-Z0-9]+$/.test(value),
  { message: 'a signal name such as "SIGTERM"' },
);

const serverOptionsSchema = z
  .strictObject({
    ...serviceShape,
    /** Request limits. */
    limits: serverLimitsSchema.optional(),
    /** Bearer tokens; when set, every route but `/v2/health/*` needs `Authorization: Bearer <token>` (401 otherwise). */
    auth: z
      .strictObject({
        /** Accepted tokens, at least one. */
        tokens: z.array(z.string().min(1)).min(1, 'give at least one token'),
      })
      .optional(),
    /** Request header carrying the sticky routing key of canary splits. Default `x-routing-key`. */
    routingKeyHeader: z
      .string()
      .regex(/^[A-Za-z0-9-]+$/)
      .optional(),
    /** Graceful shutdown on signals, installed by `listen()`. */
    shutdown: z
      .strictObject({
        /** Signals that start a graceful shutdown. Default `['SIGTERM', 'SIGINT']`; `[]` installs none. */
        signals: z.array(signalSchema).optional(),
        /** Longest wait for in-flight requests before connections are cut, in ms. Default 30,000. */
        graceMs: z.number().min(0).optional(),
        /**
         * After a signal, readiness fails at once but requests are still accepted and answered for
         * this long before the listener closes, so Services and load balancers stop routing here
         * first (Kubernetes removes a terminating pod's endpoint while it is already getting
         * SIGTERM), in ms. Default 0.
         */
        delayMs: z.number().min(0).optional(),
        /** Exit the process after a signal-driven shutdown: 0 when drained, 1 when cut. Default true. */
        exit: z.boolean().optional(),
      })
      .optional(),
  })
  .superRefine(checkServiceFields);

/** Options of {@link createServer}: those of `createPredictionService` plus the HTTP ones. */
export type ServerOptions = z.input<typeof serverOptionsSchema>;

/** The status line for a connection-level error (what Node itself would answer). */
function clientErrorStatus(error: NodeJS.ErrnoException): string {
  if (error.code === 'ERR_HTTP_REQUEST_TIMEOUT') return '408 Request Timeout';
  if (error.code === 'HPE_HEADER_OVERFLOW') return '431 Request Header Fields Too Large';
  return '400 Bad Request';
}

/**
 * Creates a model server speaking the KServe V2 REST protocol (plus `/v1/models/{name}:predict`,
 * `/metrics`). Loading starts at once; `listen()` binds a port, `handler` mounts elsewhere.
 * @throws ValidationError on invalid options.
 */
export function createServer(options: ServerOptions): ModelServer {
  const parsed = parseOptions(serverOptionsSchema, options, 'createServer options');
  const { auth, routingKeyHeader, shutdown } = parsed;
  const timeouts = httpTimeouts(parsed.limits);
  const predictor = serviceFromParsed(parsed);
  let draining = false;
  let unready = false;
  let active = 0;
  const idle: (() => void)[] = [];
  const baseHandler = createHandler({
    service: predictor,
    maxBodyBytes: parsed.limits?.maxBodyBytes ?? 16 * 1024 * 1024,
    bodyIdleTimeoutMs: timeouts.bodyIdleMs,
    tokens: auth?.tokens,
    routingKeyHeader: (routingKeyHeader ?? 'x-routing-key').toLowerCase(),
    serverName: 'mlinfra-serving',
    serverVersion: '0',
    draining: () => draining,
    unready: () => unready || draining,
  });
  const handler: RequestHandler = (request, response, next) => {
    active++;
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      active--;
      if (active === 0) for (const resolve of idle.splice(0)) resolve();
    };
    response.once('close', finish);
    response.once('finish', finish);
    baseHandler(request, response, next);
  };
  let server: Server | undefined;
  const sockets = new Set<Socket>();
  let closing: Promise<void> | undefined;
  const graceMs = shutdown?.graceMs ?? 30_000;
  let removeSignals: (() => void) | undefined;
  let drainedInTime = true;

  const close = (): Promise<void> => {
    closing ??= (async () => {
      unready = true;
      draining = true;
      removeSignals?.();
      const stopped = server
        ? new Promise<void>((resolve) => server!.close(() => resolve()))
        : Promise.resolve();
      server?.closeIdleConnections();
      const drained =
        active === 0 ? Promise.resolve() : new Promise<void>((resolve) => idle.push(resolve));
      let timer: NodeJS.Timeout | undefined;
      const grace = new Promise<'timeout'>((resolve) => {
        timer = setTimeout(() => resolve('timeout'), graceMs);
      });
      const outcome = await Promise.race([drained.then(() => 'drained' as const), grace]);
      clearTimeout(timer);
      if (outcome === 'timeout') {
        drainedInTime = false;
        server?.closeAllConnections();
        for (const socket of sockets) socket.destroy();
      }
      // Idle keep-alive sockets close now; busy ones closed after their answer (Connection: close).
      server?.closeIdleConnections();
      await Promise.all([stopped, predictor.close()]);
    })();
    return closing;
  };

  return {
    handler,
    predictor,
    ready: () => predictor.ready(),
    close,
    [Symbol.asyncDispose]: close,
    listen(port = 8080, host = '127.0.0.1') {
      if (server !== undefined) {
        return Promise.reject(
          new ValidationError(
            'This server is already listening; create another server for another port.',
          ),
        );
      }
      server = createHttpServer(
        {
          keepAliveTimeout: 5_000,
          // Node answers 408 and closes a connection whose headers, or whole request (body
          // included), are late; it checks every `connectionsCheckingInterval` ms.
          headersTimeout: timeouts.headersMs,
          requestTimeout: timeouts.requestMs,
          connectionsCheckingInterval: Math.max(
            50,
            Math.min(1_000, Math.floor(timeouts.headersMs / 4)),
          ),
        },
        handler,
      );
      server.on('connection', (socket) => {
        sockets.add(socket);
        socket.once('close', () => sockets.delete(socket));
      });
      server.on('clientError', (error: NodeJS.ErrnoException, socket) => {
        // Answer only when nothing was written yet (as Node does), then drop the connection.
        if (socket.writable && (socket as Socket).bytesWritten === 0) {
          const answer = `HTTP/1.1 ${clientErrorStatus(error)}\r\nconnection: close\r\ncontent-length: 0\r\n\r\n`;
          socket.end(answer, () => socket.destroy());
        } else socket.destroy();
      });
      const signals = shutdown?.signals ?? ['SIGTERM', 'SIGINT'];
      if (signals.length > 0) {
        const onSignal = () => {
          // Readiness fails now; the listener stays open for the delay (see shutdown.delayMs).
          unready = true;
          const delayMs = shutdown?.delayMs ?? 0;
          const delayed =
            delayMs > 0
              ? new Promise<void>((resolve) => setTimeout(resolve, delayMs))
              : Promise.resolve();
          void delayed.then(close).then(
            () => {
              if (shutdown?.exit ?? true) process.exit(drainedInTime ? 0 : 1);
            },
            () => {
              if (shutdown?.exit ?? true) process.exit(1);
            },
          );
        };
        for (const signal of signals) process.once(signal, onSignal);
        removeSignals = () => {
          for (const signal of signals) process.removeListener(signal, onSignal);
        };
      }
      const listening = server;
      return new Promise<AddressInfo>((resolve, reject) => {
        const fail = (error: NodeJS.ErrnoException) => {
          removeSignals?.();
          server = undefined;
          const where = `${host}:${port}`;
          reject(
            error.code === 'EADDRINUSE'
              ? new ConflictError(
                  `Port ${where} is already in use; pick another port (0 picks a free one) or stop the other process.`,
                  { cause: error },
                )
              : new MlinfraError(
                  `Cannot listen on ${where}: ${error.message}. Check the host and port.`,
                  'INTERNAL',
                  { cause: error },
                ),
          );
        };
        listening.once('error', fail);
        listening.listen(port, host, () => {
          listening.removeListener('error', fail);
          resolve(listening.address() as AddressInfo);
        });
      });
    },
  };
}
