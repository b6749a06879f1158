import { resolve } from 'node:path';
import { type Command, numberOption, stringOption } from '../cli/command.js';
import { EXIT_CODES, UsageError } from '../cli/errors.js';
import { openStore, withRegistry } from '../cli/home.js';
import { emit } from '../cli/output.js';

const serve: Command = {
  path: ['serve'],
  args: ['[model...]'],
  summary: 'Serve registered models over HTTP (KServe V2 and /v1 predict) until SIGINT/SIGTERM.',
  details: `Models are references: name@alias (follows the alias as it moves), name/3 (fixed), name (latest).
Each version is loaded by its registered format: tfjs (@mlinfra/trainer) or onnx (onnxruntime-node,
installed with: npm install onnxruntime-node --ignore-scripts).

Without a model argument, MLINFRA_MODELS (comma-separated references) names them; without --token,
MLINFRA_TOKEN (comma-separated) does: this is how the container image is configured.

Examples:
  mlinfra serve weather@champion --port 8080
  mlinfra serve weather@champion --log ./predictions.jsonl   # then: mlinfra drift report --current ./predictions.jsonl ...
  curl -s localhost:8080/v1/models/weather:predict -d '{"instances":[{"temp_max":21,"wind":3}]}'`,
  options: {
    port: {
      type: 'string',
      short: 'p',
      value: '<n>',
      description: 'port (default 8080; 0 picks a free one)',
    },
    host: {
      type: 'string',
      value: '<addr>',
      description: 'address to listen on (default 127.0.0.1; 0.0.0.0 for all)',
    },
    log: {
      type: 'string',
      value: '<file.jsonl>',
      description: 'append every prediction to this JSONL prediction log',
    },
    backend: {
      type: 'string',
      value: '<name>',
      description:
        'TensorFlow.js backend: auto, wasm, cpu, tensorflow, tensorflow-gpu (default auto)',
    },
    token: {
      type: 'string',
      multiple: true,
      value: '<secret>',
      description: 'require Authorization: Bearer <secret> (repeatable)',
    },
    'max-batch-size': {
      type: 'string',
      value: '<n>',
      description: 'largest dynamic batch in rows (default 256)',
    },
    'shutdown-delay-ms': {
      type: 'string',
      value: '<ms>',
      description:
        'after SIGTERM, keep accepting requests this long with readiness failing (default 0)',
    },
    'drain-grace-ms': {
      type: 'string',
      value: '<ms>',
      description: 'after SIGTERM, in-flight requests get this long to finish (default 30000)',
    },
    'onnx-threads': {
      type: 'string',
      value: '<n>',
      description: 'threads per ONNX operator (intraOpNumThreads; default: one per core)',
    },
    'max-queue-delay-ms': {
      type: 'string',
      value: '<ms>',
      description: 'longest a partial batch waits for more rows (default 0)',
    },
  },
  async run(context, positional, options) {
    const fromEnv = (name: string) =>
      (context.io.env[name] ?? '')
        .split(',')
        .map((item) => item.trim())
        .filter((item) => item !== '');
    const references = positional.length > 0 ? positional : fromEnv('MLINFRA_MODELS');
    if (references.length === 0) {
      throw new UsageError(
        'Name the model to serve: mlinfra serve <name@alias> (or set MLINFRA_MODELS=name@alias)',
      );
    }
    const graceMs = numberOption(options, 'drain-grace-ms', { min: 0 });
    const delayMs = numberOption(options, 'shutdown-delay-ms', { min: 0 });
    const port = numberOption(options, 'port', { integer: true, min: 0 }) ?? 8080;
    const host = stringOption(options, 'host') ?? '127.0.0.1';
    const logPath = stringOption(options, 'log');
    const backend = stringOption(options, 'backend');
    const maxBatchSize = numberOption(options, 'max-batch-size', { integer: true, min: 1 });
    const maxQueueDelayMs = numberOption(options, 'max-queue-delay-ms', { min: 0 });
    const onnxThreads = numberOption(options, 'onnx-threads', { integer: true, min: 1 });
    const tokens = (options.token as string[] | undefined) ?? fromEnv('MLINFRA_TOKEN');
    const { createJsonlSink, createServer } = await import('@mlinfra/serving');
    return withRegistry(context, async (registry) => {
      const server = createServer({
        models: [...references],
        source: registry,
        store: openStore(context),
        ...(backend === undefined ? {} : { backend }),
        ...(onnxThreads === undefined ? {} : { onnx: { intraOpNumThreads: onnxThreads } }),
        ...(maxBatchSize === undefined && maxQueueDelayMs === undefined
          ? {}
          : {
              batching: {
                ...(maxBatchSize === undefined ? {} : { maxBatchSize }),
                ...(maxQueueDelayMs === undefined ? {} : { maxQueueDelayMs }),
              },
            }),
        ...(logPath === undefined
          ? {}
          : { log: { sink: createJsonlSink({ path: resolve(context.io.cwd, logPath) }) } }),
        ...(tokens.length === 0 ? {} : { auth: { tokens } }),
        // SIGINT/SIGTERM drain in-flight requests, then end the process (exit 0 when drained).
        shutdown: {
          signals: ['SIGINT', 'SIGTERM'],
          exit: true,
          ...(graceMs === undefined ? {} : { graceMs }),
          ...(delayMs === undefined ? {} : { delayMs }),
        },
        onEvent: (event) => {
          if (event.type === 'loaded' || event.type === 'swapped') {
            context.io.stderr(`${event.type} ${event.model} version ${event.version ?? '?'}\n`);
          } else if (event.type === 'load-failed') {
            context.io.stderr(
              `failed to load ${event.model}: ${String((event.error as Error)?.message ?? event.error)}\n`,
            );
          }
        },
      });
      const address = await server.listen(port, host);
      await server.ready();
      const url = `http://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}`;
      emit(
        context,
        {
          url,
          models: references,
          log: logPath === undefined ? null : resolve(context.io.cwd, logPath),
        },
        () =>
          [
            `Serving ${references.join(', ')} at ${url}`,
            `  POST ${url}/v2/models/<name>/infer   (KServe V2)`,
            `  POST ${url}/v1/models/<name>:predict  { "instances": [ { feature: value } ] }`,
            `  GET  ${url}/v2/health/ready, ${url}/metrics`,
            'Ctrl-C to stop.',
          ].join('\n'),
      );
      // Runs until a signal closes the server (which ends the process).
      await new Promise<never>(() => undefined);
      return EXIT_CODES.ok;
    });
  },
};

/** `mlinfra serve`. */
export const serveCommands: Command[] = [serve];
