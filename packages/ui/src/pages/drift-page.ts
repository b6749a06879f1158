import { type DriftReport, detectDrift } from '@mlinfra/drift';
import { readPredictionWindow } from '../data/prediction-log.js';
import { formatDate, formatNumber, shortDigest } from '../html/format.js';
import { html, type SafeHtml } from '../html/html.js';
import { badRequest, notFound } from '../http/http-error.js';
import { href, type Page, type PageRequest, segment, type UiContext } from './context.js';
import { requireDatasets, versionHref } from './datasets-page.js';

/** Most prediction records one drift window reads. */
const MAX_WINDOW_ROWS = 200_000;

/** Per-column drift as a table (readable without JavaScript). */
export function driftTable(report: DriftReport): SafeHtml {
  return html`<p class="${report.datasetDrift ? 'fail' : 'pass'}">${report.datasetDrift ? 'Dataset drift detected' : 'No dataset drift'}: ${report.driftedColumns} of ${report.columnCount} columns drifted (threshold ${formatNumber(report.driftShareThreshold * 100)}% of columns).</p>
<table class="drift"><thead><tr><th>Column</th><th>Kind</th><th>Test</th><th>Statistic</th><th>p-value</th><th>Threshold</th><th>Drifted</th><th>Missing (ref → cur)</th></tr></thead><tbody>${report.columns.map(
    (column) =>
      html`<tr class="${column.drifted ? 'fail' : 'pass'}"><th>${column.column}</th><td>${column.kind}</td><td>${column.test}</td><td class="num">${formatNumber(column.statistic)}</td><td class="num">${formatNumber(column.adjustedPValue)}</td><td class="num">${formatNumber(column.threshold)}</td><td>${column.drifted ? 'yes' : 'no'}</td><td class="num">${column.referenceMissing} → ${column.currentMissing}</td></tr>`,
  )}</tbody></table>`;
}

/** A drift report and what it compared. */
interface DriftSubject {
  report: DriftReport;
  /** Dataset the reference version belongs to. */
  dataset: string;
  /** Words and links saying what was compared. */
  description: SafeHtml;
  /** Query that names the same comparison (with version ids resolved). */
  query: Record<string, string>;
}

function required(request: PageRequest, names: readonly string[], example: string): string[] {
  const values = names.map((name) => request.url.searchParams.get(name) ?? '');
  const missing = names.filter((_, index) => values[index] === '');
  if (missing.length > 0) throw badRequest(`Give ${missing.join(', ')}, such as ${example}`);
  return values;
}

function time(request: PageRequest, name: string): number | undefined {
  const text = request.url.searchParams.get(name) ?? '';
  if (text === '') return undefined;
  const value = Date.parse(text);
  if (Number.isNaN(value))
    throw badRequest(
      `${name} must be a time such as 2026-03-01T00:00:00Z, got ${JSON.stringify(text)}`,
    );
  return value;
}

/** A window of a prediction log against a dataset version's stored profile. */
async function predictionDrift(context: UiContext, request: PageRequest): Promise<DriftSubject> {
  const example = '/drift?log=churn&dataset=trips&reference=v1&from=2026-03-01T00:00:00Z';
  const [log = '', dataset = '', reference = ''] = required(
    request,
    ['log', 'dataset', 'reference'],
    example,
  );
  const path = context.predictionLogs[log];
  if (path === undefined) {
    const known = Object.keys(context.predictionLogs);
    throw notFound(
      `No prediction log ${JSON.stringify(log)}; ${known.length === 0 ? 'createUi was given none (predictionLogs option)' : `use one of ${known.join(', ')}`}`,
    );
  }
  const from = time(request, 'from');
  const to = time(request, 'to');
  const model = request.url.searchParams.get('model') || undefined;
  const datasets = requireDatasets(context);
  const version = await datasets.resolve(dataset, reference);
  const profile = await datasets.dataset(dataset, version.id).profile();
  if (profile === null)
    throw badRequest(`Version ${version.id} has no stored profile; commit it with profile: true`);
  const window = await readPredictionWindow(
    path,
    {
      ...(from === undefined ? {} : { from }),
      ...(to === undefined ? {} : { to }),
      ...(model === undefined ? {} : { model }),
    },
    MAX_WINDOW_ROWS,
  );
  if (window.rows.length === 0)
    throw notFound(
      `The prediction log ${log} has no records with feature objects in that window; widen from/to`,
    );
  const present = new Set(window.rows.flatMap((row) => Object.keys(row)));
  const columns = Object.keys(profile.columns).filter((column) => present.has(column));
  if (columns.length === 0)
    throw badRequest(
      `The logged inputs share no column with dataset ${dataset}; compare with the dataset the model was trained on`,
    );
  const report = detectDrift(profile, window.rows, { columns });
  const query: Record<string, string> = { log, dataset, reference: version.id };
  if (from !== undefined) query.from = new Date(from).toISOString();
  if (to !== undefined) query.to = new Date(to).toISOString();
  if (model !== undefined) query.model = model;
  return {
    report,
    dataset,
    query,
    description: html`Reference <a class="digest" href="${versionHref(request, dataset, version.id)}">${shortDigest(version.id)}</a> of ${dataset} (${report.referenceRows} rows) → prediction log <strong>${log}</strong>${model === undefined ? '' : html` of model ${model}`} from ${from === undefined ? 'its start' : formatDate(from)} to ${to === undefined ? 'its end' : formatDate(to)} (${window.rows.length} predictions${window.truncated ? html`, the first ${MAX_WINDOW_ROWS} only` : ''}${window.skipped === 0 ? '' : html`, ${window.skipped} skipped`}).`,
  };
}

