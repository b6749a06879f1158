import type { DriftReport } from '@mlinfra/drift';
import { formatNumber, shortDigest } from '../html/format.js';
import { html, type SafeHtml } from '../html/html.js';
import { badRequest } from '../http/http-error.js';
import { href, type Page, type PageRequest, segment, type UiContext } from './context.js';
import { requireDatasets, versionHref } from './datasets-page.js';

/** Per-column drift as a table (readable without JavaScript). */
export function driftTable(report: DriftReport): SafeHtml {
  return html`<p class="${report.datasetDrift ? 'fail' : 'pass'}">${report.datasetDrift ? 'Dataset drift detected' : 'No dataset drift'}: ${report.driftedColumns} of ${report.columnCount} columns drifted (threshold ${formatNumber(report.driftShareThreshold * 100)}% of columns).</p>
<table class="drift"><thead><tr><th>Column</th><th>Kind</th><th>Test</th><th>Statistic</th><th>p-value</th><th>Threshold</th><th>Drifted</th><th>Missing (ref → cur)</th></tr></thead><tbody>${report.columns.map(
    (column) =>
      html`<tr class="${column.drifted ? 'fail' : 'pass'}"><th>${column.column}</th><td>${column.kind}</td><td>${column.test}</td><td class="num">${formatNumber(column.statistic)}</td><td class="num">${formatNumber(column.adjustedPValue)}</td><td class="num">${formatNumber(column.threshold)}</td><td>${column.drifted ? 'yes' : 'no'}</td><td class="num">${column.referenceMissing} → ${column.currentMissing}</td></tr>`,
  )}</tbody></table>`;
}

/** Reads `dataset`, `reference` and `current` from the query. @throws HttpError 400. */
function driftQuery(request: PageRequest): { dataset: string; reference: string; current: string } {
  const query = request.url.searchParams;
  const dataset = query.get('dataset') ?? '';
  const reference = query.get('reference') ?? '';
  const current = query.get('current') ?? '';
  if (dataset === '' || reference === '' || current === '') {
    throw badRequest(
      'Give dataset, reference and current (version ids, branches or tags), such as /drift?dataset=trips&reference=v1&current=main',
    );
  }
  return { dataset, reference, current };
}

/** The drift report of `current` against `reference`, from the versions' stored profiles. */
export async function driftReport(context: UiContext, request: PageRequest): Promise<DriftReport> {
  const { dataset, reference, current } = driftQuery(request);
  const diff = await requireDatasets(context).diff(dataset, reference, current);
  if (diff.drift === null) {
    throw badRequest(
      'One of the versions has no stored profile; commit it with profile: true to compare drift',
    );
  }
  return diff.drift;
}

/** `/drift`: a form, or the drift report of a dataset version against a reference. */
export async function driftPage(context: UiContext, request: PageRequest): Promise<Page> {
  if (!request.url.searchParams.has('dataset')) {
    const names = context.datasets === undefined ? [] : await context.datasets.list();
    const body = html`<h1>Drift</h1>
<p>The drift of a dataset version against a reference version, from their stored profiles.</p>
<form method="get" action="${href(request, '/drift')}" class="filters">
<label>Dataset <select name="dataset">${names.map((name) => html`<option>${name}</option>`)}</select></label>
<label>Reference <input type="text" name="reference" placeholder="tag, branch or version id" required></label>
<label>Current <input type="text" name="current" value="main" required></label>
<button type="submit">Report</button></form>`;
    return { title: 'Drift', body, section: 'drift' };
  }
  const { dataset, reference, current } = driftQuery(request);
  const datasets = requireDatasets(context);
  const [from, to] = await Promise.all([
    datasets.resolve(dataset, reference),
    datasets.resolve(dataset, current),
  ]);
  const report = await driftReport(context, request);
  const query = { dataset, reference: from.id, current: to.id };
  const body = html`<h1>Drift of <a href="${href(request, `/datasets/${segment(dataset)}`)}">${dataset}</a></h1>
<p>Reference <a class="digest" href="${versionHref(request, dataset, from.id)}">${shortDigest(from.id)}</a> (${report.referenceRows} rows) → current <a class="digest" href="${versionHref(request, dataset, to.id)}">${shortDigest(to.id)}</a> (${report.currentRows} rows). <a href="${href(request, '/drift/report.html', query)}">Open the full HTML report</a></p>
${driftTable(report)}
<h2>Distributions</h2>
<iframe class="drift-report" title="drift report" sandbox src="${href(request, '/drift/report.html', query)}"></iframe>`;
  return { title: `Drift of ${dataset}`, body, section: 'drift' };
}
