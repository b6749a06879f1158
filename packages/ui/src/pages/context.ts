import type { IncomingMessage } from 'node:http';
import type { Store } from '@mlinfra/core';
import type { Datasets } from '@mlinfra/datasets';
import type { PromotionGate, Registry } from '@mlinfra/registry';
import type { MetricSeriesCache } from '../data/metric-series.js';
import type { SafeHtml } from '../html/html.js';
import type { Auth } from '../http/auth.js';

/** What every page handler gets about the UI (built once by createUi). */
export interface UiContext {
  registry: Registry;
  datasets: Datasets | undefined;
  store: Store;
  title: string;
  actions: boolean;
  auth: Auth | undefined;
  gates: Record<string, Record<string, PromotionGate[]>>;
  requireApproval: boolean;
  predictionLogs: Record<string, string>;
  pageSize: number;
  maxChartPoints: number;
  pollIntervalMs: number;
  series: MetricSeriesCache;
  /** Path of an asset (under the mount path) by its file name, such as `app.js`. */
  asset(name: string): string;
}

/** One request, as pages see it. */
export interface PageRequest {
  request: IncomingMessage;
  /** The URL relative to the mount path (pathname starts with `/`). */
  url: URL;
  /** Mount path, such as `/ui` or `''`. */
  base: string;
  /** Path parameters of the matched route (already URL-decoded). */
  params: string[];
  /** Logged-in actor (token header or session), if any. */
  actor: string | undefined;
  /** CSRF token to put into forms. */
  csrf: string;
}

/** A rendered page. */
export interface Page {
  title: string;
  body: SafeHtml;
  status?: number;
  /** Section of the navigation to highlight. */
  section?: 'runs' | 'models' | 'datasets' | 'drift' | 'cost';
}

/** A link inside the UI: `path` under the mount path, with a query. */
export function href(
  page: Pick<PageRequest, 'base'>,
  path: string,
  query: Record<string, string | number | readonly string[] | undefined> = {},
): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined || value === '') continue;
    if (Array.isArray(value)) for (const item of value) search.append(key, String(item));
    else search.set(key, String(value));
  }
  const text = search.toString();
  return `${page.base}${path}${text === '' ? '' : `?${text}`}`;
}

/** A path segment, encoded. */
export function segment(value: string | number): string {
  return encodeURIComponent(String(value));
}