/** Two versions of a dataset, from their stored profiles. */
async function versionDrift(context: UiContext, request: PageRequest): Promise<DriftSubject> {
  const [dataset = '', reference = '', current = ''] = required(
    request,
    ['dataset', 'reference', 'current'],
    '/drift?dataset=trips&reference=v1&current=main',
  );
  const datasets = requireDatasets(context);
  const [from, to] = await Promise.all([
    datasets.resolve(dataset, reference),
    datasets.resolve(dataset, current),
  ]);
  const diff = await datasets.diff(dataset, from.id, to.id);
  if (diff.drift === null)
    throw badRequest(
      'One of the versions has no stored profile; commit it with profile: true to compare drift',
    );
  return {
    report: diff.drift,
    dataset,
    query: { dataset, reference: from.id, current: to.id },
    description: html`Reference <a class="digest" href="${versionHref(request, dataset, from.id)}">${shortDigest(from.id)}</a> (${diff.drift.referenceRows} rows) → current <a class="digest" href="${versionHref(request, dataset, to.id)}">${shortDigest(to.id)}</a> (${diff.drift.currentRows} rows).`,
  };
}

/** The drift report a `/drift` query names (a prediction log window with `log`, else two versions). */
export async function driftSubject(
  context: UiContext,
  request: PageRequest,
): Promise<DriftSubject> {
  return request.url.searchParams.has('log')
    ? predictionDrift(context, request)
    : versionDrift(context, request);
}

/** `/drift`: forms, or the drift report of a dataset version or a prediction log window against a reference. */
export async function driftPage(context: UiContext, request: PageRequest): Promise<Page> {
  const query = request.url.searchParams;
  if (!query.has('dataset') && !query.has('log')) {
    const names = context.datasets === undefined ? [] : await context.datasets.list();
    const datasetSelect = html`<label>Dataset <select name="dataset">${names.map((name) => html`<option>${name}</option>`)}</select></label>`;
    const logs = Object.keys(context.predictionLogs);
    const body = html`<h1>Drift</h1>
<h2>A dataset version against a reference version</h2>
<form method="get" action="${href(request, '/drift')}" class="filters">${datasetSelect}
<label>Reference <input type="text" name="reference" placeholder="tag, branch or version id" required></label>
<label>Current <input type="text" name="current" value="main" required></label>
<button type="submit">Report</button></form>
${
  logs.length === 0
    ? ''
    : html`<h2>A prediction log window against a dataset version</h2>
<form method="get" action="${href(request, '/drift')}" class="filters">
<label>Prediction log <select name="log">${logs.map((log) => html`<option>${log}</option>`)}</select></label>${datasetSelect}
<label>Reference <input type="text" name="reference" placeholder="tag, branch or version id" required></label>
<label>From <input type="text" name="from" placeholder="2026-03-01T00:00:00Z"></label>
<label>To <input type="text" name="to" placeholder="(now)"></label>
<button type="submit">Report</button></form>`
}`;
    return { title: 'Drift', body, section: 'drift' };
  }
  const subject = await driftSubject(context, request);
  const body = html`<h1>Drift against <a href="${href(request, `/datasets/${segment(subject.dataset)}`)}">${subject.dataset}</a></h1>
<p>${subject.description} <a href="${href(request, '/drift/report.html', subject.query)}">Open the full HTML report</a></p>
${driftTable(subject.report)}
<h2>Distributions</h2>
<iframe class="drift-report" title="drift report" sandbox src="${href(request, '/drift/report.html', subject.query)}"></iframe>`;
  return { title: `Drift of ${subject.dataset}`, body, section: 'drift' };
}
