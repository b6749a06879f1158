import { formatNumber, shortDigest } from '../html/format.js';
import { html } from '../html/html.js';
import { badRequest } from '../http/http-error.js';
import { href, type Page, type PageRequest, segment, type UiContext } from './context.js';
import { requireDatasets, versionHref } from './datasets-page.js';
import { driftTable } from './drift-page.js';

/** `/datasets/<name>/diff?a=<ref>&b=<ref>`: schema, rows, per-column statistics and drift. */
export async function datasetDiffPage(context: UiContext, request: PageRequest): Promise<Page> {
  const datasets = requireDatasets(context);
  const name = request.params[0] ?? '';
  const a = request.url.searchParams.get('a') ?? '';
  const b = request.url.searchParams.get('b') ?? '';
  if (a === '' || b === '')
    throw badRequest('Give two versions to compare: ?a=<version, tag or branch>&b=<...>');
  const diff = await datasets.diff(name, a, b);
  const change = (value: number | undefined) =>
    value === undefined ? '–' : `${value > 0 ? '+' : ''}${formatNumber(value)}`;
  const body = html`<h1>Dataset <a href="${href(request, `/datasets/${segment(name)}`)}">${name}</a>: <a class="digest" href="${versionHref(request, name, diff.a)}">${shortDigest(diff.a)}</a> → <a class="digest" href="${versionHref(request, name, diff.b)}">${shortDigest(diff.b)}</a></h1>
<dl class="facts"><dt>Rows</dt><dd>${diff.rows.a} → ${diff.rows.b} (${change(diff.rows.change)})</dd>
<dt>Columns added</dt><dd>${diff.schema.added.join(', ') || 'none'}</dd>
<dt>Columns removed</dt><dd>${diff.schema.removed.join(', ') || 'none'}</dd>
<dt>Columns changed</dt><dd>${diff.schema.changed.map((item) => item.column).join(', ') || 'none'}</dd></dl>
<h2>Columns</h2>
<table class="column-diff"><thead><tr><th>Column</th><th>Mean a → b</th><th>Mean change</th><th>Missing change</th><th>Categories added</th><th>Categories removed</th></tr></thead><tbody>${Object.entries(
    diff.columns,
  ).map(
    ([column, item]) =>
      html`<tr><th>${column}</th><td class="num">${formatNumber(item.a?.mean)} → ${formatNumber(item.b?.mean)}</td><td class="num">${change(item.meanChange)}</td><td class="num">${item.nullFractionChange === undefined ? '–' : `${change(item.nullFractionChange * 100)} pp`}</td><td>${(item.categoriesAdded ?? []).join(', ')}</td><td>${(item.categoriesRemoved ?? []).join(', ')}</td></tr>`,
  )}</tbody></table>
<h2>Drift per column</h2>
${diff.drift === null ? html`<p class="empty">A version has no stored profile, so drift is not computed.</p>` : html`${driftTable(diff.drift)}<p><a href="${href(request, '/drift', { dataset: name, reference: diff.a, current: diff.b })}">Drift report with charts</a></p>`}`;
  return { title: `Diff ${name}`, body, section: 'datasets' };
}
