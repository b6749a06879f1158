import {
  createServer as createHttpServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { createStore, MlinfraError } from '@mlinfra/core';
import {
  createMonitor,
  type DatasetProfile,
  type DriftReport,
  renderHtmlReport,
} from '@mlinfra/drift';
import {
  openRegistry,
  type PromotionGate,
  PromotionRefusedError,
  type Registry,
} from '@mlinfra/registry';
import {
  createServer as createModelServer,
  type ModelServer,
  type PredictionRecord,
  type PredictionSink,
} from '@mlinfra/serving';

/** Options of {@link createPlatform}. */
export interface PlatformOptions {
  /** mlinfra home holding the store and registry.db. */
  home: string;
  /** The model to serve, followed as its alias moves. Default `weather@champion`. */
  model?: string;
  /** Training profile of the model's input features: the drift reference. */
  reference: DatasetProfile;
  /** Predictions per drift window. Default 100. */
  windowSize?: number;
}

/** One running platform service. */
export interface Platform {
  /** The HTTP server (not yet listening). */
  readonly server: Server;
  readonly registry: Registry;
  /** Listens on `port` (0: any free one) of 127.0.0.1 and waits until the model is loaded. */
  listen(port?: number): Promise<string>;
  /** Stops serving (drains requests, flushes the prediction log), then closes the registry. */
  close(): Promise<void>;
}

function send(response: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
  });
  response.end(text);
}

async function readJson(request: IncomingMessage): Promise<Record<string, unknown>> {
  let text = '';
  for await (const chunk of request) {
    text += chunk;
    if (text.length > 100_000) throw new MlinfraError('request body over 100 kB', 'VALIDATION');
  }
  try {
    const value = JSON.parse(text || '{}') as unknown;
    if (typeof value === 'object' && value !== null && !Array.isArray(value))
      return value as Record<string, unknown>;
  } catch {
    // fall through
  }
  throw new MlinfraError('The body must be a JSON object', 'VALIDATION');
}

/**
 * A platform service of your own, assembled from the parts: the registry (models, versions,
 * gated promotion), the model server (KServe V2 + /v1, following `name@alias`), and a drift
 * monitor fed by the server's prediction log. One process, one port:
 *
 * - `/v1/...`, `/v2/...`, `/metrics`: the model server's handler, mounted as is
 * - `GET /platform/models`: registered models with versions, aliases and metrics
 * - `POST /platform/models/{name}/promote` `{ version, alias?, gates? }`: gated promotion (409 when refused);
 *   the server follows the alias within a moment, with no restart
 * - `GET /platform/traffic`: predictions answered per model version
 * - `GET /platform/drift`, `GET /platform/drift/report.html`: drift of the live inputs
 */
export async function createPlatform(options: PlatformOptions): Promise<Platform> {
  const store = createStore(options.home);
  const registry = await openRegistry({
    url: join(options.home, 'registry.db'),
    store,
    pollIntervalMs: 100,
  });
  const reports: DriftReport[] = [];
  const monitor = createMonitor({
    reference: options.reference,
    window: { size: options.windowSize ?? 100 },
    drift: { numericTest: 'ks' },
    onReport: (report) => {
      reports.push(report);
      if (reports.length > 20) reports.shift();
    },
  });
  const byVersion: Record<string, number> = {};
  // The server's prediction log goes to our own sink: counts per version, and the drift monitor.
  const sink: PredictionSink = {
    write(records: readonly PredictionRecord[]) {
      const rows: Array<Record<string, unknown>> = [];
      for (const record of records) {
        byVersion[record.version] = (byVersion[record.version] ?? 0) + 1;
        // Raw /v1 rows only (V2 requests carry transformed tensors).
        if (
          record.shadow === true ||
          typeof record.inputs !== 'object' ||
          Array.isArray(record.inputs)
        )
          continue;
        rows.push(record.inputs as Record<string, unknown>);
      }
      if (rows.length > 0) monitor.observe(rows);
    },
  };
  const modelServer: ModelServer = createModelServer({
    models: [options.model ?? 'weather@champion'],
    source: registry,
    store,
    backend: 'wasm',
    log: { sink, flushIntervalMs: 50 },
    shutdown: { signals: [], exit: false },
  });

  const route = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const path = (request.url ?? '/').split('?')[0]!;
    const method = request.method ?? 'GET';
    if (path === '/platform/models' && method === 'GET') {
      const page = await registry.listModels();
      const models = await Promise.all(
        page.models.map(async (model) => ({
          ...model,
          versions: (await registry.listVersions(model.name)).versions.map((version) => ({
            version: version.version,
            aliases: version.aliases,
            metrics: version.metrics,
            approval: version.approval.status,
          })),
        })),
      );
      send(response, 200, { models });
      return;
    }
    const promote = /^\/platform\/models\/([^/]+)\/promote$/.exec(path);
    if (promote !== null && method === 'POST') {
      const body = await readJson(request);
      const version = Number(body.version);
      if (!Number.isInteger(version) || version < 1) {
        send(response, 400, {
          error: 'Give { "version": <number>, "alias"?: "champion", "gates"?: [...] }',
        });
        return;
      }
      try {
        const report = await registry.promote(
          decodeURIComponent(promote[1]!),
          version,
          String(body.alias ?? 'champion'),
          {
            gates: (body.gates ?? []) as PromotionGate[],
          },
        );
        send(response, 200, report);
      } catch (error) {
        if (error instanceof PromotionRefusedError)
          send(response, 409, { error: error.message, report: error.report });
        else throw error;
      }
      return;
    }
    if (path === '/platform/traffic' && method === 'GET') {
      send(response, 200, { byVersion });
      return;
    }
    if (path === '/platform/drift' && method === 'GET') {
      const latest = reports.at(-1);
      send(response, 200, {
        status: latest === undefined ? 'collecting' : latest.datasetDrift ? 'drift' : 'ok',
        openWindowRows: monitor.snapshot().profile.rowCount,
        latest:
          latest === undefined
            ? null
            : {
                rows: latest.currentRows,
                driftShare: latest.driftShare,
                drifted: latest.columns
                  .filter((column) => column.drifted)
                  .map((column) => column.column),
              },
      });
      return;
    }
    if (path === '/platform/drift/report.html' && method === 'GET') {
      const latest = reports.at(-1);
      if (latest === undefined) {
        send(response, 404, { error: 'No drift window has closed yet; send more predictions' });
        return;
      }
      const html = renderHtmlReport(latest, { title: 'Live predictions vs training profile' });
      response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      response.end(html);
      return;
    }
    modelServer.handler(request, response, () =>
      send(response, 404, { error: `No route for ${method} ${path}; see /platform/models, /v2` }),
    );
  };

  const server = createHttpServer((request, response) => {
    route(request, response).catch((error: unknown) => {
      if (response.headersSent) {
        response.destroy();
        return;
      }
      const status = MlinfraError.isInstance(error)
        ? error.code === 'NOT_FOUND'
          ? 404
          : error.code === 'VALIDATION'
            ? 400
            : 500
        : 500;
      send(response, status, { error: error instanceof Error ? error.message : String(error) });
    });
  });

  return {
    server,
    registry,
    async listen(port = 0) {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, '127.0.0.1', () => resolve());
      });
      await modelServer.ready();
      return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    },
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      await closed;
      await modelServer.close();
      await registry.close();
    },
  };
}
