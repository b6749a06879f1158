import type { ServerResponse } from 'node:http';
import { renderHtmlReport } from '@mlinfra/drift';
import { downsampleMinMax } from '../data/downsample.js';
import type { PageRequest, UiContext } from '../pages/context.js';
import { driftSubject } from '../pages/drift-page.js';
import { badRequest, notFound } from './http-error.js';
import { send, sendJson } from './respond.js';

function numberParameter(request: PageRequest, name: string): number | undefined {
  const text = request.url.searchParams.get(name);
  if (text === null || text === '') return undefined;
  const value = Number(text);
  if (!Number.isFinite(value))
    throw badRequest(`${name} must be a number, got ${JSON.stringify(text)}`);
  return value;
}

/**
 * `GET /api/runs/<id>/metrics/<key>?points=<n>&from=<step>&to=<step>`: the series, reduced to at
 * most `points` (capped by `maxChartPoints`) by min/max per step bucket.
 */
export async function metricData(
  context: UiContext,
  request: PageRequest,
  response: ServerResponse,
): Promise<void> {
  const [runId = '', key = ''] = request.params;
  const run = await context.registry.getRun(runId);
  if (run.metrics[key] === undefined) {
    throw notFound(
      `Run ${run.id} has no metric ${JSON.stringify(key)}; it has ${Object.keys(run.metrics).join(', ') || 'none yet'}`,
    );
  }
  const points = Math.min(
    context.maxChartPoints,
    Math.max(10, Math.floor(numberParameter(request, 'points') ?? 2000)),
  );
  const series = await context.series.get(run.id, key, run.status !== 'running');
  const data = downsampleMinMax(
    series.steps,
    series.values,
    series.count,
    points,
    numberParameter(request, 'from'),
    numberParameter(request, 'to'),
  );
  sendJson(response, 200, { run: run.id, key, status: run.status, ...data });
}

/** `GET /api/runs/<id>/status`: whether a run still runs (for live pages). */
export async function runStatus(
  context: UiContext,
  request: PageRequest,
  response: ServerResponse,
): Promise<void> {
  const run = await context.registry.getRun(request.params[0] ?? '');
  sendJson(response, 200, { id: run.id, status: run.status, metrics: run.metrics });
}

/** `GET /drift/report.html?...`: `@mlinfra/drift`'s own HTML report, shown in a sandboxed frame. */
export async function driftReportHtml(
  context: UiContext,
  request: PageRequest,
  response: ServerResponse,
): Promise<void> {
  const { report } = await driftSubject(context, request);
  send(response, 200, renderHtmlReport(report, { title: 'Data drift report' }), {
    'content-type': 'text/html; charset=utf-8',
    'x-content-type-options': 'nosniff',
    'content-security-policy':
      "default-src 'none'; style-src 'unsafe-inline'; img-src data:; sandbox",
    'cache-control': 'no-store',
  });
}
