import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { parseOptions, ValidationError } from '@mlinfra/core';
import { openRegistry, type Registry } from '@mlinfra/registry';
import { runAction } from './actions/actions.js';
import { MetricSeriesCache } from './data/metric-series.js';
import { html } from './html/html.js';
import { layout } from './html/layout.js';
import { driftReportHtml, metricData, runStatus } from './http/api.js';
import { ASSET_HEADERS, assets } from './http/assets.js';
import { createAuth } from './http/auth.js';
import { readForm } from './http/form.js';
import { HttpError } from './http/http-error.js';
import { PAGE_HEADERS, redirect, send, sendJson } from './http/respond.js';
import { PAGE_ROUTES } from './http/routes.js';
import { type UiOptions, uiOptionsSchema } from './options.js';
import type { Page, PageRequest, UiContext } from './pages/context.js';
import { loginPage, safeNext } from './pages/login-page.js';

/** A Node request listener that also takes Express/Connect's `next` (called for unknown methods). */
export type UiHandler = (
  request: IncomingMessage,
  response: ServerResponse,
  next?: (error?: unknown) => void,
) => void;

/** What {@link createUi} returns. */
export interface Ui {
  /** Mount it: `http.createServer(ui.handler)`, `app.use('/ui', ui.handler)` (Express), or see the README for Fastify. */
  readonly handler: UiHandler;
  /** Closes the registry handles opened to record actors (not the registry you passed). */
  close(): Promise<void>;
}

const STATUS_OF_CODE: Record<string, [number, string]> = {
  NOT_FOUND: [404, 'Not found'],
  VALIDATION: [400, 'Bad request'],
  CONFLICT: [409, 'Conflict'],
  BUDGET_EXCEEDED: [409, 'Budget exceeded'],
};

const API_ROUTES = [
  { pattern: /^\/api\/runs\/([^/]+)\/metrics\/([^/]+)$/, handle: metricData },
  { pattern: /^\/api\/runs\/([^/]+)\/status$/, handle: runStatus },
  { pattern: /^\/drift\/report\.html$/, handle: driftReportHtml },
];

const POST_ROUTES = [
  { pattern: /^\/models\/([^/]+)\/aliases$/, kind: 'alias' as const },
  { pattern: /^\/models\/([^/]+)\/versions\/([^/]+)\/approval$/, kind: 'approval' as const },
  { pattern: /^\/models\/([^/]+)\/versions\/([^/]+)\/promote$/, kind: 'promote' as const },
];

function decode(groups: string[]): string[] {
  return groups.map((group) => {
    try {
      return decodeURIComponent(group);
    } catch {
      throw new HttpError(400, 'Bad request', 'The address holds a malformed %-escape');
    }
  });
}

/**
 * The web UI as a request handler: runs, compare, models, lineage, datasets, drift and cost pages
 * rendered on the server, charts drawn by uPlot from shipped assets. Read-only unless `actions`
 * is true and `auth` says who may change aliases and approvals.
 * @throws ValidationError for bad options (unknown keys name the nearest known one).
 * @example
 * ```ts
 * const ui = createUi({ registry: await openRegistry() });
 * http.createServer(ui.handler).listen(3000);
 * ```
 */
export function createUi(options: UiOptions): Ui {
  const checked = parseOptions(uiOptionsSchema, options, 'createUi() options');
  if (
    checked.actions === true &&
    checked.auth?.tokens === undefined &&
    checked.auth?.authorize === undefined
  ) {
    throw new ValidationError(
      'createUi() with actions: true needs auth.tokens or auth.authorize, so that only people you allow can change models',
    );
  }
  const registry = checked.registry;
  const basePath = checked.basePath ?? '';
  const auth =
    checked.auth === undefined
      ? undefined
      : createAuth({
          tokens: checked.auth.tokens ?? [],
          authorize: checked.auth.authorize,
          secret: checked.auth.secret ?? randomBytes(32).toString('base64url'),
          sessionTtlMs: checked.auth.sessionTtlMs ?? 12 * 60 * 60 * 1000,
          cookiePath: basePath === '' ? '/' : basePath,
        });
  const table = assets();
  const byPath = new Map([...table.values()].map((asset) => [asset.path, asset]));
  const context: UiContext = {
    registry,
    datasets: checked.datasets,
    store: checked.store ?? registry.store,
    title: checked.title ?? 'mlinfra',
    actions: checked.actions === true,
    auth,
    gates: checked.gates ?? {},
    requireApproval: checked.requireApproval === true,
    predictionLogs: checked.predictionLogs ?? {},
    pageSize: checked.pageSize ?? 50,
    maxChartPoints: checked.maxChartPoints ?? 4000,
    pollIntervalMs: checked.pollIntervalMs ?? 2000,
    series: new MetricSeriesCache(registry),
    asset: (name) => table.get(name)?.path ?? '',
  };
  const onError = checked.onError ?? ((error: unknown) => console.error('@mlinfra/ui:', error));
  const actorRegistries = new Map<string, Promise<Registry>>();
  const registryFor = (actor: string): Promise<Registry> => {
    if (actor === registry.actor || registry.location === ':memory:')
      return Promise.resolve(registry);
    let opened = actorRegistries.get(actor);
    if (opened === undefined) {
      opened =
        checked.openRegistryAs?.(actor) ??
        openRegistry({ url: registry.location, store: registry.store, actor });
      actorRegistries.set(actor, opened);
    }
    return opened;
  };

  const render = (
    response: ServerResponse,
    request: PageRequest,
    page: Page,
    setCookie: string[],
  ) => {
    const headers: Record<string, string | string[]> = { ...PAGE_HEADERS };
    if (setCookie.length > 0) headers['set-cookie'] = setCookie;
    send(response, page.status ?? 200, layout(context, request, page), headers);
  };

  const handle = async (
    request: IncomingMessage,
    response: ServerResponse,
    next: ((error?: unknown) => void) | undefined,
  ): Promise<void> => {
    const mount = (request as IncomingMessage & { baseUrl?: string }).baseUrl;
    const requestBase = typeof mount === 'string' ? mount : basePath;
    const url = new URL(request.url ?? '/', 'http://ui.invalid');
    let path = url.pathname;
    if (typeof mount !== 'string' && basePath !== '') {
      if (path === basePath) path = '/';
      else if (path.startsWith(`${basePath}/`)) path = path.slice(basePath.length);
    }
    if (path.length > 1 && path.endsWith('/')) path = path.slice(0, -1);
    const pageUrl = new URL(`${path}${url.search}`, 'http://ui.invalid');
    const csrf = auth?.csrf(request) ?? { token: '' };
    const setCookie = csrf.setCookie === undefined ? [] : [csrf.setCookie];
    const pageRequest: PageRequest = {
      request,
      url: pageUrl,
      base: requestBase,
      params: [],
      actor: auth?.actorOf(request),
      csrf: csrf.token,
    };
    const method = request.method ?? 'GET';
    try {
      if (method === 'GET' || method === 'HEAD') {
        const asset = byPath.get(path);
        if (asset !== undefined) {
          send(response, 200, method === 'HEAD' ? '' : asset.body, {
            ...ASSET_HEADERS,
            'content-type': asset.contentType,
          });
          return;
        }
        for (const route of API_ROUTES) {
          const match = route.pattern.exec(path);
          if (match === null) continue;
          pageRequest.params = decode(match.slice(1));
          await route.handle(context, pageRequest, response);
          return;
        }
        if (path === '/login' && auth?.usesTokens === true) {
          render(response, pageRequest, loginPage(context, pageRequest), setCookie);
          return;
        }
        for (const route of PAGE_ROUTES) {
          const match = route.pattern.exec(path);
          if (match === null) continue;
          pageRequest.params = decode(match.slice(1));
          const result = await route.handle(context, pageRequest, response);
          if ('handled' in result) return;
          if ('location' in result) redirect(response, result.location);
          else render(response, pageRequest, result, setCookie);
          return;
        }
        throw new HttpError(404, 'Not found', `No page at ${path}; start from the overview`);
      }
      if (method === 'POST') {
        const form = await readForm(request);
        if (path === '/login' || path === '/logout') {
          if (auth === undefined || !auth.usesTokens)
            throw new HttpError(404, 'Not found', 'This UI has no token login');
          auth.checkCsrf(request, form);
          if (path === '/logout') {
            redirect(response, `${requestBase}/`, {
              'set-cookie': auth.clearSessionCookie(request),
            });
            return;
          }
          const actor = auth.actorOfToken(form.get('token') ?? '');
          if (actor === undefined) {
            render(response, pageRequest, loginPage(context, pageRequest, true), setCookie);
            return;
          }
          redirect(response, safeNext(pageRequest, form.get('next')), {
            'set-cookie': auth.sessionCookie(actor, request),
          });
          return;
        }
        for (const route of POST_ROUTES) {
          const match = route.pattern.exec(path);
          if (match === null) continue;
          pageRequest.params = decode(match.slice(1));
          const outcome = await runAction(context, pageRequest, route.kind, form, registryFor);
          if ('location' in outcome) redirect(response, outcome.location);
          else render(response, pageRequest, outcome.page, setCookie);
          return;
        }
        throw new HttpError(404, 'Not found', `Nothing accepts a form at ${path}`);
      }
      if (next !== undefined) {
        next();
        return;
      }
      throw new HttpError(405, 'Method not allowed', 'This UI answers GET and form POSTs only');
    } catch (error) {
      let status = 500;
      let title = 'Internal error';
      let message = 'Something went wrong on the server; the error was logged.';
      if (error instanceof HttpError) {
        ({ status, title, message } = error);
      } else {
        const code = (error as { code?: unknown } | undefined)?.code;
        const known = typeof code === 'string' ? STATUS_OF_CODE[code] : undefined;
        if (known !== undefined) {
          [status, title] = known;
          message = (error as Error).message;
        } else {
          onError(error);
        }
      }
      if (path.startsWith('/api/')) {
        sendJson(response, status, { error: message });
        return;
      }
      render(
        response,
        pageRequest,
        {
          title,
          status,
          body: html`<h1>${title}</h1><p class="error" role="alert">${message}</p><p><a href="${requestBase}/">Back to the overview</a></p>`,
        },
        setCookie,
      );
    }
  };

  return {
    handler: (request, response, next) => {
      handle(request, response, next).catch((error: unknown) => {
        onError(error);
        if (!response.headersSent)
          send(response, 500, 'Internal error', { 'content-type': 'text/plain' });
        else response.end();
      });
    },
    async close() {
      const handles = [...actorRegistries.values()];
      actorRegistries.clear();
      for (const handle of handles) await (await handle).close();
    },
  };
}
